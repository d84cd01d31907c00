// Whether a link target names this service itself, in any spelling. Pure. A link may not point
// here: a redirect to another short link (or to itself) could chain or loop, and an address of
// this machine would turn the shortener into a door to it. Since every link's target is checked
// at creation and on update, no link can point at another, so two that point at each other can
// never both exist.
//
// The host given is the one WHATWG URL parsing produced (new URL(raw).hostname), which is also
// what a browser follows. That parser has already lower-cased it, decoded %-escapes, applied
// IDNA (full-width letters, punycode), and rewritten IPv4 in any spelling (2130706433, 0x7f.1,
// 0177.0.0.1, 127.1) as dotted decimal and IPv6 in its compressed hex form ([::ffff:7f00:1]).
// Left to this rule: trailing dots, the loopback and "this host" ranges, IPv4 inside IPv6, the
// *.localhost names (RFC 6761) and the public base URL's host, on any port. Names that only
// resolve to a loopback address through DNS (127.0.0.1.nip.io) are not caught: that would need a
// lookup, and its answer can change after the check.

/** True when `hostname` is this service: the public host, localhost, 127/8, 0/8, ::1, ::. */
export function isOwnHost(hostname: string, publicHost: string): boolean {
  const host = withoutTrailingDots(hostname.toLowerCase());
  if (host === '') return false;
  if (host === withoutTrailingDots(publicHost.toLowerCase())) return true;
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = ipv4Octets(host);
  if (v4) return isThisHostV4(v4);
  const v6 = host.startsWith('[') && host.endsWith(']') ? ipv6Groups(host.slice(1, -1)) : undefined;
  return v6 !== undefined && isThisHostV6(v6);
}

function withoutTrailingDots(host: string): string {
  return host.replace(/\.+$/, '');
}

/** 127.0.0.0/8 is loopback; 0.0.0.0/8 is "this host" (connecting to 0.0.0.0 reaches this machine). */
function isThisHostV4([first]: number[]): boolean {
  return first === 127 || first === 0;
}

/**
 * ::1 and :: themselves, and IPv4 inside IPv6: IPv4-mapped ::ffff:a.b.c.d, IPv4-translated
 * ::ffff:0:a.b.c.d and the old IPv4-compatible ::a.b.c.d (which makes ::1 and :: the cases
 * 0.0.0.1 and 0.0.0.0 of it), each carrying a 127/8 or 0/8 address.
 */
function isThisHostV6(groups: number[]): boolean {
  const prefix = groups.slice(0, 6);
  const zeros = (n: number) => prefix.slice(0, n).every((g) => g === 0);
  const embeds = zeros(6) || (zeros(5) && prefix[5] === 0xffff) || (zeros(4) && prefix[4] === 0xffff && prefix[5] === 0);
  if (!embeds) return false;
  return isThisHostV4([groups[6]! >> 8]);
}

function ipv4Octets(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

/** The eight 16-bit groups of an IPv6 address (compressed, or with a dotted IPv4 tail). */
export function ipv6Groups(text: string): number[] | undefined {
  // A dotted IPv4 tail is rewritten as its two hex groups, then parsed like the rest.
  let s = text;
  const dotted = /(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (dotted) {
    const o = ipv4Octets(dotted[1]!);
    if (!o) return undefined;
    s = `${s.slice(0, s.length - dotted[1]!.length)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const known = head.length + rest.length;
  if ([...head, ...rest].some(Number.isNaN)) return undefined;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  return [...head, ...Array<number>(8 - known).fill(0), ...rest];
}

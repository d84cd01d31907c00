// Where a webhook may deliver (SSRF safety). A target's host is resolved and every address it
// resolves to must be public: loopback, private, link-local (cloud metadata at 169.254.169.254),
// carrier-grade NAT, unique-local, multicast and reserved ranges are refused unless the stack
// allows private targets (the loopback placement does, for its tests). The check runs when the
// webhook is created and again at every delivery, inside the connection's own DNS lookup, so
// a name that resolved to a public address at creation cannot be re-pointed (DNS rebinding)
// at an internal one later: the address checked is the address connected to.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** True for an address a webhook may not reach unless private targets are allowed. Pure. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d): judged as the IPv4 address it carries. (No ::ffff:0:0/96
    // rule above: BlockList matches IPv4 addresses against IPv4-mapped rules too.)
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return blocked.check(address, 'ipv4');
}

export const MAX_WEBHOOK_URL = 2048;

/** Syntax of a webhook URL: absolute http(s), a host, no credentials. Pure. */
export function webhookUrlProblem(raw: string): string | undefined {
  if (raw.length === 0) return 'must not be blank';
  if (raw.length > MAX_WEBHOOK_URL) return `must be at most ${MAX_WEBHOOK_URL} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an absolute http(s) URL';
  if (url.hostname === '') return 'must have a host';
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  return undefined;
}

export type Resolve = (host: string) => Promise<string[]>;

export const resolveHost: Resolve = (host) => new Promise((resolve, reject) => {
  dnsLookup(host, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) => (err ? reject(err) : resolve(addresses.map((a) => a.address))));
});

/** Why this target may not be used now (resolved), or undefined. */
export async function targetProblem(raw: string, allowPrivate: boolean, resolve: Resolve = resolveHost): Promise<string | undefined> {
  const p = webhookUrlProblem(raw);
  if (p) return p;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    return 'host does not resolve';
  }
  if (addresses.length === 0) return 'host does not resolve';
  if (!allowPrivate && addresses.some(isPrivateAddress)) return 'must not resolve to a private, loopback or link-local address';
  return undefined;
}

/**
 * A dns.lookup for http.request that refuses private addresses as it resolves: the delivery's
 * connection goes to the address this checked, never to one resolved after the check.
 */
export function guardedLookup(allowPrivate: boolean): typeof dnsLookup {
  return ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...(options as object), all: true, verbatim: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err);
      const bad = !allowPrivate && addresses.some((a) => isPrivateAddress(a.address));
      if (bad || addresses.length === 0) return callback(Object.assign(new Error('target resolves to a private, loopback or link-local address'), { code: 'EBLOCKED' }));
      const all = (options as { all?: boolean } | undefined)?.all === true;
      return all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as typeof dnsLookup;
}

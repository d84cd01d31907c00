// A backend subnet of its own for each engine test file. The graph's default (the stack config's
// backendSubnet) is one fixed /24: two engines on one host (two tiers at once, or another
// engineer's) would each make a bridge with it, and the host's routes to it would clash. A /24 is
// picked instead among those no route of the host overlaps at the time, outside Docker's own
// default pools (172.17-31.0.0/16, 192.168.0.0/16), which an engine's networks without a subnet
// take: it skips a pool a host route overlaps (seen here, across two engines), so those never clash.
import { readFileSync } from 'node:fs';

/** The host's IPv4 routes as [network, mask], from /proc/net/route (little-endian hex). */
function hostRoutes(): Array<[number, number]> {
  const le = (hex: string) => Number.parseInt(hex.match(/../g)!.reverse().join(''), 16) >>> 0;
  return readFileSync('/proc/net/route', 'utf8').trim().split('\n').slice(1)
    .map((l) => l.trim().split(/\s+/))
    .map((f) => [le(f[1]!), le(f[7]!)] as [number, number])
    // The default route overlaps everything and decides nothing here.
    .filter(([, mask]) => mask !== 0);
}

const toInt = (ip: string) => ip.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);

/** Whether `ip` lies in `cidr`. */
export function inSubnet(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/') as [string, string];
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(net) & mask) >>> 0);
}

/** A free /24 in `pool` (a /16): random among the third octets no host route overlaps. */
export function freeSubnet24(pool = '10.213.0.0/16', random: () => number = Math.random): string {
  const base = toInt(pool.split('/')[0]!) & 0xffff0000;
  const routes = hostRoutes();
  const free = Array.from({ length: 256 }, (_, i) => i).filter((octet) => {
    const net = (base | (octet << 8)) >>> 0;
    const mask = 0xffffff00;
    // Two ranges overlap when either contains the other's network under the shorter mask.
    return !routes.some(([rNet, rMask]) => {
      const m = (rMask & mask) >>> 0;
      return ((rNet & m) >>> 0) === ((net & m) >>> 0);
    });
  });
  if (free.length === 0) throw new Error(`no free /24 in ${pool}: every one overlaps a host route`);
  const octet = free[Math.floor(random() * free.length)]!;
  return `${pool.split('.').slice(0, 2).join('.')}.${octet}.0/24`;
}

/** The stack config an engine test applies: `extra`, on a backend subnet of this run's own. */
export function engineStackConfig(extra: Record<string, string>): Record<string, string> {
  return { 'shortstack:backendSubnet': freeSubnet24(), ...extra };
}

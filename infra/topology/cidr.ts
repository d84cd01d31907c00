// IPv4 CIDR arithmetic, for cutting a VPC into subnets.

const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** `cidr` cut into `count` (a power of two) equal subnets, in address order. */
export function carve(cidr: string, count: number): string[] {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  const extra = Math.log2(count);
  if (!Number.isInteger(extra) || prefix + extra > 32) throw new Error(`cannot cut ${cidr} into ${count} subnets`);
  const size = 2 ** (32 - prefix - extra);
  // The network address: host bits cleared.
  const base = toInt(ip!) - (toInt(ip!) % 2 ** (32 - prefix));
  return Array.from({ length: count }, (_, i) => `${toIp(base + i * size)}/${prefix + extra}`);
}

// The client address of a click, worked out in the flush rather than in the redirect: the
// redirect keeps the socket's address and the raw X-Forwarded-For header (two property reads),
// and this applies Fastify's own trust rules (@fastify/proxy-addr, MIT) to them later. The same
// answer as request.ip, at about 3 us per click off the hot path instead of on it.
import proxyAddr from '@fastify/proxy-addr';

export type ClientAddress = (remote: string | null, forwardedFor: string | null | undefined) => string | null;

/** trustProxy: IPs/CIDRs whose X-Forwarded-For is believed (config TRUST_PROXY); empty: the socket. */
export function clientAddress(trustProxy: string[]): ClientAddress {
  if (trustProxy.length === 0) return (remote) => remote;
  const trust = proxyAddr.compile(trustProxy);
  return (remote, forwardedFor) => {
    if (remote === null) return null;
    if (!forwardedFor) return remote;
    const all = proxyAddr.all({ headers: { 'x-forwarded-for': forwardedFor }, socket: { remoteAddress: remote } } as never, trust);
    return all[all.length - 1] ?? remote;
  };
}

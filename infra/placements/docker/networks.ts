// The topology's networks on Docker: one bridge each, its options from the network's facts.
import type { NetworkArgs } from '@pulumi/docker/network.js';
import type { NetworkSpec } from '../../topology/types.js';

/** Bridge driver options (`docker network create -o`), as the engine stores and reads them back. */
export const BRIDGE_OPTIONS = {
  /** No IPv4 address on the host's side of the bridge. */
  noHostAddress: 'com.docker.network.bridge.inhibit_ipv4',
  /** Source NAT of what members send out through the host. */
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
} as const;

/**
 * The bridge's options for a network. Docker gives every member, even of an internal network, a
 * default route to the bridge's gateway address; on the host's side that address is the host's,
 * so only the host's firewall rules (iptables, which an engine may run without) keep members in.
 * Without a host address that route leads nowhere. A non-internal network without outbound
 * publishes ports but does no source NAT, so its members cannot open connections out.
 */
export function bridgeOptions(n: NetworkSpec): Record<string, string> | undefined {
  if (!n.hostAddress) {
    if (!n.internal || n.outbound) throw new Error(`network ${n.name}: without the host's address it can neither publish a port nor route out; make it internal`);
    return { [BRIDGE_OPTIONS.noHostAddress]: 'true' };
  }
  return n.internal || n.outbound ? undefined : { [BRIDGE_OPTIONS.masquerade]: 'false' };
}

/** The Network resource's arguments for a network of the topology. */
export function networkArgs(n: NetworkSpec, prefix: string, labels: NetworkArgs['labels']): NetworkArgs {
  return {
    name: `${prefix}-${n.name}`,
    driver: 'bridge',
    internal: n.internal,
    ipamConfigs: n.subnet ? [{ subnet: n.subnet }] : undefined,
    options: bridgeOptions(n),
    labels,
  };
}

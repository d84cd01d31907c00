// Security group rules as data, derived from the topology's edges: every ingress names its
// source group and one port. Only the load balancer takes traffic from the internet.
import type { Edge } from '../../topology/addressing.js';
import type { ComponentName } from '../../topology/names.js';
import type { Topology } from '../../topology/types.js';
import { taskLayouts } from './tasks.js';

/** A security group: one per ECS service, plus the ALB and the managed data services. */
export type Group = ComponentName | 'alb';

export interface IngressRule {
  to: Group;
  port: number;
  /** Another group, or (the ALB alone) the internet. */
  from: Group | { cidr: '0.0.0.0/0' };
  /** The edge the rule was made from, for the rule's description. */
  why: string;
}

/** The internet's ports on the ALB: HTTP (a redirect when HTTPS is on) and HTTPS. */
export const PUBLIC_PORTS = [80, 443] as const;

/**
 * The group a component's connections leave from: its own service's, or, for a one-shot run
 * as an init container, the service whose task it runs in.
 */
export function groupOf(topology: Topology): (c: ComponentName) => ComponentName {
  const host = new Map<ComponentName, ComponentName>();
  for (const t of taskLayouts(topology)) {
    host.set(t.service.name, t.service.name);
    for (const i of t.inits) host.set(i.name, t.service.name);
  }
  return (c) => host.get(c) ?? c;
}

/** Ports of the targets that are not components of the topology on AWS (RDS, ElastiCache). */
export type ManagedPorts = Partial<Record<ComponentName, Record<string, number>>>;

export function ingressRules(topology: Topology, managed: ManagedPorts, frontDoor: { component: ComponentName; ports: string[] }): IngressRule[] {
  const group = groupOf(topology);
  const portOf = (e: Edge): number => {
    const m = managed[e.to]?.[e.port];
    if (m !== undefined) return m;
    const p = topology.component(e.to).ports[e.port];
    if (p === undefined) throw new Error(`${e.from} -> ${e.to}: no port ${e.port}`);
    return p;
  };
  const rules: IngressRule[] = PUBLIC_PORTS.map((port) => ({ to: 'alb', port, from: { cidr: '0.0.0.0/0' }, why: 'internet -> alb' }));
  for (const name of frontDoor.ports) {
    const port = topology.component(frontDoor.component).ports[name]!;
    rules.push({ to: frontDoor.component, port, from: 'alb', why: `alb -> ${frontDoor.component}:${name}` });
  }
  for (const e of topology.edges) {
    const from = group(e.from);
    const to = group(e.to);
    if (from === to) continue;
    const port = portOf(e);
    if (rules.some((r) => r.to === to && r.from === from && r.port === port)) continue;
    rules.push({ to, port, from, why: `${e.from} -> ${e.to}:${e.port}` });
  }
  return rules;
}

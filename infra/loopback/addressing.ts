// The loopback placement's addressing: every instance of every component on 127.0.0.1, each
// named port of each instance on a port of its own, free when the stack was laid out.
import type { Addressing, Endpoint } from '../topology/addressing.js';
import { PORTS, type ComponentName } from '../topology/names.js';
import { freePorts } from './servers/ports.js';

export interface LoopbackAddressing extends Addressing {
  port(component: ComponentName, port: string, instance?: number): number;
}

const key = (component: string, port: string, instance: number) => `${component}.${port}.${instance}`;

/** Allocates a free port for each named port of each instance (app has `replicas` of them). */
export async function loopbackAddressing(replicas: number, fixed: Record<string, number> = {}): Promise<LoopbackAddressing> {
  const wanted: string[] = [];
  for (const [component, ports] of Object.entries(PORTS)) {
    const instances = component === 'app' ? replicas : 1;
    for (const port of Object.keys(ports)) {
      for (let i = 0; i < instances; i++) wanted.push(key(component, port, i));
    }
  }
  const taken = new Set(Object.values(fixed));
  const free = (await freePorts(wanted.length + taken.size)).filter((p) => !taken.has(p));
  const table = new Map(wanted.map((k, i) => [k, fixed[k] ?? (free[i] as number)]));
  const port = (component: ComponentName, name: string, instance = 0): number => {
    const p = table.get(key(component, name, instance));
    if (p === undefined) throw new Error(`no loopback port for ${component}.${name} #${instance}`);
    return p;
  };
  return {
    port,
    endpoint: (component, name, instance = 0): Endpoint => ({ host: '127.0.0.1', port: port(component, name, instance) }),
  };
}

/** The key under which a caller fixes a port in advance, e.g. the front door's. */
export const fixedPortKey = (component: ComponentName, port: string, instance = 0) => key(component, port, instance);

// Where each instance of a component is reached. Renderers take concrete host:port values; a
// placement supplies them through an Addressing, so the renderers never know the placement.
import { PORTS, instanceName, type ComponentName } from './names.js';

export interface Endpoint {
  host: string;
  port: number;
}

export const hostPort = (e: Endpoint): string => `${e.host}:${e.port}`;

export interface Addressing {
  /** The address other components use to reach `port` of one instance (index 0-based). */
  endpoint(component: ComponentName, port: string, instance?: number): Endpoint;
  /**
   * One name for every instance of a replicated component (its DNS records follow the running
   * ones), where the placement has one: Docker's network alias, Cloud Map's service name.
   */
  service?(component: ComponentName, port: string): Endpoint;
}

/**
 * Service-name addressing, shared by every placement with a service network (Docker's user
 * networks, ECS with Cloud Map): the instance's name is its DNS name, the port is the container's.
 */
export function serviceAddressing(replicas: number): Addressing {
  return {
    endpoint(component, port, instance = 0) {
      const ports = PORTS[component] as Record<string, number>;
      const p = ports[port];
      if (p === undefined) throw new Error(`${component} has no port named ${port}`);
      return { host: instanceName(component, instance, component === 'app' && replicas > 0), port: p };
    },
    // The Docker placement gives every replica the component's name as a network alias.
    service: (component, port) => ({ host: component, port: serviceAddressing(replicas).endpoint(component, port).port }),
  };
}

/**
 * Cloud Map addressing (ECS): every component is one DNS name in the stack's private namespace,
 * and all replicas of the app answer under the same name (one A record per running task).
 */
export function cloudMapAddressing(namespace: string, managed: ReadonlySet<ComponentName> = new Set()): Addressing {
  return {
    endpoint(component, port) {
      const ports = PORTS[component] as Record<string, number>;
      const p = ports[port];
      if (p === undefined) throw new Error(`${component} has no port named ${port}`);
      // A managed service's name is the provider's (TLS certificates are issued for it), known
      // only once it exists: a placeholder the placement binds.
      if (managed.has(component)) return { host: hostBoundLater(component), port: p };
      return { host: `${component}.${namespace}`, port: p };
    },
    service(component, port) {
      return this.endpoint(component, port);
    },
  };
}

/** The placeholder for a host known only once the placement has created it (RDS, ElastiCache). */
export const hostBoundLater = (component: ComponentName): string => `@@host:${component}@@`;

/** The front door's public name where the placement makes it (the ALB's DNS name on AWS). */
export const PUBLIC_HOST = '@@host:public@@';

/** Replaces every host placeholder with the placement's value. */
export function bindHosts(text: string, hosts: Partial<Record<ComponentName | 'public', string>>): string {
  return text.replace(/@@host:([a-z-]+)@@/g, (_m, c: ComponentName | 'public') => {
    const h = hosts[c];
    if (h === undefined) throw new Error(`no host bound for ${c}`);
    return h;
  });
}

/** A connection one component opens to another: the edges security groups are made from. */
export interface Edge {
  from: ComponentName;
  to: ComponentName;
  port: string;
}

const UNRECORDED = Symbol('unrecorded');
type Recording = Addressing & { [UNRECORDED]: Addressing };

/**
 * An addressing that remembers every endpoint asked of it: a component's builder asks for the
 * address of exactly what it connects to, so what it asked is its list of connections.
 */
export function recordingAddressing(addr: Addressing): { addr: Addressing; asked: Array<Omit<Edge, 'from'>> } {
  const asked: Array<Omit<Edge, 'from'>> = [];
  const rec: Recording = {
    [UNRECORDED]: addr,
    endpoint(component, port, instance) {
      if (!asked.some((e) => e.to === component && e.port === port)) asked.push({ to: component, port });
      return addr.endpoint(component, port, instance);
    },
    ...(addr.service ? {
      service(component: ComponentName, port: string) {
        if (!asked.some((e) => e.to === component && e.port === port)) asked.push({ to: component, port });
        return addr.service!(component, port);
      },
    } : {}),
  };
  return { addr: rec, asked };
}

/**
 * An address named for another component to connect to (the front door Prometheus hands the
 * blackbox exporter as a probe target): not a connection of the builder asking.
 */
export function namedFor(addr: Addressing, component: ComponentName, port: string, instance?: number): Endpoint {
  return ((addr as Partial<Recording>)[UNRECORDED] ?? addr).endpoint(component, port, instance);
}

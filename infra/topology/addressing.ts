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
  };
}

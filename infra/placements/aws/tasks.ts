// How the topology's components become ECS tasks: one service per long-running component, and
// each one-shot (the migration) an init container in the task of the component that waits for
// it, so it runs before every new task of that service serves.
import type { ComponentName } from '../../topology/names.js';
import type { Component, Topology } from '../../topology/types.js';

export interface TaskLayout {
  /** The long-running component: the service and its essential container. */
  service: Component;
  /** One-shots that must complete before it starts, in order. */
  inits: Component[];
}

/** The container that writes the task's config and secret files before anything else starts. */
export const CONFIG_INIT = 'config-init';

export function taskLayouts(topology: Topology): TaskLayout[] {
  const oneShots = topology.components.filter((c) => c.oneShot);
  const placed = new Set<ComponentName>();
  const layouts = topology.components.filter((c) => !c.oneShot).map((service) => {
    const inits = service.dependsOn.filter((d) => d.condition === 'completed').map((d) => topology.component(d.component));
    for (const i of inits) {
      if (!i.oneShot) throw new Error(`${service.name} waits for ${i.name} to complete, but it is a service`);
      placed.add(i.name);
    }
    return { service, inits };
  });
  const orphan = oneShots.filter((o) => !placed.has(o.name));
  if (orphan.length > 0) throw new Error(`one-shots no service waits for: ${orphan.map((o) => o.name).join(', ')}`);
  return layouts;
}

/** Every container of a task in start order: the inits, then the service. */
export const taskComponents = (t: TaskLayout): Component[] => [...t.inits, t.service];

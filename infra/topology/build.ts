// buildTopology: the stack's config in, the whole topology out, with every config file rendered
// for service-name addressing (Docker networks, ECS with Cloud Map). Secrets stay references.
import { serviceAddressing } from './addressing.js';
import { app, migrate } from './components/app.js';
import { postgres, pgbouncer, redis, setDbPassword } from './components/data.js';
import { nginx } from './components/edge.js';
import { exporters } from './components/exporters.js';
import { monitoringFiles } from './components/monitoring-files.js';
import { alertmanager, alloy, dockerSocketProxy, grafana, loki, prometheus, setGrafanaPassword } from './components/observability.js';
import type { StackConfig } from './config.js';
import type { BuildContext } from './context.js';
import { instanceName, type ComponentName } from './names.js';
import type { Component, Topology } from './types.js';

export function buildTopology(config: StackConfig, stackName = 'dev'): Topology {
  const ctx: BuildContext = { config, addr: serviceAddressing(config.replicas), stackName };
  const monitoring = monitoringFiles(ctx);
  const components: Component[] = [
    nginx(ctx), app(ctx), migrate(ctx),
    pgbouncer(ctx), postgres(ctx), setDbPassword(ctx), redis(ctx),
    prometheus(ctx, monitoring), alertmanager(ctx, monitoring), grafana(ctx, monitoring), setGrafanaPassword(ctx), loki(ctx), alloy(ctx),
    dockerSocketProxy(ctx), ...exporters(ctx),
  ];
  const byName = new Map(components.map((c) => [c.name, c]));
  for (const c of components) {
    for (const d of c.dependsOn) {
      if (!byName.has(d.component)) throw new Error(`${c.name} depends on unknown component ${d.component}`);
    }
  }
  const component = (name: ComponentName): Component => {
    const c = byName.get(name);
    if (!c) throw new Error(`no component ${name}`);
    return c;
  };
  return {
    components,
    networks: [
      // Published ports need a non-internal network; none of these gives a way out.
      { name: 'edge', internal: false, outbound: false },
      { name: 'ops', internal: false, outbound: false },
      { name: 'backend', subnet: config.backendSubnet, internal: true, outbound: false },
      { name: 'docker-api', internal: true, outbound: false },
      // Alertmanager's receivers are on the internet: the only network with a way out.
      { name: 'egress', internal: false, outbound: true },
    ],
    component,
    instances: (name) => {
      const c = component(name);
      return Array.from({ length: c.replicas }, (_, i) => instanceName(name, i, name === 'app'));
    },
  };
}

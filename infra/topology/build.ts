// buildTopology: the stack's config in, the whole topology out, with every config file rendered
// for service-name addressing (Docker networks, ECS with Cloud Map). Secrets stay references.
import { cloudMapAddressing, recordingAddressing, serviceAddressing, type Addressing, type Edge } from './addressing.js';
import { app, migrate } from './components/app.js';
import { postgres, pgbouncer, redis, setDbPassword } from './components/data.js';
import { postgresBackup } from './components/backup.js';
import { nginx } from './components/edge.js';
import { certBootstrap, certManager } from './components/certs.js';
import { EXPORTERS } from './components/exporters.js';
import { monitoringFiles } from './components/monitoring-files.js';
import { alertmanager, alloy, dockerSocketProxy, grafana, loki, prometheus, setGrafanaPassword } from './components/observability.js';
import type { StackConfig } from './config.js';
import type { BuildContext } from './context.js';
import { instanceName, type ComponentName } from './names.js';
import { platformOf, type Platform } from './platform.js';
import type { Component, NetworkSpec, Topology } from './types.js';

type Builder = (ctx: BuildContext) => Component;

/**
 * What a managed service replaces on AWS: PostgreSQL and its password one-shot (RDS), Redis
 * (ElastiCache). Loki and Alloy read the Docker socket (CloudWatch Logs takes their place), and
 * Grafana's database lives with its task there, so its password one-shot has nothing to reset.
 */
export const NOT_ON_AWS: ReadonlySet<ComponentName> = new Set<ComponentName>([
  'postgres', 'set-db-password', 'postgres-backup', 'redis', 'loki', 'alloy', 'docker-socket-proxy', 'set-grafana-password',
  // RDS's disk is not a file system a task can statfs (its storage is declared: aws.rds).
  'node-exporter',
]);

/** Components AWS runs as managed services (RDS, ElastiCache), reached by their own names. */
export const MANAGED_ON_AWS: ReadonlySet<ComponentName> = new Set<ComponentName>(['postgres', 'redis']);

const NETWORKS: NetworkSpec[] = [
  // Published ports need a non-internal network with the host on it; none of these gives a way out.
  { name: 'edge', internal: false, outbound: false, hostAddress: true },
  { name: 'ops', internal: false, outbound: false, hostAddress: true },
  // The host off the internal networks too: their members reach only each other, with or without
  // the host's firewall rules.
  { name: 'backend', internal: true, outbound: false, hostAddress: false },
  { name: 'docker-api', internal: true, outbound: false, hostAddress: false },
  // Alertmanager's receivers are on the internet: the only network with a way out.
  { name: 'egress', internal: false, outbound: true, hostAddress: true },
];

export function buildTopology(config: StackConfig, stackName = 'dev'): Topology {
  const platform: Platform = platformOf(config, stackName);
  const addr: Addressing = platform.kind === 'aws'
    ? cloudMapAddressing(platform.namespace, MANAGED_ON_AWS) : serviceAddressing(config.replicas);
  const ctx: BuildContext = { config, addr, stackName, platform };
  const monitoring = monitoringFiles(ctx);
  const builders: Builder[] = [
    nginx, app, migrate, pgbouncer, postgres, setDbPassword, postgresBackup, redis,
    (c) => prometheus(c, monitoring), (c) => alertmanager(c, monitoring), (c) => grafana(c, monitoring),
    setGrafanaPassword, loki, alloy, dockerSocketProxy, ...EXPORTERS,
    // HTTPS by ACME on Docker (on AWS the ALB holds ACM's certificate; the config refuses a domain there).
    ...(config.tls ? [certBootstrap, certManager] : []),
  ];
  const edges: Edge[] = [];
  const components: Component[] = [];
  for (const build of builders) {
    // Each builder gets an addressing of its own that remembers what it asked for: the
    // component's connections, from which the AWS placement makes its security groups.
    const rec = recordingAddressing(addr);
    const c = build({ ...ctx, addr: rec.addr });
    if (platform.kind === 'aws' && NOT_ON_AWS.has(c.name)) continue;
    components.push(c);
    for (const e of rec.asked) if (e.to !== c.name) edges.push({ from: c.name, ...e });
  }
  const byName = new Map(components.map((c) => [c.name, c]));
  for (const c of components) {
    // On AWS a dependency on a managed service is the placement's to order (RDS before tasks).
    if (platform.kind === 'aws') c.dependsOn = c.dependsOn.filter((d) => !NOT_ON_AWS.has(d.component));
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
    networks: NETWORKS.map((n) => (n.name === 'backend' ? { ...n, subnet: config.backendSubnet } : n)),
    edges,
    platform,
    component,
    instances: (name) => {
      const c = component(name);
      // On ECS the replicas of a service are its tasks, not named instances.
      if (platform.kind === 'aws') return [name];
      return Array.from({ length: c.replicas }, (_, i) => instanceName(name, i, name === 'app'));
    },
  };
}

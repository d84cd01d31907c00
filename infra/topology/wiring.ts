// Renderer inputs that depend on the topology's shape (how many replicas, who watches whom),
// computed once here for every placement: the loopback stack calls these with its own addressing.
import { NODE_EXPORTER_JOB } from '../../alerts/capacity.js';
import { edgeScrapeTarget } from '../../monitoring/edge.js';
import type { ScrapeTarget } from '../../monitoring/prometheus-config.js';
import { hostPort, namedFor, type Addressing } from './addressing.js';
import { instanceName, type ComponentName } from './names.js';

export const appInstanceNames = (replicas: number): string[] =>
  Array.from({ length: replicas }, (_, i) => instanceName('app', i, true));

/** host:port of every replica's public port, for nginx's upstream block. */
export function appUpstreams(replicas: number, addr: Addressing): string[] {
  return Array.from({ length: replicas }, (_, i) => hostPort(addr.endpoint('app', 'http', i)));
}

/** Components watched through an exporter: job = the component watched, target = its exporter. */
export const EXPORTED: ReadonlyArray<{ job: ComponentName; exporter: ComponentName }> = [
  { job: 'nginx', exporter: 'nginx-exporter' },
  { job: 'postgres', exporter: 'postgres-exporter' },
  { job: 'pgbouncer', exporter: 'pgbouncer-exporter' },
  { job: 'redis', exporter: 'redis-exporter' },
];

/**
 * Every scrape target: each replica's metrics port, each exporter, Prometheus, Alertmanager.
 * Replicas are listed one by one (`instances`), or found behind one DNS name (`dns`: ECS).
 */
export interface ScrapeOptions {
  appDiscovery?: 'instances' | 'dns';
  /** node-exporter measures PostgreSQL's disk (not where the disk is a managed service's). */
  postgresDisk?: boolean;
  /** The front door terminates TLS: the edge probe goes to HTTPS, and the certificate manager is scraped. */
  tls?: boolean;
}

/** node-exporter's job: the disk it measures is PostgreSQL's (instance `postgres`). */
export const NODE_JOB = NODE_EXPORTER_JOB;

export function scrapeTargets(replicas: number, addr: Addressing, opts: ScrapeOptions = {}): ScrapeTarget[] {
  const { appDiscovery = 'instances', postgresDisk = true, tls = false } = opts;
  const app = appDiscovery === 'dns'
    ? [{ job: 'app', instance: 'app', address: hostPort(addr.endpoint('app', 'metrics')), discoverByDns: true }]
    : appInstanceNames(replicas).map((instance, i) => ({
      job: 'app', instance, address: hostPort(addr.endpoint('app', 'metrics', i)),
    }));
  const exported = EXPORTED.map(({ job, exporter }) => ({
    job, instance: job, address: hostPort(addr.endpoint(exporter, 'metrics')),
  }));
  const own = (['prometheus', 'alertmanager'] as const).map((job) => ({
    job, instance: job, address: hostPort(addr.endpoint(job, 'http')),
  }));
  // The front door is the prober's target, not a connection of Prometheus.
  const edge = edgeScrapeTarget(hostPort(addr.endpoint('blackbox-exporter', 'metrics')),
    tls ? `https://${hostPort(namedFor(addr, 'nginx', 'https'))}` : `http://${hostPort(namedFor(addr, 'nginx', 'http'))}`);
  const certs = tls ? [{ job: 'cert-manager', instance: 'cert-manager', address: hostPort(addr.endpoint('cert-manager', 'metrics')) }] : [];
  const disk = postgresDisk
    ? [{ job: NODE_JOB, instance: 'postgres', address: hostPort(addr.endpoint('node-exporter', 'metrics')) }] : [];
  return [...app, ...exported, ...disk, edge, ...certs, ...own];
}

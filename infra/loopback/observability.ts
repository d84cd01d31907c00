// The loopback stack's watchers: the exporters, Alertmanager and Prometheus, on the configs the
// shared renderers produce (rules and routing from alerts/, scrape jobs from monitoring/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertReceivers, AlertTiming } from '../../alerts/alertmanager-config.js';
import { renderRuleFiles } from '../../alerts/index.js';
import { alertsContext } from '../topology/alerts-context.js';
import type { BuildContext } from '../topology/context.js';
import type { Secrets } from '../topology/types.js';
import { NODE_JOB } from '../topology/wiring.js';
import type { LoopbackAddressing } from './addressing.js';
import { loopbackAlertmanagerYml, loopbackBlackboxYml, loopbackPrometheusYml } from './configs.js';
import { alertmanagerServer, blackboxExporter, nginxExporter, nodeExporter, postgresExporter, prometheusServer, redisExporter } from './components.js';
import { mountPointOfDir } from './mounts.js';
import type { DataServices } from './data-services.js';
import { startPgbouncerExporter } from './exporters/pgbouncer-exporter.js';
import { InProcessServer } from './in-process-server.js';
import type { ManagedServer } from './servers/managed.js';
import { renderPostgresQueries } from '../../monitoring/postgres-queries.js';

export interface ObservabilityInput {
  dir: string;
  /** The stack's context; its addressing answers for the replicas in service now (a rollout moves them). */
  ctx: BuildContext & { addr: LoopbackAddressing };
  data: DataServices;
  secrets: Secrets;
  opts: { alertReceivers?: AlertReceivers; alertTiming?: AlertTiming; scrapeInterval?: string; evaluationInterval?: string; alertResendDelay?: string };
  /** Every server started is pushed here as soon as it is up, so a failure later still stops it. */
  started: ManagedServer[];
  /** HTTPS front door: the edge probe verifies its certificate against this CA, for this name. */
  tls?: { caFile: string; serverName: string };
}

export interface Observability {
  exporters: ManagedServer[];
  alertmanager: ManagedServer;
  prometheus: ManagedServer;
  /** Re-renders the scrape targets from `addr` (replicas on new ports after a rollout) and reloads Prometheus (SIGHUP). */
  rescrape(): void;
}

export function writeConfig(dir: string, file: string, content: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, content);
  return path;
}

export async function startObservability(i: ObservabilityInput): Promise<Observability> {
  const { dir, ctx, data, secrets, opts, started } = i;
  const { addr } = ctx;
  // The backup figures' folder (a stack without backups gets an empty one: the collector wants it).
  const textfileDir = data.backup?.metricsDir ?? join(dir, 'node-exporter', 'textfile');
  mkdirSync(textfileDir, { recursive: true });
  // The exporter signs in as the app's role, as on Docker: not the superuser.
  const direct = new URL(data.directDatabaseUrl);
  const exporters: ManagedServer[] = [
    postgresExporter({
      dir: join(dir, 'postgres-exporter'), port: addr.port('postgres-exporter', 'metrics'),
      postgresPort: Number(direct.port), password: decodeURIComponent(direct.password),
      queriesFile: writeConfig(join(dir, 'postgres-exporter'), 'queries.yaml', renderPostgresQueries()),
    }),
    redisExporter({ dir: join(dir, 'redis-exporter'), port: addr.port('redis-exporter', 'metrics'), redisUrl: data.redisUrl }),
    blackboxExporter({
      dir: join(dir, 'blackbox-exporter'), port: addr.port('blackbox-exporter', 'metrics'),
      configFile: writeConfig(join(dir, 'blackbox-exporter'), 'blackbox.yml', loopbackBlackboxYml(ctx, i.tls)),
    }),
    nginxExporter({
      dir: join(dir, 'nginx-exporter'), port: addr.port('nginx-exporter', 'metrics'),
      stubStatusUrl: `http://127.0.0.1:${addr.port('nginx', 'status')}/stub_status`,
    }),
    nodeExporter({ dir: join(dir, 'node-exporter'), port: addr.port('node-exporter', 'metrics'), textfileDir }),
    new InProcessServer('pgbouncer-exporter', addr.port('pgbouncer-exporter', 'metrics'), (port) => startPgbouncerExporter({
      host: '127.0.0.1', port: data.pgbouncer.port, user: data.statsUser.name, password: data.statsUser.password,
    }, port)),
  ];
  await Promise.all(exporters.map((e) => e.start().then(() => started.push(e))));

  const amDir = join(dir, 'alertmanager');
  const amConf = writeConfig(amDir, 'alertmanager.yml', loopbackAlertmanagerYml(ctx.config, secrets, {
    receivers: opts.alertReceivers, timing: opts.alertTiming,
  }));
  const alertmanager = alertmanagerServer({ dir: amDir, port: addr.port('alertmanager', 'http'), configFile: amConf });
  await alertmanager.start();
  started.push(alertmanager);

  const promDir = join(dir, 'prometheus');
  // PostgreSQL's disk: the file system of the mount that holds its data folder, as node-exporter names it.
  const postgresDisk = { kind: 'filesystem' as const, job: NODE_JOB, mountpoint: mountPointOfDir(data.dir) };
  const ruleFiles = Object.entries(renderRuleFiles(alertsContext(), { postgresDisk })).map(([file, yaml]) => writeConfig(join(promDir, 'rules'), file, yaml));
  // Read from `addr` at each render: a rollout moves the replicas to new ports.
  const writePromConf = () => writeConfig(promDir, 'prometheus.yml', loopbackPrometheusYml(ctx, {
    ruleFiles, tls: i.tls !== undefined, scrapeInterval: opts.scrapeInterval, evaluationInterval: opts.evaluationInterval,
  }));
  const prometheus = prometheusServer({ dir: promDir, port: addr.port('prometheus', 'http'), configFile: writePromConf(), resendDelay: opts.alertResendDelay });
  await prometheus.start();
  started.push(prometheus);
  const rescrape = () => {
    writePromConf();
    // SIGHUP is Prometheus' own reload, the one way in here (no lifecycle API, as on Docker).
    if (prometheus.pid !== undefined) process.kill(prometheus.pid, 'SIGHUP');
  };
  return { exporters, alertmanager, prometheus, rescrape };
}

// The loopback placement: the topology's components as real Debian binaries and N app
// processes on 127.0.0.1, configured by the same renderers as the Docker placement. Grafana,
// Loki and Alloy are not packaged for Debian and are left out here (their configs have tests).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertReceivers, AlertTiming } from '../../alerts/alertmanager-config.js';
import { dirNginxPaths, renderNginxConf } from '../render/nginx.js';
import { appEnv, migrateEnv } from '../topology/components/app.js';
import { frontDoorPolicy } from '../topology/components/edge.js';
import { parseStackConfig, type StackConfig } from '../topology/config.js';
import type { BuildContext } from '../topology/context.js';
import { DATABASE, PGBOUNCER_STATS_USER } from '../topology/names.js';
import { resolveText, type Secrets, type Text } from '../topology/types.js';
import { appInstanceNames, appUpstreams } from '../topology/wiring.js';
import { fixedPortKey, loopbackAddressing, type LoopbackAddressing } from './addressing.js';
import { appReplica, nginxServer, tsxCommand } from './components.js';
import { startDataServices, type DataServices } from './data-services.js';
import { startObservability, writeConfig } from './observability.js';
import type { CommandServer } from './servers/command.js';
import type { ManagedServer } from './servers/managed.js';
import { startProcess } from './servers/process.js';

export type ServiceName = 'nginx' | 'postgres' | 'pgbouncer' | 'redis' | 'prometheus' | 'alertmanager';

export interface StackOptions {
  replicas?: number;
  /** The front door's port; a free one when omitted. */
  port?: number;
  adminKey?: string;
  /** Where every server keeps its files and logs; a temporary folder (removed on stop) when omitted. */
  dir?: string;
  /** Extra app environment, e.g. CACHE_LRU_ENABLED=false for a benchmark. */
  appEnv?: Record<string, string>;
  /** Stack config keys as in Pulumi.<stack>.yaml (without the namespace). */
  config?: Record<string, unknown>;
  alertReceivers?: AlertReceivers;
  alertTiming?: AlertTiming;
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Leave out Prometheus, Alertmanager and the exporters (faster start for API-only runs). */
  observability?: boolean;
}

export interface LoopbackStack {
  url: string;
  adminKey: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  replicas: ManagedServer[];
  services: Record<ServiceName, ManagedServer>;
  exporters: ManagedServer[];
  directDatabaseUrl: string;
  dir: string;
  config: StackConfig;
  stop(): Promise<void>;
}

const secret = () => randomBytes(18).toString('base64url');

function generatedSecrets(adminKey: string | undefined): Secrets {
  return {
    dbPassword: secret(), redisPassword: secret(), grafanaAdminPassword: secret(),
    adminApiKey: adminKey ?? `sk_admin_${secret()}`, pgbouncerStatsPassword: secret(),
  };
}

const resolveEnv = (env: Record<string, Text>, s: Secrets) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolveText(v, s)]));

async function runMigrations(dir: string, env: Record<string, string>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const proc = startProcess({
    name: 'migrate', ...tsxCommand('app/src/migrate.ts'), logFile: join(dir, 'migrate.log'),
    env: { ...process.env, ...env },
  });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`migrate exited with ${code}; see ${dir}/migrate.log`);
}

export async function startStack(opts: StackOptions = {}): Promise<LoopbackStack> {
  const config = parseStackConfig({ ...opts.config, ...(opts.replicas ? { replicas: opts.replicas } : {}) });
  const replicas = config.replicas;
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'shortstack-local-'));
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const fixed = opts.port ? { [fixedPortKey('nginx', 'http')]: opts.port } : {};
  const addr: LoopbackAddressing = await loopbackAddressing(replicas, fixed);
  const frontUrl = `http://127.0.0.1:${addr.port('nginx', 'http')}`;
  const ctx: BuildContext = { config: { ...config, publicBaseUrl: frontUrl }, addr, stackName: 'local' };
  const secrets = generatedSecrets(opts.adminKey);
  const started: ManagedServer[] = [];
  const observability = opts.observability ?? true;

  let data: DataServices | undefined;
  const stop = async () => {
    // Front to back, so nothing in front sees its dependency vanish first.
    for (const s of [...started].reverse()) await s.stop().catch(() => undefined);
    await data?.stop();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    data = await startDataServices({
      dir,
      database: DATABASE.name,
      user: DATABASE.user,
      password: secrets.dbPassword,
      poolSize: config.pools.pgbouncerPoolSize,
      maxClientConnections: config.pools.pgbouncerMaxClientConn,
      redisPassword: secrets.redisPassword,
      redisMaxMemoryMb: config.cache.redisMaxMemoryMb,
      statsUser: { name: PGBOUNCER_STATS_USER, password: secrets.pgbouncerStatsPassword },
      ports: {
        postgres: addr.port('postgres', 'postgres'),
        pgbouncer: addr.port('pgbouncer', 'postgres'),
        redis: addr.port('redis', 'redis'),
      },
    });
    await runMigrations(join(dir, 'migrate'), resolveEnv(migrateEnv(ctx), secrets));

    const env = resolveEnv(appEnv(ctx), secrets);
    const replicaServers: CommandServer[] = appInstanceNames(replicas).map((name, i) =>
      appReplica({
        name, dir: join(dir, name), port: addr.port('app', 'http', i),
        env: {
          ...env,
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(addr.port('app', 'http', i)),
          METRICS_PORT: String(addr.port('app', 'metrics', i)),
          TRUST_PROXY: '127.0.0.1',
          // Its tests' webhook receivers listen on 127.0.0.1 (api-contract: the loopback placement allows private targets).
          WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
          ...opts.appEnv,
        },
      }));
    // On the stop list before they start: a failed start must not leak the ones that did.
    started.push(...replicaServers);
    await Promise.all(replicaServers.map((r) => r.start()));

    const nginxDir = join(dir, 'nginx');
    mkdirSync(nginxDir, { recursive: true });
    const nginxConf = writeConfig(nginxDir, 'nginx.conf', renderNginxConf({
      listen: { host: '127.0.0.1', port: addr.port('nginx', 'http') },
      statusListen: { host: '127.0.0.1', port: addr.port('nginx', 'status') },
      statusAllow: ['127.0.0.1'],
      upstreams: appUpstreams(replicas, addr),
      paths: dirNginxPaths(nginxDir),
      policy: frontDoorPolicy(config),
      workerConnections: config.nginx.workerConnections,
      workerProcesses: 1,
    }));
    const nginx = nginxServer({ dir: nginxDir, port: addr.port('nginx', 'http'), confFile: nginxConf });
    started.push(nginx);
    await nginx.start();

    const obs = observability
      ? await startObservability({ dir, addr, replicas, data, secrets, config, opts, started })
      : undefined;
    const absent = (name: ServiceName): ManagedServer => ({
      name, port: 0, isRunning: () => false,
      start: () => Promise.reject(new Error(`${name} is off in this stack (observability: false)`)),
      stop: () => Promise.resolve(), kill: () => Promise.resolve(),
    });
    return {
      url: frontUrl,
      adminKey: secrets.adminApiKey,
      prometheusUrl: `http://127.0.0.1:${addr.port('prometheus', 'http')}`,
      alertmanagerUrl: `http://127.0.0.1:${addr.port('alertmanager', 'http')}`,
      replicas: replicaServers,
      services: {
        nginx, postgres: data.postgres, pgbouncer: data.pgbouncer, redis: data.redis,
        prometheus: obs?.prometheus ?? absent('prometheus'), alertmanager: obs?.alertmanager ?? absent('alertmanager'),
      },
      exporters: obs?.exporters ?? [],
      directDatabaseUrl: data.directDatabaseUrl,
      dir,
      config: ctx.config,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// The loopback placement: the topology's components as real Debian binaries and N app
// processes on 127.0.0.1, configured by the same renderers as the Docker placement. Grafana,
// Loki and Alloy are not packaged for Debian and are left out here (their configs have tests).
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertReceivers, AlertTiming } from '../../alerts/alertmanager-config.js';
import { dirNginxPaths } from '../render/nginx.js';
import { appEnv, migrateEnv } from '../topology/components/app.js';
import { parseStackConfig, type StackConfig } from '../topology/config.js';
import type { BuildContext } from '../topology/context.js';
import { runMigrations as migrateNow } from '../../app/src/migrate.js';
import { loopbackBackupOptions } from './backup-options.js';
import { loopbackBackups, type LoopbackBackups } from './backups.js';
import { resolveText, type Secrets, type Text } from '../topology/types.js';
import { appInstanceNames, appUpstreams } from '../topology/wiring.js';
import { fixedPortKey, loopbackAddressing, type LoopbackAddressing } from './addressing.js';
import { appBuild, type AppBuild } from './app-build.js';
import { nginxServer } from './components.js';
import { loopbackContext, loopbackNginxConf } from './configs.js';
import { startDataServices, type DataServices } from './data-services.js';
import { generatedSecrets } from './secrets.js';
import { startObservability, writeConfig, type Observability } from './observability.js';
import { liveAddressing, replicaMaker, startReplacement, type Replica } from './replicas.js';
import { rollout, type RolloutStep } from './rollout.js';
import type { CommandServer } from './servers/command.js';
import type { ManagedServer } from './servers/managed.js';
import { reloadNginx } from './servers/nginx-reload.js';
import { startProcess } from './servers/process.js';
import { certLayout } from '../../app/src/certs/layout.js';
import { ensureBootstrap } from '../../app/src/certs/store.js';
import { httpsFrontDoor, LOOPBACK_CERT_NAME, startHttps, type HttpsParts } from './https.js';

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
  /**
   * Prometheus' --rules.alert.resend-delay (a minute by default): how soon a firing alert reaches
   * an Alertmanager that restarted. Drills shorten it; a real stack keeps the default.
   */
  alertResendDelay?: string;
  /** Leave out Prometheus, Alertmanager and the exporters (faster start for API-only runs). */
  observability?: boolean;
  /**
   * HTTPS as on a Docker stack with a domain: Pebble as the CA (validating HTTP-01 through nginx
   * for real) and the certificate manager, for 127.0.0.1; `url` is then https.
   */
  tls?: { certificateValiditySeconds?: number };
  /** Extra PostgreSQL settings (`-c name=value`), e.g. a bench's pg_stat_statements. */
  postgresSettings?: Readonly<Record<string, string>>;
}

export interface LoopbackStack {
  url: string;
  adminKey: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** The replicas in service, slot by slot; a rollout replaces each entry in place. */
  replicas: CommandServer[];
  services: Record<ServiceName, ManagedServer>;
  exporters: ManagedServer[];
  directDatabaseUrl: string;
  /** PostgreSQL's postmaster while it runs: its process tree is this stack's database CPU. */
  readonly postgresPid: number | undefined;
  /** Redis with its password (redis-cli -u takes it as is). */
  redisUrl: string;
  dir: string;
  config: StackConfig;
  /** With `tls`: the root Pebble issues under (the CA a client trusts), and the certificate manager. */
  tls?: HttpsParts;
  /**
   * pgBackRest for this stack's PostgreSQL (WAL archived continuously): take a backup, list them,
   * restore to a point in time in place, writers stopped meanwhile (../backup/restore.ts; refused
   * without `yes` when that would lose newer commits).
   */
  backups: LoopbackBackups;
  /**
   * Replaces every replica in turn with a new process on new ports, under load, with no request
   * failed and no click lost (see rollout.ts for the order). One at a time: a second call while
   * one runs is refused.
   */
  rollout(opts?: { log?: (line: string) => void }): Promise<RolloutStep[]>;
  stop(): Promise<void>;
}

/** Long enough for every busy client connection to get one closing answer, even on a loaded machine. */
const DRAIN_BEFORE_RELOAD_MS = 1000;

/** Stops `servers` one after the other, except that neighbours `together` accepts stop side by side. */
async function stopInWaves(servers: readonly ManagedServer[], together: (s: ManagedServer) => boolean): Promise<void> {
  for (let i = 0; i < servers.length;) {
    let j = i + 1;
    if (together(servers[i]!)) while (j < servers.length && together(servers[j]!)) j += 1;
    await Promise.all(servers.slice(i, j).map((s) => s.stop().catch(() => undefined)));
    i = j;
  }
}

const resolveEnv = (env: Record<string, Text>, s: Secrets) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolveText(v, s)]));

async function runMigrations(release: AppBuild, dir: string, env: Record<string, string>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const proc = startProcess({
    name: 'migrate', ...release.command('migrate'), logFile: join(dir, 'migrate.log'),
    env: { ...process.env, ...env },
  });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`migrate exited with ${code}; see ${dir}/migrate.log`);
}

export async function startStack(opts: StackOptions = {}): Promise<LoopbackStack> {
  const rawConfig = { ...opts.config, ...(opts.replicas ? { replicas: opts.replicas } : {}) };
  const config = parseStackConfig(rawConfig);
  const replicas = config.replicas;
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'shortstack-local-'));
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  // --port is the port clients use: HTTPS's, when the stack has TLS.
  const fixed = opts.port ? { [fixedPortKey('nginx', opts.tls ? 'https' : 'http')]: opts.port } : {};
  const addr: LoopbackAddressing = await loopbackAddressing(replicas, fixed);
  const frontUrl = opts.tls ? `https://${LOOPBACK_CERT_NAME}:${addr.port('nginx', 'https')}` : `http://127.0.0.1:${addr.port('nginx', 'http')}`;
  const ctx: BuildContext = loopbackContext({ ...config, publicBaseUrl: frontUrl }, addr);
  const secrets = generatedSecrets(opts.adminKey);
  const started: ManagedServer[] = [];
  const observability = opts.observability ?? true;

  let data: DataServices | undefined;
  const replicaSet = new Set<ManagedServer>();
  const stop = async () => {
    // Front to back, so nothing in front sees its dependency vanish first; the replicas side by
    // side, as each serves out its drain grace (a second) and nothing is in front of them by then.
    await stopInWaves([...started].reverse(), (s) => replicaSet.has(s));
    await data?.stop();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Compiled while the data tier starts.
    const releaseBuild = appBuild();
    releaseBuild.catch(() => undefined); // awaited below; a data tier failure must not leave it unhandled
    data = await startDataServices({
      dir,
      config: rawConfig,
      addr,
      password: secrets.dbPassword,
      redisPassword: secrets.redisPassword,
      statsPassword: secrets.pgbouncerStatsPassword,
      backup: loopbackBackupOptions(rawConfig, config, secrets.backupCipherPass),
      ...(opts.postgresSettings ? { postgresSettings: opts.postgresSettings } : {}),
    });
    let release = await releaseBuild;
    await runMigrations(release, join(dir, 'migrate'), resolveEnv(migrateEnv(ctx), secrets));
    const backups = loopbackBackups(data, () => migrateNow(data!.directDatabaseUrl));
    // The repository's figures from the start (no backup yet: no age, size 0).
    await backups.refreshMetrics();

    const makeAnyReplica = replicaMaker({ dir, env: resolveEnv(appEnv(ctx), secrets), extraEnv: opts.appEnv, release: () => release });
    const makeReplica: typeof makeAnyReplica = (o) => {
      const r = makeAnyReplica(o);
      replicaSet.add(r.server);
      return r;
    };
    const live: Replica[] = appInstanceNames(replicas).map((name, i) => makeReplica({
      name, generation: 0, httpPort: addr.port('app', 'http', i), metricsPort: addr.port('app', 'metrics', i),
    }));
    // nginx's upstreams and Prometheus' targets are rendered from the replicas in service now.
    const liveAddr = liveAddressing(addr, () => live);
    const replicaServers = live.map((r) => r.server);
    // On the stop list before they start: a failed start must not leak the ones that did.
    started.push(...replicaServers);
    await Promise.all(replicaServers.map((r) => r.start()));

    const nginxDir = join(dir, 'nginx');
    mkdirSync(nginxDir, { recursive: true });
    // Held for a moment before each rollout reload (nginx 1.22 would reset requests crossing the
    // close of idle keep-alive connections: render/nginx-drain.ts).
    const drainFlag = join(nginxDir, 'drain');
    const certsDir = join(dir, 'certs');
    const writeNginxConf = (upstreams: readonly string[]) => writeConfig(nginxDir, 'nginx.conf', loopbackNginxConf(ctx, {
      dir: nginxDir, upstreams, drainFlagFile: drainFlag, ...(opts.tls ? { tls: httpsFrontDoor(addr, certsDir) } : {}),
    }));
    // nginx starts with the temporary certificate; the manager replaces it once Pebble has validated.
    if (opts.tls) await ensureBootstrap(certLayout(certsDir), LOOPBACK_CERT_NAME);
    const nginxConf = writeNginxConf(appUpstreams(replicas, liveAddr));
    const nginx = nginxServer({ dir: nginxDir, port: addr.port('nginx', 'http'), confFile: nginxConf });
    started.push(nginx);
    await nginx.start();
    const https = opts.tls
      ? await startHttps({ dir, certsDir, addr, certManager: release.command('certs/main'), nginxPidFile: dirNginxPaths(nginxDir).pidFile, drainFlag, drainMs: DRAIN_BEFORE_RELOAD_MS, started, ...opts.tls })
      : undefined;

    const obs: Observability | undefined = observability
      ? await startObservability({ dir, ctx: { ...ctx, addr: liveAddr }, data, secrets, opts, started, ...(https ? { tls: { caFile: https.caFile, serverName: LOOPBACK_CERT_NAME } } : {}) })
      : undefined;

    let generation = 0;
    let rolling: Promise<RolloutStep[]> | undefined;
    const runRollout = (log?: (line: string) => void) => rollout<Replica>({
      current: () => live,
      startReplacement: async (_slot, old) => {
        // Beside the old one on the stop list (before nginx), even if the rollout fails halfway.
        const next = startReplacement(makeReplica, old, generation, (server) => {
          started.splice(Math.max(0, started.indexOf(old.server)), 0, server);
        });
        return next;
      },
      setUpstreams: async (upstreams) => {
        const pid = nginx.pid;
        if (pid === undefined) throw new Error('rollout: nginx is not running');
        await reloadNginx({ pid, prefix: nginxDir, confFile: writeNginxConf(upstreams), drain: { flagFile: drainFlag, ms: DRAIN_BEFORE_RELOAD_MS } });
      },
      replaced: async (slot, _old, next) => {
        live[slot] = next;
        replicaServers[slot] = next.server;
        obs?.rescrape();
      },
      log,
    });
    const absent = (name: ServiceName): ManagedServer => ({
      name, port: 0, isRunning: () => false,
      start: () => Promise.reject(new Error(`${name} is off in this stack (observability: false)`)),
      stop: () => Promise.resolve(), kill: () => Promise.resolve(),
    });
    return {
      backups,
      url: frontUrl,
      adminKey: secrets.adminApiKey,
      prometheusUrl: `http://127.0.0.1:${addr.port('prometheus', 'http')}`,
      alertmanagerUrl: `http://127.0.0.1:${addr.port('alertmanager', 'http')}`,
      replicas: replicaServers,
      rollout: async (o = {}) => {
        if (rolling) throw new Error('a rollout is already running');
        generation += 1;
        // The app as it is on disk now: a rollout after an edit starts the edited code.
        rolling = appBuild().then((next) => {
          release = next;
          o.log?.(`rollout: app build ${next.id}`);
          return runRollout(o.log);
        });
        try {
          return await rolling;
        } finally {
          rolling = undefined;
        }
      },
      services: {
        nginx, postgres: data.postgres, pgbouncer: data.pgbouncer, redis: data.redis,
        prometheus: obs?.prometheus ?? absent('prometheus'), alertmanager: obs?.alertmanager ?? absent('alertmanager'),
      },
      exporters: obs?.exporters ?? [],
      directDatabaseUrl: data.directDatabaseUrl,
      get postgresPid() { return data?.postgres.pid; },
      redisUrl: data.redisUrl,
      dir,
      config: ctx.config,
      ...(https ? { tls: https } : {}),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

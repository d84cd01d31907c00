// One exporter per watched component that does not speak Prometheus itself.
import { DEFAULT_POSTGRES_DISK } from '../../../alerts/capacity.js';
import { renderPostgresQueries } from '../../../monitoring/postgres-queries.js';
import { BACKUP_METRICS_DIR } from './backup.js';
import { renderBlackboxConfig, type BlackboxTls } from '../../render/blackbox.js';
import { hostPort } from '../addressing.js';
import { DEFAULT_STOP_GRACE_S, configPath, secretPath, wgetCheck, type BuildContext } from '../context.js';
import { IMAGE_BINARIES } from '../health-binaries.js';
import { DATABASE, PGBOUNCER_STATS_USER, PORTS, type ComponentName } from '../names.js';
import { managedData } from '../platform.js';
import { secretText, type Component, type ConfigFile } from '../types.js';

/** A field of a libpq password file (host:port:db:user:password): `:` and `\` escaped. */
const pgpassField = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');

function exporter(ctx: BuildContext, name: ComponentName & keyof BuildContext['config']['images'],
  watches: ComponentName, command: string[], env: Record<string, string> = {}, files: ConfigFile[] = []): Component {
  return {
    name,
    image: { kind: 'pinned', ref: ctx.config.images[name] },
    ports: { ...(PORTS[name] as Record<string, number>) },
    replicas: 1,
    oneShot: false,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    command,
    env,
    files,
    // Where the image carries wget (busybox-based ones): its own landing page answers. The
    // scratch images (nginx and redis exporters) hold the exporter alone: Prometheus' `up`
    // is their only watch.
    ...(IMAGE_BINARIES[name].binaries.includes('wget') ? { health: wgetCheck(`http://127.0.0.1:${(PORTS[name] as Record<string, number>).metrics}/`) } : {}),
    dependsOn: [{ component: watches, condition: 'started' }],
    volumes: [],
    tmpfs: [],
    hostMounts: [],
    networks: ['backend'],
    resources: ctx.config.resources[name],
    user: '65534:65534',
    readOnlyRootFs: true,
    publish: [],
  };
}

type ExporterName = 'nginx-exporter' | 'postgres-exporter' | 'pgbouncer-exporter' | 'redis-exporter' | 'blackbox-exporter' | 'node-exporter';

/** Where node-exporter sees PostgreSQL's volume: the statfs of this mount is the disk's (the alerts' default). */
export const POSTGRES_VOLUME_MOUNT = DEFAULT_POSTGRES_DISK.mountpoint;
const listen = (c: ExporterName) => `--web.listen-address=:${PORTS[c].metrics}`;

// Every secret from a file (mode 0400, the exporter's own): none in the environment, which
// `docker inspect` shows, nor on the command line, which every process in the container reads.

/** blackbox.yml's input: HTTPS has the certificate checked for the domain (nginx is reached by its container name). */
export function blackboxTlsInput(ctx: BuildContext): BlackboxTls | undefined {
  const tls = ctx.config.tls;
  return tls ? { serverName: tls.domain } : undefined;
}

/** The edge SLI's prober (monitoring/edge.ts): Prometheus asks it to probe the front door. */
function blackboxExporter(ctx: BuildContext): Component {
  const blackboxConf = configPath('blackbox.yml');
  // The prober opens the connections to the front door that Prometheus names as its target.
  ctx.addr.endpoint('nginx', ctx.config.tls ? 'https' : 'http');
  return exporter(ctx, 'blackbox-exporter', 'nginx', [`--config.file=${blackboxConf}`, listen('blackbox-exporter')],
    {}, [{ path: blackboxConf, content: renderBlackboxConfig(blackboxTlsInput(ctx)) }]);
}

function nginxExporter(ctx: BuildContext): Component {
  const nginxStatus = hostPort(ctx.addr.endpoint('nginx', 'status'));
  return exporter(ctx, 'nginx-exporter', 'nginx', [`--nginx.scrape-uri=http://${nginxStatus}/stub_status`, listen('nginx-exporter')]);
}

/**
 * postgres_exporter builds postgresql://USER:<DATA_SOURCE_PASS_FILE>@DATA_SOURCE_URI: the app's
 * role (what it reads is readable by any role), its password from a file, on every placement.
 */
export function postgresExporterEnv(o: { postgres: string; sslmode: string; passwordFile: string }): Record<string, string> {
  return {
    DATA_SOURCE_URI: `${o.postgres}/${DATABASE.name}?sslmode=${o.sslmode}`,
    DATA_SOURCE_USER: DATABASE.user,
    DATA_SOURCE_PASS_FILE: o.passwordFile,
  };
}

function postgresExporter(ctx: BuildContext): Component {
  const postgres = hostPort(ctx.addr.endpoint('postgres', 'postgres'));
  const dbPassword = secretPath('db-password');
  // lib/pq's `require` encrypts without verifying, as a managed PostgreSQL (RDS) needs.
  const sslmode = managedData(ctx.platform) ? 'require' : 'disable';
  // WAL archiving's figures (pg_stat_archiver, the archive lag) where pgBackRest archives (not
  // RDS): the same extra queries as the loopback's, so the backup alerts read the same names.
  const queries = managedData(ctx.platform) ? undefined : configPath('postgres-queries.yaml');
  return exporter(ctx, 'postgres-exporter', 'postgres', [listen('postgres-exporter'), ...(queries ? [`--extend.query-path=${queries}`] : [])],
    postgresExporterEnv({ postgres, sslmode, passwordFile: dbPassword }), [
    { path: dbPassword, content: secretText(['dbPassword'], (s) => s.dbPassword) },
    ...(queries ? [{ path: queries, content: renderPostgresQueries() }] : []),
  ]);
}

/**
 * pgbouncer_exporter has no password-file option of its own (flags and environment in
 * pgbouncer_exporter.go: only the connection string). Its driver, lib/pq, reads a libpq
 * password file named by PGPASSFILE when the connection string has no password, and only
 * if the file has no group or other permissions: the 0400 secret file is exactly that.
 */
function pgbouncerExporter(ctx: BuildContext): Component {
  const pgbouncerEndpoint = ctx.addr.endpoint('pgbouncer', 'postgres');
  const pgpass = secretPath('pgpass');
  return exporter(ctx, 'pgbouncer-exporter', 'pgbouncer', [listen('pgbouncer-exporter')], {
    PGBOUNCER_EXPORTER_CONNECTION_STRING: `postgres://${PGBOUNCER_STATS_USER}@${hostPort(pgbouncerEndpoint)}/pgbouncer?sslmode=disable`,
    PGPASSFILE: pgpass,
  }, [{
    path: pgpass,
    content: secretText(['pgbouncerStatsPassword'], (s) => `${[
      pgbouncerEndpoint.host, String(pgbouncerEndpoint.port), 'pgbouncer', PGBOUNCER_STATS_USER, s.pgbouncerStatsPassword,
    ].map(pgpassField).join(':')}\n`),
  }]);
}

/** redis_exporter's REDIS_PASSWORD_FILE: a JSON map from the scraped address to its password. */
export const renderRedisPasswords = (redisAddr: string, password: string): string => JSON.stringify({ [redisAddr]: password });

function redisExporter(ctx: BuildContext): Component {
  const redisAddr = `${managedData(ctx.platform) ? 'rediss' : 'redis'}://${hostPort(ctx.addr.endpoint('redis', 'redis'))}`;
  const redisPasswords = secretPath('redis-passwords.json');
  return exporter(ctx, 'redis-exporter', 'redis', [], {
    REDIS_ADDR: redisAddr,
    REDIS_PASSWORD_FILE: redisPasswords,
    REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `:${PORTS['redis-exporter'].metrics}`,
  }, [{ path: redisPasswords, content: secretText(['redisPassword'], (s) => renderRedisPasswords(redisAddr, s.redisPassword)) }]);
}

/** node-exporter's collectors, for every placement: the file systems' statfs and the backup figures, nothing else. */
export function nodeExporterArgs(textfileDir: string, listenAddress: string): string[] {
  return ['--collector.disable-defaults', '--collector.filesystem',
    '--collector.textfile', `--collector.textfile.directory=${textfileDir}`, `--web.listen-address=${listenAddress}`];
}

/**
 * PostgreSQL's disk, measured: node-exporter's filesystem collector, with PostgreSQL's volume
 * mounted read-only (it reads the mount's statfs, never the files: the data folder is 0700
 * PostgreSQL's). The disk's size and free bytes are what the volume alerts compare. Its textfile
 * collector serves the backup figures the backup container writes (the backup alerts' age).
 */
function nodeExporter(ctx: BuildContext): Component {
  const c = exporter(ctx, 'node-exporter', 'postgres', nodeExporterArgs(BACKUP_METRICS_DIR, `:${PORTS['node-exporter'].metrics}`));
  return {
    ...c,
    dependsOn: [...c.dependsOn, { component: 'postgres-backup', condition: 'started' }],
    volumes: [
      { name: 'postgres-data', mountPath: POSTGRES_VOLUME_MOUNT, owner: 'postgres', readOnly: true },
      { name: 'backup-metrics', mountPath: BACKUP_METRICS_DIR, owner: 'postgres-backup', readOnly: true },
    ],
  };
}

/** One builder per exporter, each asking only for the addresses its exporter connects to. */
export const EXPORTERS: ReadonlyArray<(ctx: BuildContext) => Component> = [
  blackboxExporter, nginxExporter, postgresExporter, pgbouncerExporter, redisExporter, nodeExporter,
];

// One exporter per watched component that does not speak Prometheus itself.
import { renderBlackboxConfig } from '../../render/blackbox.js';
import { hostPort } from '../addressing.js';
import { configPath, secretPath, type BuildContext } from '../context.js';
import { DATABASE, PGBOUNCER_STATS_USER, PORTS, type ComponentName } from '../names.js';
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
    command,
    env,
    files,
    // No container health check: the images are minimal, and Prometheus' `up` watches them.
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

export function exporters(ctx: BuildContext): Component[] {
  const { addr } = ctx;
  const nginxStatus = hostPort(addr.endpoint('nginx', 'status'));
  const postgres = hostPort(addr.endpoint('postgres', 'postgres'));
  const pgbouncerEndpoint = addr.endpoint('pgbouncer', 'postgres');
  const pgbouncer = hostPort(pgbouncerEndpoint);
  const redis = hostPort(addr.endpoint('redis', 'redis'));
  const listen = (c: 'nginx-exporter' | 'postgres-exporter' | 'pgbouncer-exporter' | 'redis-exporter' | 'blackbox-exporter') =>
    `--web.listen-address=:${PORTS[c].metrics}`;
  const dbPassword = secretPath('db-password');
  const pgpass = secretPath('pgpass');
  const redisPasswords = secretPath('redis-passwords.json');
  const redisAddr = `redis://${redis}`;
  // Every secret from a file (mode 0400, the exporter's own): none in the environment, which
  // `docker inspect` shows, nor on the command line, which every process in the container reads.
  const blackboxConf = configPath('blackbox.yml');
  return [
    // The edge SLI's prober (monitoring/edge.ts): Prometheus asks it to probe the front door.
    exporter(ctx, 'blackbox-exporter', 'nginx', [`--config.file=${blackboxConf}`, listen('blackbox-exporter')],
      {}, [{ path: blackboxConf, content: renderBlackboxConfig() }]),
    exporter(ctx, 'nginx-exporter', 'nginx', [`--nginx.scrape-uri=http://${nginxStatus}/stub_status`, listen('nginx-exporter')]),
    // postgres_exporter builds postgresql://USER:<DATA_SOURCE_PASS_FILE>@DATA_SOURCE_URI.
    exporter(ctx, 'postgres-exporter', 'postgres', [listen('postgres-exporter')], {
      DATA_SOURCE_URI: `${postgres}/${DATABASE.name}?sslmode=disable`,
      DATA_SOURCE_USER: DATABASE.user,
      DATA_SOURCE_PASS_FILE: dbPassword,
    }, [{ path: dbPassword, content: secretText(['dbPassword'], (s) => s.dbPassword) }]),
    // pgbouncer_exporter has no password-file option of its own (flags and environment in
    // pgbouncer_exporter.go: only the connection string). Its driver, lib/pq, reads a libpq
    // password file named by PGPASSFILE when the connection string has no password, and only
    // if the file has no group or other permissions: the 0400 secret file is exactly that.
    exporter(ctx, 'pgbouncer-exporter', 'pgbouncer', [listen('pgbouncer-exporter')], {
      PGBOUNCER_EXPORTER_CONNECTION_STRING: `postgres://${PGBOUNCER_STATS_USER}@${pgbouncer}/pgbouncer?sslmode=disable`,
      PGPASSFILE: pgpass,
    }, [{
      path: pgpass,
      content: secretText(['pgbouncerStatsPassword'], (s) => `${[
        pgbouncerEndpoint.host, String(pgbouncerEndpoint.port), 'pgbouncer', PGBOUNCER_STATS_USER, s.pgbouncerStatsPassword,
      ].map(pgpassField).join(':')}\n`),
    }]),
    // redis_exporter's REDIS_PASSWORD_FILE is a JSON map from the scraped address to its password.
    exporter(ctx, 'redis-exporter', 'redis', [], {
      REDIS_ADDR: redisAddr,
      REDIS_PASSWORD_FILE: redisPasswords,
      REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `:${PORTS['redis-exporter'].metrics}`,
    }, [{ path: redisPasswords, content: secretText(['redisPassword'], (s) => JSON.stringify({ [redisAddr]: s.redisPassword })) }]),
  ];
}

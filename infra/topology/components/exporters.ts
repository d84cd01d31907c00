// One exporter per watched component that does not speak Prometheus itself.
import { hostPort } from '../addressing.js';
import type { BuildContext } from '../context.js';
import { DATABASE, PGBOUNCER_STATS_USER, PORTS, type ComponentName } from '../names.js';
import { secretText, type Component, type Text } from '../types.js';

function exporter(ctx: BuildContext, name: ComponentName & keyof BuildContext['config']['images'],
  watches: ComponentName, command: Text[], env: Record<string, Text> = {}): Component {
  return {
    name,
    image: { kind: 'pinned', ref: ctx.config.images[name] },
    ports: { ...(PORTS[name] as Record<string, number>) },
    replicas: 1,
    oneShot: false,
    command,
    env,
    files: [],
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
  const pgbouncer = hostPort(addr.endpoint('pgbouncer', 'postgres'));
  const redis = hostPort(addr.endpoint('redis', 'redis'));
  const listen = (c: 'nginx-exporter' | 'postgres-exporter' | 'pgbouncer-exporter' | 'redis-exporter') =>
    `--web.listen-address=:${PORTS[c].metrics}`;
  return [
    exporter(ctx, 'nginx-exporter', 'nginx', [`--nginx.scrape-uri=http://${nginxStatus}/stub_status`, listen('nginx-exporter')]),
    exporter(ctx, 'postgres-exporter', 'postgres', [listen('postgres-exporter')], {
      DATA_SOURCE_NAME: secretText(['dbPassword'], (s) =>
        `postgresql://${DATABASE.user}:${encodeURIComponent(s.dbPassword)}@${postgres}/${DATABASE.name}?sslmode=disable`),
    }),
    // The connection string (with its password) from the environment, as for postgres-exporter,
    // not the command line, which every process in the container can read.
    exporter(ctx, 'pgbouncer-exporter', 'pgbouncer', [listen('pgbouncer-exporter')], {
      PGBOUNCER_EXPORTER_CONNECTION_STRING: secretText(['pgbouncerStatsPassword'], (s) =>
        `postgres://${PGBOUNCER_STATS_USER}:${encodeURIComponent(s.pgbouncerStatsPassword)}@${pgbouncer}/pgbouncer?sslmode=disable`),
    }),
    exporter(ctx, 'redis-exporter', 'redis', [], {
      REDIS_ADDR: `redis://${redis}`,
      REDIS_PASSWORD: secretText(['redisPassword'], (s) => s.redisPassword),
      REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `:${PORTS['redis-exporter'].metrics}`,
    }),
  ];
}

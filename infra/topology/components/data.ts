// The data tier: PostgreSQL (the truth), PgBouncer in front of it, Redis (cache and bus).
import { renderPgbouncerIni, renderPgbouncerUserlist } from '../../render/pgbouncer.js';
import { renderRedisConf } from '../../render/redis.js';
import { check, configPath, type BuildContext } from '../context.js';
import { DATABASE, PGBOUNCER_STATS_USER, PORTS } from '../names.js';
import { secretText, type Component } from '../types.js';

export function pgbouncer(ctx: BuildContext): Component {
  const { config, addr } = ctx;
  const postgres = addr.endpoint('postgres', 'postgres');
  const ini = configPath('pgbouncer.ini');
  const userlist = configPath('userlist.txt');
  return {
    name: 'pgbouncer',
    image: { kind: 'pinned', ref: config.images.pgbouncer },
    ports: { ...PORTS.pgbouncer },
    replicas: 1,
    oneShot: false,
    // The image's entrypoint writes a config from env vars into /etc/pgbouncer; ours is rendered.
    entrypoint: ['/usr/bin/pgbouncer'],
    command: [ini],
    env: {},
    files: [
      {
        path: ini,
        content: renderPgbouncerIni({
          listen: { host: '0.0.0.0', port: PORTS.pgbouncer.postgres },
          database: { name: DATABASE.name, host: postgres.host, port: postgres.port },
          authFile: userlist,
          poolSize: config.pools.pgbouncerPoolSize,
          maxClientConnections: config.pools.pgbouncerMaxClientConn,
          statsUsers: [PGBOUNCER_STATS_USER],
        }),
      },
      {
        path: userlist,
        content: secretText(['dbPassword', 'pgbouncerStatsPassword'], (s) => renderPgbouncerUserlist([
          { name: DATABASE.user, password: s.dbPassword },
          { name: PGBOUNCER_STATS_USER, password: s.pgbouncerStatsPassword },
        ])),
      },
    ],
    health: check(['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', String(PORTS.pgbouncer.postgres)]),
    dependsOn: [{ component: 'postgres', condition: 'healthy' }],
    volumes: [],
    tmpfs: ['/tmp'],
    hostMounts: [],
    networks: ['backend'],
    resources: config.resources.pgbouncer,
    user: '70:70',
    readOnlyRootFs: true,
    publish: [],
  };
}

export function postgres(ctx: BuildContext): Component {
  const { config } = ctx;
  const passwordFile = configPath('db-password');
  return {
    name: 'postgres',
    image: { kind: 'pinned', ref: config.images.postgres },
    ports: { ...PORTS.postgres },
    replicas: 1,
    oneShot: false,
    command: ['postgres', '-c', `port=${PORTS.postgres.postgres}`, '-c', 'max_connections=200'],
    env: {
      POSTGRES_USER: DATABASE.user,
      POSTGRES_DB: DATABASE.name,
      // From a file, so the password is not in the container's environment (docker inspect).
      POSTGRES_PASSWORD_FILE: passwordFile,
      // A folder below the volume's root, so initdb never meets the volume's own files.
      PGDATA: '/var/lib/postgresql/data/pgdata',
    },
    files: [{ path: passwordFile, content: secretText(['dbPassword'], (s) => s.dbPassword) }],
    health: check(['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', DATABASE.user, '-d', DATABASE.name], 30),
    dependsOn: [],
    volumes: [{ name: 'postgres-data', mountPath: '/var/lib/postgresql/data' }],
    tmpfs: ['/var/run/postgresql', '/tmp'],
    hostMounts: [],
    networks: ['backend'],
    resources: config.resources.postgres,
    user: '70:70',
    readOnlyRootFs: true,
    publish: [],
  };
}

export function redis(ctx: BuildContext): Component {
  const { config } = ctx;
  const conf = configPath('redis.conf');
  return {
    name: 'redis',
    image: { kind: 'pinned', ref: config.images.redis },
    ports: { ...PORTS.redis },
    replicas: 1,
    oneShot: false,
    command: ['redis-server', conf],
    // redis-cli reads the password from here, so the health check carries no secret on its command line.
    env: { REDISCLI_AUTH: secretText(['redisPassword'], (s) => s.redisPassword) },
    files: [{
      path: conf,
      content: secretText(['redisPassword'], (s) => renderRedisConf({
        bind: '0.0.0.0', port: PORTS.redis.redis, password: s.redisPassword, maxMemoryMb: config.cache.redisMaxMemoryMb,
      })),
    }],
    health: check(['CMD', 'redis-cli', 'ping']),
    dependsOn: [],
    // No volume: a cache and a bus; PostgreSQL holds everything that must survive.
    volumes: [],
    tmpfs: ['/tmp'],
    hostMounts: [],
    networks: ['backend'],
    resources: config.resources.redis,
    user: '999:1000',
    readOnlyRootFs: true,
    publish: [],
  };
}

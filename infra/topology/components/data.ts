// The data tier: PostgreSQL (the truth), PgBouncer in front of it, Redis (cache and bus).
import { renderPgbouncerIni, renderPgbouncerUserlist } from '../../render/pgbouncer.js';
import { renderRedisAuthConf, renderRedisConf } from '../../render/redis.js';
import { check, configPath, secretPath, type BuildContext } from '../context.js';
import { DATABASE, PGBOUNCER_STATS_USER, PORTS } from '../names.js';
import { secretText, type Component } from '../types.js';

export function pgbouncer(ctx: BuildContext): Component {
  const { config, addr } = ctx;
  const postgres = addr.endpoint('postgres', 'postgres');
  const ini = configPath('pgbouncer.ini');
  const userlist = secretPath('userlist.txt');
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
  const passwordFile = secretPath('db-password');
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
  const auth = secretPath('redis-auth.conf');
  const password = secretPath('redis-password');
  return {
    name: 'redis',
    image: { kind: 'pinned', ref: config.images.redis },
    ports: { ...PORTS.redis },
    replicas: 1,
    oneShot: false,
    command: ['redis-server', conf],
    env: {},
    files: [
      {
        // No secret here: the password comes from the included file.
        path: conf,
        content: renderRedisConf({
          bind: '0.0.0.0', port: PORTS.redis.redis, includes: [auth], maxMemoryMb: config.cache.redisMaxMemoryMb,
        }),
      },
      { path: auth, content: secretText(['redisPassword'], (s) => renderRedisAuthConf(s.redisPassword)) },
      // For the health check's redis-cli (REDISCLI_AUTH), read from the file at each probe.
      { path: password, content: secretText(['redisPassword'], (s) => s.redisPassword) },
    ],
    // The shell reads the file into redis-cli's environment: the password is on no command line
    // and in no container environment (docker inspect), only in the probe's own process.
    health: check(['CMD-SHELL', `REDISCLI_AUTH="$(cat ${password})" redis-cli ping | grep -qx PONG`]),
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

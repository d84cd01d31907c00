// The data tier: PostgreSQL (the truth), PgBouncer in front of it, Redis (cache and bus).
import { renderPgbouncerIni, renderPgbouncerUserlist, type PgbouncerConfig, type PgbouncerUser } from '../../render/pgbouncer.js';
import { renderRedisAuthConf, renderRedisConf, type RedisConfigInput } from '../../render/redis.js';
import { DEFAULT_STOP_GRACE_S, check, configPath, secretPath, type BuildContext } from '../context.js';
import { DATABASE, PGBOUNCER_STATS_USER, PORTS } from '../names.js';
import { managedData } from '../platform.js';
import { secretText, type Component, type Secrets } from '../types.js';
import { backupRepoVolume, pgbackrestFiles, postgresArchiveArgs, postgresImage } from './backup.js';
import { PGDATA, POSTGRES_DATA_MOUNT, POSTGRES_SOCKET_DIR, postgresSocketVolume } from './postgres-layout.js';

/**
 * pgbouncer.ini's input for this stack: its pool sizes, where PostgreSQL is. Every placement
 * renders from it; the loopback overrides only addresses and paths (loopback/configs.ts).
 */
export function pgbouncerIniInput(ctx: BuildContext): PgbouncerConfig {
  const { config, addr } = ctx;
  const postgres = addr.endpoint('postgres', 'postgres');
  return {
    listen: { host: '0.0.0.0', port: PORTS.pgbouncer.postgres },
    database: { name: DATABASE.name, host: postgres.host, port: postgres.port },
    authFile: secretPath('userlist.txt'),
    poolSize: config.pools.pgbouncerPoolSize,
    maxClientConnections: config.pools.pgbouncerMaxClientConn,
    statsUsers: [PGBOUNCER_STATS_USER],
    ...(managedData(ctx.platform) ? { serverTlsMode: 'require' as const } : {}),
  };
}

/** userlist.txt's users: the app's role and the exporter's read-only console user. */
export const pgbouncerUsers = (s: Pick<Secrets, 'dbPassword' | 'pgbouncerStatsPassword'>): PgbouncerUser[] => [
  { name: DATABASE.user, password: s.dbPassword },
  { name: PGBOUNCER_STATS_USER, password: s.pgbouncerStatsPassword },
];

export function pgbouncer(ctx: BuildContext): Component {
  const { config } = ctx;
  const ini = configPath('pgbouncer.ini');
  const input = pgbouncerIniInput(ctx);
  const userlist = input.authFile;
  return {
    name: 'pgbouncer',
    image: { kind: 'pinned', ref: config.images.pgbouncer },
    ports: { ...PORTS.pgbouncer },
    replicas: 1,
    oneShot: false,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    // The image's entrypoint writes a config from env vars into /etc/pgbouncer; ours is rendered.
    entrypoint: ['/usr/bin/pgbouncer'],
    command: [ini],
    env: {},
    files: [
      {
        path: ini,
        content: renderPgbouncerIni(input),
      },
      { path: userlist, content: secretText(['dbPassword', 'pgbouncerStatsPassword'], (s) => renderPgbouncerUserlist(pgbouncerUsers(s))) },
    ],
    // With the database and user named: without -d, pg_isready asks for a database named after
    // the OS user, and PgBouncer logs a warning about it at every probe.
    health: check(['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', String(PORTS.pgbouncer.postgres), '-U', DATABASE.user, '-d', DATABASE.name]),
    // The userlist holds the password set-db-password has just given the role.
    dependsOn: [{ component: 'postgres', condition: 'healthy' }, { component: 'set-db-password', condition: 'completed' }],
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
    // The pinned image with pgBackRest added (components/backup.ts).
    image: postgresImage(ctx),
    ports: { ...PORTS.postgres },
    replicas: 1,
    oneShot: false,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    command: ['postgres', '-c', `port=${PORTS.postgres.postgres}`, '-c', `max_connections=${config.postgres.maxConnections}`,
      '-c', `shared_buffers=${config.postgres.sharedBuffersMb}MB`,
      // Every finished WAL segment to the backup repository (the restore's replay).
      ...postgresArchiveArgs(ctx)],
    env: {
      POSTGRES_USER: DATABASE.user,
      POSTGRES_DB: DATABASE.name,
      // From a file, so the password is not in the container's environment (docker inspect).
      POSTGRES_PASSWORD_FILE: passwordFile,
      PGDATA,
    },
    files: [{ path: passwordFile, content: secretText(['dbPassword'], (s) => s.dbPassword) }, ...pgbackrestFiles(ctx)],
    health: check(['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', DATABASE.user, '-d', DATABASE.name], 30),
    dependsOn: [],
    volumes: [{ name: 'postgres-data', mountPath: POSTGRES_DATA_MOUNT }, postgresSocketVolume, backupRepoVolume],
    tmpfs: ['/tmp'],
    hostMounts: [],
    networks: ['backend'],
    resources: config.resources.postgres,
    user: '70:70',
    readOnlyRootFs: true,
    publish: [],
  };
}

/** Where redis.conf's `include` finds the password (renderRedisAuthConf), a secret file of its own. */
export const REDIS_AUTH_CONF = secretPath('redis-auth.conf');

/**
 * redis.conf's input for this stack: its memory bound, and the password from the included
 * file, so the main config holds no secret. The loopback overrides only addresses and paths.
 */
export function redisConfInput(ctx: Pick<BuildContext, 'config'>): RedisConfigInput {
  return { bind: '0.0.0.0', port: PORTS.redis.redis, includes: [REDIS_AUTH_CONF], maxMemoryMb: ctx.config.cache.redisMaxMemoryMb };
}

export function redis(ctx: BuildContext): Component {
  const { config } = ctx;
  const conf = configPath('redis.conf');
  const auth = REDIS_AUTH_CONF;
  const password = secretPath('redis-password');
  return {
    name: 'redis',
    image: { kind: 'pinned', ref: config.images.redis },
    ports: { ...PORTS.redis },
    replicas: 1,
    oneShot: false,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    command: ['redis-server', conf],
    env: {},
    files: [
      {
        // No secret here: the password comes from the included file.
        path: conf,
        content: renderRedisConf(redisConfInput(ctx)),
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

/**
 * The image reads POSTGRES_PASSWORD_FILE only when it initialises an empty data folder: a new
 * dbPassword would reach PgBouncer, the app and the exporter but not the role, and every login
 * would fail. This one-shot sets the role's password from the current secret after PostgreSQL
 * is up, on the first deploy (the same password) and whenever the secret changes (its files
 * change, so it is replaced and runs again); PgBouncer, the migration and the exporter start
 * only after it exited 0. It connects through PostgreSQL's unix socket (a volume shared with
 * PostgreSQL alone), where the image's pg_hba.conf trusts local connections (initdb's default;
 * docker-entrypoint.sh adds a password rule for TCP only), so it needs no old password. psql
 * reads the new one from the 0400 file: it is on no command line and in no environment.
 */
export function setDbPassword(ctx: BuildContext): Component {
  const { config } = ctx;
  const sql = configPath('set-db-password.sql');
  const passwordFile = secretPath('db-password');
  return {
    name: 'set-db-password',
    image: { kind: 'pinned', ref: config.images.postgres },
    ports: {},
    replicas: 1,
    oneShot: true,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    command: ['psql', '-h', POSTGRES_SOCKET_DIR, '-U', DATABASE.user, '-d', DATABASE.name, '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '-f', sql],
    env: {},
    files: [
      {
        path: sql,
        content: [
          `\\set password \`cat ${passwordFile}\``,
          `ALTER ROLE "${DATABASE.user}" WITH PASSWORD :'password';`,
          '',
        ].join('\n'),
      },
      { path: passwordFile, content: secretText(['dbPassword'], (s) => s.dbPassword) },
    ],
    dependsOn: [{ component: 'postgres', condition: 'healthy' }],
    volumes: [{ ...postgresSocketVolume, owner: 'postgres' }],
    tmpfs: ['/tmp'],
    hostMounts: [],
    networks: ['backend'],
    resources: config.resources['set-db-password'],
    user: '70:70',
    readOnlyRootFs: true,
    publish: [],
  };
}

// Rules across keys of the stack config, run after the schema (config-schema.ts) on the config
// it filled in: each takes the config (and the raw keys, where being set matters) and names
// the keys it refuses, with why and what to do.
import type { TSchema } from 'typebox';
import { appImageProblem } from './config-app-image.js';
import { awsProblems } from './config-aws.js';
import { backupS3Problems } from './config-backup-s3.js';
import type { Raw } from './config-check.js';
import type { PlacementName } from './config-schema-kit.js';
import { DEFAULT_RESOURCES } from './config-schema.js';
import { tlsProblems } from './config-tls.js';
import type { StackConfig } from './config.js';

type Problems = Record<string, string>;

/**
 * Redis's container holds more than `maxmemory`: allocator fragmentation, client buffers and
 * the pub/sub backlog come on top. The container gets a quarter more than the cache, and no less
 * than DEFAULT_RESOURCES.redis, unless the stack says otherwise (then it must leave that room).
 */
export const REDIS_HEADROOM = 1.25;
export const redisContainerMb = (maxMemoryMb: number): number => Math.ceil(maxMemoryMb * REDIS_HEADROOM);
/** The container Redis gets when the stack does not size it: enough for the cache. */
export const redisDefaultMb = (maxMemoryMb: number): number => Math.max(DEFAULT_RESOURCES.redis.memoryMb, redisContainerMb(maxMemoryMb));
/** PostgreSQL's docs: more than 40% of the memory for shared_buffers is unlikely to help. */
export const SHARED_BUFFERS_MAX_SHARE = 0.4;
/**
 * Connections made straight to PostgreSQL, besides PgBouncer's pool: the migration (its pool
 * and the advisory-lock session), postgres-exporter, the password one-shot, and the
 * superuser_reserved_connections PostgreSQL keeps (3).
 */
export const DIRECT_POSTGRES_CONNECTIONS = { migrate: 2, 'postgres-exporter': 1, 'set-db-password': 1, superuserReserved: 3 } as const;
const directConnections = Object.values(DIRECT_POSTGRES_CONNECTIONS).reduce((a, b) => a + b, 0);
/** Clients of PgBouncer besides the app's pools: pgbouncer-exporter and the health check. */
export const OTHER_PGBOUNCER_CLIENTS = 2;
/** PostgreSQL's processes besides one per connection: postmaster, checkpointer, writers, autovacuum, WAL. */
export const POSTGRES_AUX_PROCESSES = 64;

/** Keys that only mean something on one placement (marked `only` in the schema): set on another, refused, not ignored. */
export function placementOnlyProblems(schema: TSchema, raw: Raw, placement: PlacementName): Problems {
  const props = (schema as { properties: Record<string, { only?: PlacementName; why?: string }> }).properties;
  return Object.fromEntries(Object.entries(props)
    .filter(([k, s]) => raw[k] !== undefined && s.only !== undefined && s.only !== placement)
    .map(([k, s]) => [k, `is for the ${s.only} placement only, not ${placement}: ${s.why}`]));
}

const hostPorts = (c: StackConfig): Problems => {
  const ports = [c.publicPort, c.localPorts.grafana, c.localPorts.prometheus, c.localPorts.alertmanager, ...(c.tls ? [c.tls.publicHttpsPort] : [])];
  return new Set(ports).size === ports.length ? {} : { localPorts: `host ports must differ (got ${ports.join(', ')})` };
};

// A container too small for the cache is refused: the kernel would kill Redis before its LRU
// eviction starts. Unset, the container follows the cache (config.ts), so only a set one can be.
const redisFits = ({ cache, resources }: StackConfig): Problems => (resources.redis.memoryMb >= redisContainerMb(cache.redisMaxMemoryMb) ? {} : {
  'cache.redisMaxMemoryMb': `${cache.redisMaxMemoryMb} MB of cache does not fit Redis's ${resources.redis.memoryMb} MB container `
    + `(resources.redis.memoryMb): Redis needs ${Math.round((REDIS_HEADROOM - 1) * 100)}% above maxmemory for fragmentation and client buffers, `
    + `so the container needs at least ${redisContainerMb(cache.redisMaxMemoryMb)} MB. Raise resources.redis.memoryMb, lower the cache, `
    + 'or leave resources.redis.memoryMb unset: it then follows the cache',
});

const sharedBuffersFit = ({ postgres, resources }: StackConfig): Problems => {
  const max = Math.floor(resources.postgres.memoryMb * SHARED_BUFFERS_MAX_SHARE);
  return postgres.sharedBuffersMb <= max ? {} : {
    'postgres.sharedBuffersMb': `${postgres.sharedBuffersMb} MB of shared_buffers in a ${resources.postgres.memoryMb} MB container `
      + `(resources.postgres.memoryMb): keep it at most ${SHARED_BUFFERS_MAX_SHARE * 100}% (${max} MB), the rest is for connections, `
      + 'sorts and the page cache; raise the memory or lower shared_buffers',
  };
};

const poolWithinMaxConnections = ({ pools, postgres }: StackConfig): Problems => (pools.pgbouncerPoolSize + directConnections <= postgres.maxConnections ? {} : {
  'pools.pgbouncerPoolSize': `${pools.pgbouncerPoolSize} server connections plus ${directConnections} direct ones `
    + `(${Object.entries(DIRECT_POSTGRES_CONNECTIONS).map(([k, v]) => `${k} ${v}`).join(', ')}) exceed PostgreSQL's `
    + `max_connections ${postgres.maxConnections} (postgres.maxConnections): lower the pool to at most ${postgres.maxConnections - directConnections} or raise max_connections`,
});

const pidsCoverConnections = ({ postgres, resources }: StackConfig): Problems => (postgres.maxConnections + POSTGRES_AUX_PROCESSES <= resources.postgres.pids ? {} : {
  'postgres.maxConnections': `${postgres.maxConnections} connections are ${postgres.maxConnections} processes, plus about `
    + `${POSTGRES_AUX_PROCESSES} of PostgreSQL's own: more than resources.postgres.pids (${resources.postgres.pids}); raise the pids or lower max_connections`,
});

const clientConnCoversPools = ({ replicas, pools }: StackConfig): Problems => {
  const clients = replicas * pools.appDbPoolMax + OTHER_PGBOUNCER_CLIENTS;
  return clients <= pools.pgbouncerMaxClientConn ? {} : {
    'pools.pgbouncerMaxClientConn': `${replicas} replicas x ${pools.appDbPoolMax} connections (pools.appDbPoolMax) plus `
      + `${OTHER_PGBOUNCER_CLIENTS} other clients need ${clients} PgBouncer client connections, more than its max_client_conn `
      + `${pools.pgbouncerMaxClientConn}: raise pools.pgbouncerMaxClientConn or lower the app's pool`,
  };
};

const appImageFits = ({ appImage, placement, aws }: StackConfig): Problems => {
  const why = appImage === undefined ? undefined : appImageProblem(appImage, { placement, ...(aws ? { tier: aws.tier } : {}) });
  return why === undefined ? {} : { appImage: why };
};

/** Every rule across keys, in the order their problems are reported. */
export function crossKeyProblems(c: StackConfig, raw: Raw): Problems {
  const awsHttps = c.aws !== undefined && (c.aws.domain !== undefined || c.aws.certificateArn !== undefined);
  return {
    ...tlsProblems(raw, c.hstsMaxAgeS, awsHttps),
    ...hostPorts(c), ...redisFits(c), ...sharedBuffersFit(c), ...poolWithinMaxConnections(c), ...pidsCoverConnections(c),
    ...clientConnCoversPools(c), ...(c.aws ? awsProblems(c.aws, c.replicas) : {}), ...backupS3Problems(raw), ...appImageFits(c),
  };
}

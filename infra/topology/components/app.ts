// The service: N replicas behind nginx, and the one-shot migration that runs before them.
import { APP_DEFAULTS } from '../../../app/src/config-defaults.js';
import { hostPort } from '../addressing.js';
import { DEFAULT_STOP_GRACE_S, check, secretPath, type BuildContext } from '../context.js';
import { DATABASE, PORTS } from '../names.js';
import { RESOLVER_TIMEOUT_S, resolvedFailTimeoutS } from '../../render/nginx.js';
import { managedData, nginxSubnets, SERVICE_DNS_TTL_S } from '../platform.js';
import { secretText, type Component, type ConfigFile, type ImageRef, type SecretText, type Text } from '../types.js';

/** The app's own deadline for a graceful stop (finish requests, flush clicks, close pools). */
export const APP_SHUTDOWN_TIMEOUT_MS = APP_DEFAULTS.shutdownTimeoutMs;
/** Its stop grace (Docker's stop timeout, ECS's stopTimeout): the deadline plus room for the process to exit after it. */
export const APP_STOP_GRACE_S = APP_SHUTDOWN_TIMEOUT_MS / 1000 + 5;
/**
 * Where nginx finds the replicas by a DNS name (`resolve`), a stopping replica serves on this long
 * first (SHUTDOWN_DELAY_MS). A rollout starts the new replicas before it stops the old ones, but
 * nginx learns of them only at its next resolution (one second after its answer's validity ends)
 * and holds against each the refusals it met before it listened, for the fail timeout; a slow
 * answer of the resolver adds its timeout. Then nginx has somewhere to send what the old replica
 * refuses.
 */
export const DISCOVERY_DRAIN_S = Math.max(SERVICE_DNS_TTL_S + 1, resolvedFailTimeoutS(SERVICE_DNS_TTL_S)) + RESOLVER_TIMEOUT_S;
/** The serve-on time of a placement: only replicas found through a DNS name need it. */
const shutdownDelayS = (ctx: BuildContext) => (ctx.addr.service ? DISCOVERY_DRAIN_S : 0);

const pgUrl = (password: string, address: string) =>
  `postgres://${DATABASE.user}:${encodeURIComponent(password)}@${address}/${DATABASE.name}`;

/**
 * Built from app/Dockerfile, unless the stack names the image to run (`appImage`, written by
 * `npm run promote`): then that exact image is pulled like any pinned one, and nothing is built.
 */
export const appImage = (ctx: BuildContext): ImageRef => (ctx.config.appImage !== undefined
  ? { kind: 'pinned', ref: ctx.config.appImage }
  : { kind: 'build', name: ctx.config.appImageName, dockerfile: 'app/Dockerfile', context: '.' });

/** The app's secret settings: each is an environment variable X, or a file named by X_FILE. */
export function appSecrets(ctx: BuildContext): Record<'DATABASE_URL' | 'REDIS_URL' | 'ADMIN_API_KEYS', SecretText> {
  const { addr } = ctx;
  const pgbouncer = hostPort(addr.endpoint('pgbouncer', 'postgres'));
  const redis = hostPort(addr.endpoint('redis', 'redis'));
  return {
    // Through PgBouncer: N replicas x DB_POOL_MAX clients share PgBouncer's server pool.
    DATABASE_URL: secretText(['dbPassword'], (s) => pgUrl(s.dbPassword, pgbouncer)),
    // rediss: a managed Redis (ElastiCache) is reached over TLS only.
    REDIS_URL: secretText(['redisPassword'], (s) => `${managedData(ctx.platform) ? 'rediss' : 'redis'}://:${encodeURIComponent(s.redisPassword)}@${redis}`),
    ADMIN_API_KEYS: secretText(['adminApiKey'], (s) => s.adminApiKey),
  };
}

/** The migration's secret settings (straight to PostgreSQL: see migrate()). */
export function migrateSecrets(ctx: BuildContext): Record<'DATABASE_URL' | 'MIGRATE_DATABASE_URL', SecretText> {
  const postgres = hostPort(ctx.addr.endpoint('postgres', 'postgres'));
  // A managed PostgreSQL (RDS) refuses plain connections: encrypted, not verified (verifying
  // needs the provider's CA bundle in the image; see the README's AWS notes).
  const tls = managedData(ctx.platform) ? '?sslmode=no-verify' : '';
  const url = secretText(['dbPassword'], (s) => `${pgUrl(s.dbPassword, postgres)}${tls}`);
  return { DATABASE_URL: url, MIGRATE_DATABASE_URL: url };
}

/**
 * Secret settings as files: `X_FILE=<path>` in the environment, the value in a secret file
 * (app/src/config.ts reads X_FILE at start). A container's environment is readable through the
 * Docker API (`docker inspect`) and by every process of the container; a 0400 file is not.
 */
function asFiles(secrets: Record<string, SecretText>): { env: Record<string, string>; files: ConfigFile[] } {
  const env: Record<string, string> = {};
  const files: ConfigFile[] = [];
  for (const [name, content] of Object.entries(secrets)) {
    const path = secretPath(name.toLowerCase().replace(/_/g, '-'));
    env[`${name}_FILE`] = path;
    files.push({ path, content });
  }
  return { env, files };
}

/** The app's plain settings (names from the shared contract). */
function appPlainEnv(ctx: BuildContext): Record<string, string> {
  const { config } = ctx;
  return {
    NODE_ENV: 'production',
    HOST: '0.0.0.0',
    PORT: String(PORTS.app.http),
    METRICS_PORT: String(PORTS.app.metrics),
    DB_POOL_MAX: String(config.pools.appDbPoolMax),
    PUBLIC_BASE_URL: config.publicBaseUrl,
    // Only nginx's X-Forwarded-For is believed: the one hop in front of the app (nginx has
    // already taken the client's address from the ALB's header on AWS).
    TRUST_PROXY: nginxSubnets(config, ctx.platform).join(','),
    RATE_LIMIT_MAX: String(config.rateLimit.max),
    RATE_LIMIT_WINDOW_MS: String(config.rateLimit.windowMs),
    RATE_LIMIT_EXEMPT_ADMIN: String(config.rateLimit.exemptAdmin),
    CACHE_LRU_ENABLED: String(config.cache.lruEnabled),
    CACHE_LRU_MAX: String(config.cache.lruMax),
    CACHE_LRU_TTL_MS: String(config.cache.lruTtlMs),
    CACHE_NEGATIVE_TTL_MS: String(config.cache.negativeTtlMs),
    SHUTDOWN_TIMEOUT_MS: String(APP_SHUTDOWN_TIMEOUT_MS),
    ...(shutdownDelayS(ctx) > 0 ? { SHUTDOWN_DELAY_MS: String(shutdownDelayS(ctx) * 1000) } : {}),
    LOG_LEVEL: config.logLevel,
    BUILD_VERSION: config.build.version,
    BUILD_COMMIT: config.build.commit,
  };
}

/**
 * The app's whole environment with the secrets inline: for a placement that starts the app as
 * a child process of its own (loopback), where the environment is private to that process.
 */
export function appEnv(ctx: BuildContext): Record<string, Text> {
  return { ...appPlainEnv(ctx), ...appSecrets(ctx) };
}

/** The migration's environment with the secrets inline (loopback; see appEnv). */
export function migrateEnv(ctx: BuildContext): Record<string, Text> {
  return { NODE_ENV: 'production', ...migrateSecrets(ctx), LOG_LEVEL: ctx.config.logLevel };
}

export function app(ctx: BuildContext): Component {
  const secrets = asFiles(appSecrets(ctx));
  return {
    name: 'app',
    image: appImage(ctx),
    ports: { ...PORTS.app },
    replicas: ctx.config.replicas,
    oneShot: false,
    stopGraceS: shutdownDelayS(ctx) + APP_STOP_GRACE_S,
    command: ['node', 'app/dist/main.js'],
    env: { ...appPlainEnv(ctx), ...secrets.env },
    files: secrets.files,
    // Liveness only: /ready may say 503 while the database is down, and a restart would not help.
    health: check(['CMD', 'node', '-e',
      `fetch('http://127.0.0.1:${PORTS.app.http}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`], 15),
    dependsOn: [
      { component: 'migrate', condition: 'completed' },
      { component: 'pgbouncer', condition: 'started' },
      // The app serves with Redis down (degraded), so Redis need only have been started.
      { component: 'redis', condition: 'started' },
    ],
    volumes: [],
    tmpfs: ['/tmp'],
    hostMounts: [],
    // egress: webhook deliveries go to receivers on the internet (targets checked against
    // private ranges at creation and at delivery: app/src/webhooks/targets.ts).
    networks: ['backend', 'egress'],
    resources: ctx.config.resources.app,
    // app/Dockerfile's USER node.
    user: '1000:1000',
    readOnlyRootFs: true,
    publish: [],
  };
}

export function migrate(ctx: BuildContext): Component {
  // Straight to PostgreSQL: migrations take a session-level advisory lock PgBouncer cannot hold.
  const secrets = asFiles(migrateSecrets(ctx));
  return {
    name: 'migrate',
    image: appImage(ctx),
    ports: {},
    replicas: 1,
    oneShot: true,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    command: ['node', 'app/dist/migrate.js'],
    env: { NODE_ENV: 'production', ...secrets.env, LOG_LEVEL: ctx.config.logLevel },
    files: secrets.files,
    dependsOn: [{ component: 'postgres', condition: 'healthy' }, { component: 'set-db-password', condition: 'completed' }],
    volumes: [],
    tmpfs: ['/tmp'],
    hostMounts: [],
    networks: ['backend'],
    resources: ctx.config.resources.migrate,
    user: '1000:1000',
    readOnlyRootFs: true,
    publish: [],
  };
}

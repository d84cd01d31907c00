// The app's whole configuration, parsed once from the environment (the shared contract lists
// every variable). Parsing collects every problem before failing so an operator fixes a bad
// deployment in one round, not one variable at a time.
//
// The secret settings (DATABASE_URL, MIGRATE_DATABASE_URL, REDIS_URL, ADMIN_API_KEYS) may come
// from a file instead: X_FILE names a file read once, here, at start (one trailing newline
// dropped). X and X_FILE together are refused, so a stale variable never silently wins.
import { readFileSync } from 'node:fs';
import { APP_DEFAULTS as D } from './config-defaults.js';
import { DEFAULT_BACKOFF } from './webhooks/backoff.js';

export interface AppConfig {
  host: string;
  port: number;
  metricsPort: number;
  databaseUrl: string;
  /** Straight to PostgreSQL: migrations need a session-level advisory lock PgBouncer cannot give. */
  migrateDatabaseUrl: string;
  dbPoolMax: number;
  redisUrl: string;
  adminApiKeys: string[];
  publicBaseUrl: URL;
  /** IPs/CIDRs whose X-Forwarded-For is believed; empty = the socket address is the client. */
  trustProxy: string[];
  rateLimitMax: number;
  rateLimitWindowMs: number;
  rateLimitExemptAdmin: boolean;
  cacheLruEnabled: boolean;
  /** The cached redirect answered before Fastify (http/fast-redirect.ts); off: every request goes through Fastify. */
  redirectFastPath: boolean;
  cacheLruMax: number;
  cacheLruTtlMs: number;
  cacheNegativeTtlMs: number;
  clickFlushIntervalMs: number;
  clickFlushBatch: number;
  clickBufferMax: number;
  /** How long a loaded replica's click roll-ups may wait to be added with later batches' (0: not at all). */
  clickRollupDelayMs: number;
  /** Only batches of at least this many clicks wait. */
  clickRollupDelayFrom: number;
  shutdownTimeoutMs: number;
  /**
   * On SIGTERM, keep serving this long before the graceful stop begins (0: none). A replica found
   * through a DNS name is still in the front door's copy of that name until its next resolution.
   */
  shutdownDelayMs: number;
  /** Webhooks may target private, loopback and link-local addresses (the loopback placement's tests). */
  webhookAllowPrivateTargets: boolean;
  webhookPollMs: number;
  webhookLeaseMs: number;
  /** Failed deliveries are retried until they are this old, then dead-lettered (contract: at least an hour). */
  webhookRetryWindowMs: number;
  webhookBackoffBaseMs: number;
  /** How often a replica counts finished spans of events for deep ?page pages (app/src/page-marks/). */
  pageMarksIntervalMs: number;
  logLevel: string;
  buildVersion: string;
  buildCommit: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: Record<string, string>) {
    super(`invalid configuration: ${Object.entries(problems).map(([k, v]) => `${k} ${v}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** An admin key shorter than this is refused: it could be guessed. */
export const MIN_ADMIN_KEY_LENGTH = 16;

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Settings that may be given as a file (X_FILE) instead of a variable (X). */
export const FILE_SETTINGS = ['DATABASE_URL', 'MIGRATE_DATABASE_URL', 'REDIS_URL', 'ADMIN_API_KEYS'] as const;
export type FileSetting = (typeof FILE_SETTINGS)[number];

/**
 * The environment with every X_FILE read into X. Problems: X and X_FILE both set, or X_FILE
 * unreadable (named by path and reason, never content).
 */
function withFileSettings(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; problems: Record<string, string> } {
  const out: NodeJS.ProcessEnv = { ...env };
  const problems: Record<string, string> = {};
  for (const name of FILE_SETTINGS) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (env[name]?.trim()) {
      problems[name] = `and ${name}_FILE are both set; set one`;
      continue;
    }
    try {
      out[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems[`${name}_FILE`] = `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}: ${file})`;
    }
  }
  return { env: out, problems };
}

/**
 * One setting, from X or from the file X_FILE names (for entry points that need only one, such
 * as the migration). Undefined when neither is set; ConfigError when both are, or the file
 * cannot be read.
 */
export function settingFromEnv(env: NodeJS.ProcessEnv, name: FileSetting): string | undefined {
  const { env: resolved, problems } = withFileSettings(env);
  const mine = Object.fromEntries(Object.entries(problems).filter(([k]) => k === name || k === `${name}_FILE`));
  if (Object.keys(mine).length > 0) throw new ConfigError(mine);
  const v = resolved[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** Reads typed values and records what is wrong instead of throwing on the first problem. */
class EnvReader {
  readonly problems: Record<string, string>;
  private readonly env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv) {
    ({ env: this.env, problems: this.problems } = withFileSettings(env));
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  private raw(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  string(name: string, fallback?: string): string {
    const v = this.raw(name) ?? fallback;
    if (v === undefined) {
      // An unreadable X_FILE is the problem already named.
      if (!(`${name}_FILE` in this.problems)) this.problems[name] = 'is required';
      return '';
    }
    return v;
  }

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      this.problems[name] = `must be an integer from ${min} to ${max} (got "${v}")`;
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    this.problems[name] = `must be true or false (got "${v}")`;
    return fallback;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  }

  url(name: string, protocols: string[], fallback?: string): URL {
    const v = this.string(name, fallback);
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return u;
    } catch {
      if (!(name in this.problems) && !(`${name}_FILE` in this.problems)) this.problems[name] = `must be a ${protocols.join(' or ')} URL`;
      return new URL('http://invalid.invalid');
    }
  }
}

export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const r = new EnvReader(env);
  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']).href;
  const config: AppConfig = {
    host: r.string('HOST', '0.0.0.0'),
    port: r.int('PORT', D.port, 0, 65535),
    metricsPort: r.int('METRICS_PORT', D.metricsPort, 0, 65535),
    databaseUrl,
    migrateDatabaseUrl: r.has('MIGRATE_DATABASE_URL') ? r.url('MIGRATE_DATABASE_URL', ['postgres:', 'postgresql:']).href : databaseUrl,
    dbPoolMax: r.int('DB_POOL_MAX', D.dbPoolMax, 1, 1000),
    redisUrl: r.url('REDIS_URL', ['redis:', 'rediss:']).href,
    adminApiKeys: r.list('ADMIN_API_KEYS'),
    publicBaseUrl: r.url('PUBLIC_BASE_URL', ['http:', 'https:'], 'http://localhost:8080'),
    trustProxy: r.list('TRUST_PROXY'),
    rateLimitMax: r.int('RATE_LIMIT_MAX', D.rateLimitMax, 1),
    rateLimitWindowMs: r.int('RATE_LIMIT_WINDOW_MS', D.rateLimitWindowMs, 1),
    rateLimitExemptAdmin: r.bool('RATE_LIMIT_EXEMPT_ADMIN', D.rateLimitExemptAdmin),
    cacheLruEnabled: r.bool('CACHE_LRU_ENABLED', D.cacheLruEnabled),
    redirectFastPath: r.bool('REDIRECT_FAST_PATH', true),
    cacheLruMax: r.int('CACHE_LRU_MAX', D.cacheLruMax, 1),
    cacheLruTtlMs: r.int('CACHE_LRU_TTL_MS', D.cacheLruTtlMs, 1),
    cacheNegativeTtlMs: r.int('CACHE_NEGATIVE_TTL_MS', D.cacheNegativeTtlMs, 0),
    clickFlushIntervalMs: r.int('CLICK_FLUSH_INTERVAL_MS', D.clickFlushIntervalMs, 1),
    clickFlushBatch: r.int('CLICK_FLUSH_BATCH', D.clickFlushBatch, 1),
    clickBufferMax: r.int('CLICK_BUFFER_MAX', 100_000, 1),
    clickRollupDelayMs: r.int('CLICK_ROLLUP_DELAY_MS', D.clickRollupDelayMs, 0),
    clickRollupDelayFrom: r.int('CLICK_ROLLUP_DELAY_FROM', D.clickRollupDelayFrom, 1),
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', D.shutdownTimeoutMs, 0),
    shutdownDelayMs: r.int('SHUTDOWN_DELAY_MS', 0, 0),
    webhookAllowPrivateTargets: r.bool('WEBHOOK_ALLOW_PRIVATE_TARGETS', false),
    webhookPollMs: r.int('WEBHOOK_POLL_MS', 1_000, 10),
    webhookLeaseMs: r.int('WEBHOOK_LEASE_MS', 30_000, 6_000),
    webhookRetryWindowMs: r.int('WEBHOOK_RETRY_WINDOW_MS', DEFAULT_BACKOFF.windowMs, 1_000),
    webhookBackoffBaseMs: r.int('WEBHOOK_BACKOFF_BASE_MS', DEFAULT_BACKOFF.baseMs, 10),
    pageMarksIntervalMs: r.int('PAGE_MARKS_INTERVAL_MS', 5_000, 10),
    logLevel: r.string('LOG_LEVEL', D.logLevel).toLowerCase(),
    buildVersion: r.string('BUILD_VERSION', 'dev'),
    buildCommit: r.string('BUILD_COMMIT', 'unknown'),
  };
  if (!LOG_LEVELS.has(config.logLevel)) r.problems.LOG_LEVEL = `must be one of ${[...LOG_LEVELS].join(', ')}`;
  if (config.adminApiKeys.some((k) => k.length < MIN_ADMIN_KEY_LENGTH)) r.problems.ADMIN_API_KEYS = `every key must be at least ${MIN_ADMIN_KEY_LENGTH} characters`;
  if (Object.keys(r.problems).length > 0) throw new ConfigError(r.problems);
  return config;
}

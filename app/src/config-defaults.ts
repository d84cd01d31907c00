// The app's defaults that the deployment also needs, written once: infra reads them (its ports,
// the stack config's defaults, the stop grace derived from the shutdown deadline), the app's
// config parser falls back to them. Plain data: infra may import this file, and app/ imports
// nothing of infra.

export const APP_DEFAULTS = {
  port: 3000,
  metricsPort: 9464,
  /** The graceful stop's deadline: finish requests, flush clicks, close pools. */
  shutdownTimeoutMs: 10_000,
  /** Connections per replica to PgBouncer. */
  dbPoolMax: 10,
  rateLimitMax: 600,
  rateLimitWindowMs: 60_000,
  rateLimitExemptAdmin: true,
  cacheLruEnabled: true,
  cacheLruMax: 100_000,
  cacheLruTtlMs: 60_000,
  cacheNegativeTtlMs: 5_000,
  logLevel: 'info',
} as const;

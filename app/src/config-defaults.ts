// The app's defaults that the deployment also needs, written once: infra reads them (its ports,
// the stack config's defaults, the stop grace derived from the shutdown deadline), the benches
// read the click flush's interval and batch, the app's config parser falls back to them. Plain data: infra may import this file, and app/ imports
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
  /** How often a replica writes its buffered clicks: about what a crash of it loses. */
  clickFlushIntervalMs: 1_000,
  /**
   * Clicks per flush transaction at most. A flush costs PostgreSQL per link and key it touches,
   * and a Zipf draw repeats links more in a bigger batch: the backend's CPU per click was 15.6 us
   * for batches of 1,000, 11.3 for 5,000 and 8.6 for 20,000 (app/bench/click-profile.ts, 10,000
   * links); in `npm run bench`'s cached redirect (10,000 clicks a second per replica)
   * PostgreSQL's whole CPU per click went from 15.5 to 12.3 us when the batch went from 5,000 to
   * 20,000. The flush interval bounds what a crash loses (about one interval of clicks) either
   * way; the batch only makes a replica flush sooner past 20,000 clicks a second.
   */
  clickFlushBatch: 20_000,
  /**
   * How long the oldest of the loaded replicas' kept click roll-up counts waits before one of
   * them adds every replica's in one statement (app/src/clicks/pending-rollups.ts): about how far
   * the stats trail the events under load. An apply costs PostgreSQL per key (link and day,
   * referrer, traits) and a longer wait sums more clicks into each. Four alternated pairs of
   * `npm run bench:pg` (sustained load, 10,000 links): PostgreSQL's CPU per click 9.3-13.5 us at
   * 5 s (the sixth pass's choice), the apply 2.1-3.7 of it; 7.8-10.4 at 15 s, the apply 1.0-1.2
   * (loadtest/FIGURES.md, fifteenth pass). A lightly loaded replica's counts wait for none of it.
   */
  clickRollupDelayMs: 15_000,
  /** Batches of fewer clicks add their counts at once: a lightly loaded replica's stats trail nothing more. */
  clickRollupDelayFrom: 1_000,
} as const;

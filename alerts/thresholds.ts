// Every alert threshold, written once: rules, runbook text and tests read them from here.

export const THRESHOLDS = {
  /** Days of validity left on the served certificate before the ticket (renewal is due at 30). */
  certificateDaysLeft: 14,
  /** Failed renewal attempts in a row (about 3.5 minutes of backoff from the first) before the alert. */
  certificateRenewalFailures: 3,
  /** Share of a replica's requests answered 5xx before it is called unhealthy. */
  replicaErrorRatio: 0.05,
  /**
   * Below this many requests per second (probes not counted) a replica's error ratio is noise:
   * 1 error in 3 requests is 33%. 0.2/s is 60 requests in the 5-minute window.
   */
  replicaMinRequestsPerSecond: 0.2,
  /** p99 of redirects, seconds. */
  redirectP99Seconds: 0.25,
  /** Age of the oldest unflushed click, seconds: the flusher is falling behind. */
  clickFlushLagSeconds: 30,
  /** Age of the oldest batch whose roll-up counts a replica still keeps, seconds (they wait CLICK_ROLLUP_DELAY_MS, then up to that again for the next apply). */
  clickRollupLagSeconds: 60,
  /** Age of the oldest link change not yet relayed to Redis, seconds (the relay takes each within seconds: app/src/cache/invalidation-relay.ts). */
  linkInvalidationOldestSeconds: 60,
  /** Age of the oldest undelivered webhook delivery, seconds, beside a growing outbox. */
  webhookOldestPendingSeconds: 900,
  /**
   * Events not yet counted for deep ?page pages: about what a deep page among the newest steps
   * over (0.1 us each: 100 ms). Normally a span (32,768) and a few seconds of events.
   */
  deepPageUncountedEvents: 1_000_000,
  /** Share of the volume used before the page. */
  postgresVolumeFullRatio: 0.9,
  /** Hours ahead predict_linear looks for the ticket. */
  postgresVolumeFillHorizonHours: 24,
  /** Restarts of one replica within 30 minutes that make a crash loop. */
  crashLoopRestarts: 3,
  /** Traffic below this share of the same 30 minutes last week... */
  trafficDropRatio: 0.5,
  /** ...when last week had at least this many requests per second (quiet hours prove nothing). */
  trafficDropMinRequestsPerSecond: 1,
  /** Share of redirect lookups answered not found (a lost links table looks like this). */
  notFoundShare: 0.5,
  /** ...over at least this many redirect lookups per second. */
  notFoundMinRequestsPerSecond: 0.2,
  /** Share of PostgreSQL's max_connections in use. */
  postgresConnectionsRatio: 0.8,
  /** Age of the oldest open transaction, seconds. */
  postgresLongTransactionSeconds: 300,
  /** Share of Redis' maxmemory used while it evicts. */
  redisMemoryRatio: 0.9,
  /** Share of PgBouncer's max_client_conn in use. */
  pgbouncerClientsRatio: 0.8,
  /** Clients waiting for a server connection, on average over 5 minutes. */
  pgbouncerAverageWaiting: 1,
  /** Age of the oldest waiting client, seconds, on average over 5 minutes. */
  pgbouncerMaxWaitSeconds: 1,
  /** Share of notifications (Alertmanager to a receiver, Prometheus to Alertmanager) that fail. */
  notificationFailureRatio: 0.01,
  /** Age of the newest backup, hours: a day's scheduled backups missed, and two hours' grace. */
  backupMaxAgeHours: 26,
  /** Finished WAL segments waiting for archive_command: 10 x 16 MB, or 10 archive_timeouts of writes. */
  walReadySegments: 10,
  /** SLO objectives over the SLO period (slo/spec.ts): the share of good events. */
  sloAvailabilityObjective: 0.999,
  sloRedirectLatencyObjective: 0.99,
  sloEdgeAvailabilityObjective: 0.999,
  /** The latency SLO's threshold, seconds: an http_request_duration_seconds bucket (`le`). */
  sloRedirectLatencySeconds: 0.1,
} as const;

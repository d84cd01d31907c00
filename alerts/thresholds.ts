// Every alert threshold, written once: rules, runbook text and tests read them from here.

export const THRESHOLDS = {
  /** Share of a replica's requests answered 5xx before it is called unhealthy. */
  replicaErrorRatio: 0.05,
  /** p99 of redirects, seconds. */
  redirectP99Seconds: 0.25,
  /** Age of the oldest unflushed click, seconds: the flusher is falling behind. */
  clickFlushLagSeconds: 30,
  /** Share of the volume used before the page. */
  postgresVolumeFullRatio: 0.9,
  /** Hours ahead predict_linear looks for the ticket. */
  postgresVolumeFillHorizonHours: 24,
} as const;

// Capacities are facts of a stack, not thresholds: the size of the PostgreSQL disk differs
// between a laptop, a Docker host and an RDS instance. They reach Prometheus as recording rules
// holding one constant each, so the alerts and the dashboards compare against the series and
// the rule files are the only place a stack's value is written.
import type { RecordingGroup } from './types.js';

export const CAPACITY_SERIES = {
  postgresVolumeBytes: 'shortstack:postgres_volume_bytes',
} as const;

/** Used when a stack does not say (shortstack:postgresVolumeGiB). */
export const DEFAULT_POSTGRES_VOLUME_BYTES = 10 * 1024 ** 3;

export function capacityRecordingGroup(postgresVolumeBytes = DEFAULT_POSTGRES_VOLUME_BYTES): RecordingGroup {
  if (!Number.isFinite(postgresVolumeBytes) || postgresVolumeBytes <= 0) {
    throw new Error(`postgresVolumeBytes must be a positive number, got ${postgresVolumeBytes}`);
  }
  return {
    name: 'shortstack-capacity',
    rules: [{ record: CAPACITY_SERIES.postgresVolumeBytes, expr: `vector(${Math.round(postgresVolumeBytes)})` }],
  };
}

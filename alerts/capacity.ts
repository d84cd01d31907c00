// Capacities are facts of a stack, not thresholds: the PostgreSQL disk differs between a laptop,
// a Docker host and an RDS instance. They reach Prometheus as recording rules, so the alerts and
// the dashboards compare against one pair of series whatever measures them.
import type { RecordingGroup } from './types.js';

export const CAPACITY_SERIES = {
  /** Size of the disk PostgreSQL's data lives on. */
  postgresVolumeBytes: 'shortstack:postgres_volume_bytes',
  /** Bytes still free on it (to an unprivileged writer, like PostgreSQL). */
  postgresVolumeAvailBytes: 'shortstack:postgres_volume_avail_bytes',
} as const;

/**
 * Where the disk's figures come from: node-exporter's statfs of the file system holding the data
 * (Docker: the volume mounted into node-exporter; loopback: the mount holding the data folder),
 * or, where the disk is a managed service's storage no task can statfs (RDS), its declared size
 * less what the databases hold.
 */
export type PostgresDisk =
  | { kind: 'filesystem'; job: string; mountpoint: string }
  | { kind: 'declared'; bytes: number };

/** node-exporter's scrape job. */
export const NODE_EXPORTER_JOB = 'node';
/**
 * The Docker placement's measure, and the default: node-exporter with PostgreSQL's volume
 * mounted (read-only) at this path. infra mounts it there from this value.
 */
export const DEFAULT_POSTGRES_DISK = { kind: 'filesystem', job: NODE_EXPORTER_JOB, mountpoint: '/data/postgres' } as const satisfies PostgresDisk;

export function capacityRecordingGroup(disk: PostgresDisk): RecordingGroup {
  if (disk.kind === 'declared') {
    if (!Number.isFinite(disk.bytes) || disk.bytes <= 0) throw new Error(`the declared disk must be a positive size, got ${disk.bytes}`);
    const bytes = Math.round(disk.bytes);
    return {
      name: 'shortstack-capacity',
      rules: [
        { record: CAPACITY_SERIES.postgresVolumeBytes, expr: `vector(${bytes})` },
        { record: CAPACITY_SERIES.postgresVolumeAvailBytes, expr: `vector(${bytes}) - on() sum(pg_database_size_bytes)` },
      ],
    };
  }
  const sel = `{job="${disk.job}", mountpoint="${disk.mountpoint}"}`;
  return {
    name: 'shortstack-capacity',
    rules: [
      // max without the exporter's own labels: one series, whatever the instance is called.
      { record: CAPACITY_SERIES.postgresVolumeBytes, expr: `max(node_filesystem_size_bytes${sel})` },
      { record: CAPACITY_SERIES.postgresVolumeAvailBytes, expr: `max(node_filesystem_avail_bytes${sel})` },
    ],
  };
}

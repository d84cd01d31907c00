// The backup figures Prometheus reads: node-exporter's textfile collector picks up the file the
// backup commands write after each backup (pgBackRest keeps its own records, not metrics). Pure.

/** What the figures need of `pgbackrest info` (infra/backup/info.ts parses it). */
export interface BackupFigures {
  stanza: string;
  backups: readonly { type: 'full' | 'diff' | 'incr'; stop: Date; repoBytes: number }[];
}

export const BACKUP_METRICS_FILE = 'shortstack_backup.prom';

export const BACKUP_METRIC_NAMES = {
  lastSuccess: 'shortstack_backup_last_success_timestamp_seconds',
  repositoryBytes: 'shortstack_backup_repository_bytes',
  count: 'shortstack_backup_count',
} as const;

export function renderBackupMetrics(stanzas: readonly BackupFigures[]): string {
  const n = BACKUP_METRIC_NAMES;
  const lines = [
    `# HELP ${n.lastSuccess} When the newest finished backup of each type ended.`,
    `# TYPE ${n.lastSuccess} gauge`,
  ];
  for (const s of stanzas) {
    for (const type of ['full', 'diff', 'incr'] as const) {
      const last = s.backups.filter((b) => b.type === type).at(-1);
      if (last) lines.push(`${n.lastSuccess}{stanza="${s.stanza}",type="${type}"} ${last.stop.getTime() / 1000}`);
    }
  }
  lines.push(`# HELP ${n.repositoryBytes} Bytes the stanza's backups take in the repository (compressed; archived WAL not counted).`, `# TYPE ${n.repositoryBytes} gauge`);
  for (const s of stanzas) lines.push(`${n.repositoryBytes}{stanza="${s.stanza}"} ${s.backups.reduce((t, b) => t + b.repoBytes, 0)}`);
  lines.push(`# HELP ${n.count} Backups kept in the repository.`, `# TYPE ${n.count} gauge`);
  for (const s of stanzas) lines.push(`${n.count}{stanza="${s.stanza}"} ${s.backups.length}`);
  return `${lines.join('\n')}\n`;
}

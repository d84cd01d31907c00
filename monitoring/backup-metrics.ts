// The backup figures Prometheus reads: node-exporter's textfile collector picks up the file the
// backup commands write after each backup (pgBackRest keeps its own records, not metrics). Pure.
// Two renderings of the same figures: a TypeScript one (loopback, from `pgbackrest info` parsed
// by infra/backup/info.ts) and a jq program over the same JSON, for the Docker placement's
// backup container, which has pgBackRest and jq but no Node.

/** What the figures need of `pgbackrest info` (infra/backup/info.ts parses it). */
export interface BackupFigures {
  stanza: string;
  backups: readonly { type: 'full' | 'diff' | 'incr'; stop: Date; repoBytes: number }[];
}

export const BACKUP_METRICS_FILE = 'shortstack_backup.prom';

export const BACKUP_METRIC_NAMES = {
  lastSuccess: 'shortstack_backup_last_success_timestamp_seconds',
  repositoryBytes: 'shortstack_backup_repository_bytes',
  // Not `_count`: that suffix is a histogram's or summary's series (promtool check metrics refuses it on a gauge).
  kept: 'shortstack_backup_kept',
} as const;

const HELP: Record<keyof typeof BACKUP_METRIC_NAMES, string> = {
  lastSuccess: 'When the newest finished backup of each type ended.',
  repositoryBytes: 'Bytes the stanza\'s backups take in the repository (compressed; archived WAL not counted).',
  kept: 'Backups kept in the repository.',
};
const BACKUP_TYPES = ['full', 'diff', 'incr'] as const;
const header = (k: keyof typeof BACKUP_METRIC_NAMES) => [`# HELP ${BACKUP_METRIC_NAMES[k]} ${HELP[k]}`, `# TYPE ${BACKUP_METRIC_NAMES[k]} gauge`];

export function renderBackupMetrics(stanzas: readonly BackupFigures[]): string {
  const n = BACKUP_METRIC_NAMES;
  const lines = header('lastSuccess');
  for (const s of stanzas) {
    for (const type of BACKUP_TYPES) {
      const last = s.backups.filter((b) => b.type === type).at(-1);
      if (last) lines.push(`${n.lastSuccess}{stanza="${s.stanza}",type="${type}"} ${last.stop.getTime() / 1000}`);
    }
  }
  lines.push(...header('repositoryBytes'));
  for (const s of stanzas) lines.push(`${n.repositoryBytes}{stanza="${s.stanza}"} ${s.backups.reduce((t, b) => t + b.repoBytes, 0)}`);
  lines.push(...header('kept'));
  for (const s of stanzas) lines.push(`${n.kept}{stanza="${s.stanza}"} ${s.backups.length}`);
  return `${lines.join('\n')}\n`;
}

/** A jq string literal (JSON's string syntax is jq's, and the texts here hold no `\(`). */
const jqText = (s: string) => JSON.stringify(s);

/**
 * `pgbackrest info --output=json | jq -r -f THIS` prints exactly what renderBackupMetrics
 * prints for the same JSON (a test holds them equal on a real repository's output).
 */
export function renderBackupMetricsJq(): string {
  const n = BACKUP_METRIC_NAMES;
  const lines = (k: keyof typeof BACKUP_METRIC_NAMES) => header(k).map(jqText);
  return `${[
    '[.[] | {stanza: .name, backups: (.backup // [])}] as $st',
    `| ${lines('lastSuccess').join(', ')},`,
    `  ($st[] | .stanza as $s | .backups as $b | (${BACKUP_TYPES.map(jqText).join(', ')}) as $t`,
    '    | ([$b[] | select(.type == $t)] | last) | select(. != null)',
    `    | "${n.lastSuccess}{stanza=\\"\\($s)\\",type=\\"\\($t)\\"} \\(.timestamp.stop)"),`,
    `  ${lines('repositoryBytes').join(', ')},`,
    `  ($st[] | "${n.repositoryBytes}{stanza=\\"\\(.stanza)\\"} \\([.backups[] | .info.repository.delta // 0] | add // 0)"),`,
    `  ${lines('kept').join(', ')},`,
    `  ($st[] | "${n.kept}{stanza=\\"\\(.stanza)\\"} \\(.backups | length)")`,
  ].join('\n')}\n`;
}

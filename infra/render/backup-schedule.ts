// The Docker placement's backup schedule: a POSIX shell loop for a container that has
// pgBackRest and jq (no Node). Same rules as the loopback's (infra/loopback/backup-schedule.ts):
// a full backup when none is younger than the full interval, otherwise a differential when no
// backup is younger than the differential interval, checked every `checkEveryS`. The times come
// from the repository itself (`pgbackrest info`), so a restart, or a backup taken by hand
// (npm run backup), moves the schedule. After each check the backup figures are rewritten for
// node-exporter's textfile collector, one rename at a time. Pure.

export interface BackupScheduleScript {
  confFile: string;
  stanza: string;
  fullEveryS: number;
  diffEveryS: number;
  checkEveryS: number;
  /** The jq program that renders the figures (monitoring/backup-metrics.ts renderBackupMetricsJq). */
  metricsProgram: string;
  metricsDir: string;
  metricsFile: string;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `sh SCRIPT` runs the schedule for good; `sh SCRIPT once` makes one check (a due backup, the
 * figures) and exits non-zero when the backup failed.
 */
export function renderBackupScheduleScript(o: BackupScheduleScript): string {
  const latest = (filter: string) => `jq '[.[0].backup[]?${filter} | .timestamp.stop] | max // 0'`;
  return `${[
    '# Rendered by infra/render/backup-schedule.ts: the stack\'s scheduled pgBackRest backups.',
    'set -u',
    `pgbr() { pgbackrest --config=${q(o.confFile)} --stanza=${q(o.stanza)} "$@"; }`,
    // PID 1 ignores SIGTERM without a handler: `docker stop` would wait out its grace.
    'trap \'exit 0\' TERM INT',
    'figures() {',
    `  printf '%s' "$1" | jq -r -f ${q(o.metricsProgram)} > ${q(`${o.metricsDir}/.${o.metricsFile}.tmp`)} \\`,
    `    && mv ${q(`${o.metricsDir}/.${o.metricsFile}.tmp`)} ${q(`${o.metricsDir}/${o.metricsFile}`)}`,
    '}',
    // Idempotent; it fails until PostgreSQL answers on its socket.
    'until pgbr stanza-create; do',
    `  echo "backup: stanza-create failed, retried in ${o.checkEveryS} s"`,
    '  [ "${1:-}" = once ] && exit 1',
    `  sleep ${o.checkEveryS} & wait $!`,
    'done',
    'while :; do',
    '  status=0',
    '  if info=$(pgbr info --output=json); then',
    '    now=$(date +%s)',
    `    full=$(printf '%s' "$info" | ${latest(' | select(.type == "full")')})`,
    `    any=$(printf '%s' "$info" | ${latest('')})`,
    '    type=',
    `    if [ $((now - full)) -ge ${o.fullEveryS} ]; then type=full`,
    `    elif [ $((now - any)) -ge ${o.diffEveryS} ]; then type=diff; fi`,
    '    if [ -n "$type" ]; then',
    '      echo "backup: $type started"',
    '      if pgbr backup --type="$type"; then',
    '        echo "backup: $type done in $(($(date +%s) - now)) s"',
    '      else',
    '        status=1',
    `        echo "backup: $type failed, retried in ${o.checkEveryS} s"`,
    '      fi',
    '      info=$(pgbr info --output=json) || status=1',
    '    fi',
    '    figures "$info" || status=1',
    '  else',
    '    status=1',
    '    echo "backup: pgbackrest info failed"',
    '  fi',
    '  [ "${1:-}" = once ] && exit $status',
    `  sleep ${o.checkEveryS} & wait $!`,
    'done',
  ].join('\n')}\n`;
}

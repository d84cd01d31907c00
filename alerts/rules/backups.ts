// Backups and WAL archiving (pgBackRest): what decides the RPO. The backup figures come from the
// backup commands (Docker: the postgres-backup container's schedule) through node-exporter's
// textfile collector, the archiver's from postgres_exporter's extra queries
// (monitoring/postgres-queries.ts), on loopback and Docker alike.
import { BACKUP_METRIC_NAMES } from '../../monitoring/backup-metrics.js';
import { DOCKER_STACK_VAR, type Commands } from '../commands.js';
import { THRESHOLDS } from '../thresholds.js';
import type { AlertDefinition } from '../types.js';
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/contract/panels.js';

const overview = { dashboard: DASHBOARDS.overview.title, panel: OVERVIEW_PANELS.postgresUp };
const lastBackup = `max by (stanza) (${BACKUP_METRIC_NAMES.lastSuccess})`;
const ARCHIVER = "select archived_count, failed_count, last_archived_wal, last_archived_time, last_failed_wal, last_failed_time from pg_stat_archiver";
const psqlLoopback = (sql: string) => `psql "$DIRECT_DATABASE_URL" -c "${sql}"`;

export function backupAlerts({ docker, aws, loopback, ctx }: Commands): AlertDefinition[] {
  const DOCKER_STACK = `$${DOCKER_STACK_VAR}`;
  /** pgBackRest in the Docker stack's backup container, with its secret config. */
  const pgbackrestDocker = (args: string) => docker.exec('postgres-backup', `pgbackrest --config=${ctx.backup.config} --stanza=${ctx.backup.stanza} ${args}`);
  return [
    {
      name: 'BackupTooOld',
      group: 'shortstack-backups',
      expr: `time() - ${lastBackup} > ${THRESHOLDS.backupMaxAgeHours} * 3600`,
      for: '30m',
      severity: 'warning',
      component: 'postgres',
      summary: 'No backup for {{ $value | printf "%.0f" }} s',
      description: `The newest backup of stanza {{ $labels.stanza }} ended {{ $value | printf "%.0f" }} s ago (more than ${THRESHOLDS.backupMaxAgeHours} h).`,
      runbook: {
        meaning: `No full or differential backup finished in ${THRESHOLDS.backupMaxAgeHours} hours: the schedule stopped, or each backup fails.`,
        impact: 'Nothing yet. A restore replays WAL from the last backup: the longer since it, the longer the restore (RTO), and a gap in the WAL archive since then would lose everything after it.',
        diagnose: {
          promql: [`time() - ${lastBackup}`, BACKUP_METRIC_NAMES.kept, BACKUP_METRIC_NAMES.repositoryBytes],
          logql: ['{component="postgres"} |= "pgbackrest"', '{component="postgres-backup"} |= "backup"'],
          panel: overview,
          commands: {
            docker: [pgbackrestDocker('info'), docker.logs('postgres-backup')],
            loopback: ['npm run backup -- --list', loopback.logs('shortstack-backup')],
            aws: [aws.rdsInstance(), `aws rds describe-db-instance-automated-backups --db-instance-identifier ${ctx.aws.names.rdsInstance}`],
          },
        },
        mitigate: [
          'Take one now: `npm run backup -- --dir "$STACK_DIR"` (loopback; `--type diff` for a differential). The error it prints is pgBackRest\'s own; its log is in `$STACK_DIR/pgbackrest/log`.',
          'A full repository disk fails every backup: check the repository\'s volume, lower `shortstack:backup.retentionFull` or move the repository.',
          `Docker: the postgres-backup container takes them (its log says why one failed); \`${pgbackrestDocker('--log-level-console=info backup --type=full')}\` takes one now (\`npm run backup -- --stack ${DOCKER_STACK}\` prints it). A stopped container: \`docker start shortstack-${DOCKER_STACK}-postgres-backup\`.`,
          'AWS: RDS takes its automated backup in the backup window by itself; a missed one shows in the RDS events. `npm run backup -- --stack <stack>` prints the manual snapshot command.',
        ],
        escalate: 'Ticket for the infrastructure owner; page them if WalArchivingFailing fires too (then nothing recent is restorable).',
      },
    },
    {
      name: 'WalArchivingFailing',
      group: 'shortstack-backups',
      expr: 'pg_stat_archiver_last_failed_time_seconds > pg_stat_archiver_last_archived_time_seconds',
      for: '5m',
      severity: 'critical',
      component: 'postgres',
      summary: 'WAL archiving is failing',
      description: 'PostgreSQL ({{ $labels.instance }}) could not archive a WAL segment and has not archived one since: the point-in-time restore window stopped moving.',
      runbook: {
        meaning: 'archive_command (pgbackrest archive-push) fails; PostgreSQL retries the same segment and keeps every later one in pg_wal.',
        impact: 'Writes since the last archived segment exist only on this server: losing it now loses them (the RPO grows by the minute). pg_wal grows until the disk is full, and then PostgreSQL stops.',
        diagnose: {
          promql: ['pg_stat_archiver_last_failed_time_seconds - pg_stat_archiver_last_archived_time_seconds', 'pg_archive_ready_segments', 'rate(pg_stat_archiver_failed_count[5m])'],
          logql: ['{component="postgres"} |= "archive"'],
          panel: overview,
          commands: {
            docker: [docker.psql(ARCHIVER), docker.logs('postgres')],
            loopback: [psqlLoopback(ARCHIVER), loopback.logs('postgres')],
            aws: [aws.rdsEvents()],
          },
        },
        mitigate: [
          'The PostgreSQL log names the failing command and pgBackRest\'s error (repository unreachable or full, wrong cipher passphrase, a stanza that no longer matches the cluster after a restore elsewhere).',
          'Repository full: free room (lower retention, expire: `pgbackrest --config "$STACK_DIR/pgbackrest/pgbackrest.conf" --stanza shortstack expire` as the postgres user) or grow it. Archiving resumes by itself with the segment it retried.',
          'Once it archives again, take a backup (`npm run backup`) so the next restore need not replay the whole backlog.',
          `Docker: the repository is the \`shortstack-${DOCKER_STACK}-backup-repo\` volume, on the Docker host's disk: expire with \`${pgbackrestDocker('expire')}\`, or free the host's disk (\`docker system df -v\`).`,
          'AWS: RDS archives by itself; this alert has no RDS series.',
        ],
        escalate: 'Paged now: until it archives, a lost disk loses every write since the last archived segment.',
      },
    },
    {
      name: 'WalArchiveLagging',
      group: 'shortstack-backups',
      expr: `pg_archive_ready_segments > ${THRESHOLDS.walReadySegments}`,
      for: '15m',
      severity: 'warning',
      component: 'postgres',
      summary: '{{ $value | printf "%.0f" }} WAL segments wait to be archived',
      description: `PostgreSQL ({{ $labels.instance }}) has more than ${THRESHOLDS.walReadySegments} finished WAL segments not yet archived: archiving is slower than writing.`,
      runbook: {
        meaning: 'archive_command succeeds but falls behind: the repository\'s disk or network is slow, or a burst of writes (a bulk import) outpaces it.',
        impact: 'The restore point lags behind the writes by that many segments: a lost server now would lose them.',
        diagnose: {
          promql: ['pg_archive_ready_segments', 'rate(pg_stat_archiver_archived_count[5m])', 'rate(pg_stat_database_xact_commit[5m])'],
          logql: ['{component="postgres"} |= "archive"'],
          panel: overview,
          commands: {
            docker: [docker.psql(ARCHIVER)],
            loopback: [psqlLoopback(ARCHIVER), loopback.logs('postgres')],
            aws: [aws.rdsEvents()],
          },
        },
        mitigate: [
          'A bulk import: it catches up once the burst ends; watch the count fall.',
          'Otherwise the repository is slow: check its disk (or S3 endpoint); pgBackRest\'s `archive-async=y` with `process-max` pushes several segments at once.',
        ],
        escalate: 'Ticket; becomes WalArchivingFailing if archiving stops altogether.',
      },
    },
  ];
}

// What `npm run backup` and `npm run restore` do on a Docker stack, as the commands an operator
// runs on the stack's host (printed, not run: like AWS's, they need that stack's engine). Each
// command runs as written in a POSIX shell; the waits are shell loops. Pure.
import { dockerContainerName } from '../placements/types.js';
import { BACKUP_REPO_DIR, PGBACKREST_CONF } from '../topology/components/backup.js';
import { PGDATA, POSTGRES_DATA_MOUNT } from '../topology/components/postgres-layout.js';
import { BACKUP_STANZA, DATABASE, SECRETS_DIR } from '../topology/names.js';
import { resourcePrefix } from '../placements/types.js';
import type { BackupAction } from './commands.js';
import { describeTarget, restoreArgs } from './target.js';

/** A word as the shell reads it back: bare when it is safe, single-quoted otherwise. */
export const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
const line = (argv: string[]) => argv.map(shellWord).join(' ');

export function dockerNames(stack: string) {
  const c = (instance: string) => dockerContainerName(stack, instance);
  return {
    postgres: c('postgres'),
    backup: c('postgres-backup'),
    pgbouncer: c('pgbouncer'),
    migrate: c('migrate'),
    dataVolume: `${resourcePrefix(stack)}-postgres-data`,
    repoVolume: `${resourcePrefix(stack)}-backup-repo`,
  };
}

/** pgBackRest in the backup container, with the stack's config. */
const pgbackrestIn = (container: string, args: string[]) =>
  ['docker', 'exec', container, 'pgbackrest', `--config=${PGBACKREST_CONF}`, `--stanza=${BACKUP_STANZA}`, ...args];
/** One value from psql in PostgreSQL's container (over its socket, as the stack's role). */
const psqlValue = (container: string, sql: string) =>
  `$(${line(['docker', 'exec', container, 'psql', '-U', DATABASE.user, '-d', DATABASE.name, '-tAc', sql])})`;

export function dockerCommands(stack: string, action: BackupAction): string[] {
  const n = dockerNames(stack);
  switch (action.kind) {
    case 'backup':
      return [
        line(pgbackrestIn(n.backup, ['--log-level-console=info', 'backup', `--type=${action.type ?? 'full'}`])),
        '# the backup figures (shortstack_backup_*) follow at the schedule\'s next check, within a minute',
      ];
    case 'list':
      return [line(pgbackrestIn(n.backup, ['info']))];
    case 'restore': {
      const lastCommit = psqlValue(n.postgres, 'select (pg_last_committed_xact()).timestamp');
      const secretsVolume = `$(docker inspect --format '{{range .Mounts}}{{if eq .Destination "${SECRETS_DIR}"}}{{.Name}}{{end}}{{end}}' ${n.backup})`;
      const image = `$(docker inspect --format '{{.Image}}' ${n.backup})`;
      // Throwaway containers of the backup image: PostgreSQL's uid, no network (pgBackRest
      // reaches PostgreSQL by its socket volume), read-only root, no capabilities.
      const throwaway = 'docker run --rm --user 70:70 --network none --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges:true';
      // The restore's, with PostgreSQL's data volume writable (the backup container mounts it
      // read-only), the repository and the secret config. An emptied volume gets its data folder back.
      const restore = [
        throwaway,
        `--mount type=volume,source=${n.dataVolume},target=${POSTGRES_DATA_MOUNT}`,
        `--mount type=volume,source=${n.repoVolume},target=${BACKUP_REPO_DIR}`,
        `--mount type=volume,source=${secretsVolume},target=${SECRETS_DIR},readonly`,
        `--entrypoint sh ${image}`,
        line(['-c', 'mkdir -p "$0" && chmod 0700 "$0" && exec pgbackrest "$@"', PGDATA, `--config=${PGBACKREST_CONF}`, `--stanza=${BACKUP_STANZA}`,
          // --delta rewrites only what differs; on an emptied folder pgBackRest restores everything.
          ...restoreArgs(action.target, true)]),
      ].join(' ');
      const wal = psqlValue(n.postgres, 'select pg_walfile_name(pg_switch_wal())');
      return [
        `# restore to ${describeTarget(action.target)}, in place; the writers (PgBouncer) are stopped meanwhile`,
        `# 1. what the database holds: commits after the point are lost by the restore (export what you need first)`,
        `echo "last commit: ${lastCommit}"`,
        '# 2. archive the current WAL, so the replay finds every segment up to now (it should end within seconds;',
        '#    if not, archiving fails: see WalArchivingFailing). Skip 1 and 2 when PostgreSQL does not run (a lost volume).',
        `wal=${wal}`,
        // Double quotes: the shell puts the segment's name into the query.
        `until [ "$(${line(['docker', 'exec', n.postgres, 'psql', '-U', DATABASE.user, '-d', DATABASE.name, '-tAc'])} `
          + `"select coalesce(left(last_archived_wal, 24) >= '$wal', false) from pg_stat_archiver")" = t ]; do sleep 1; done`,
        '# 3. stop the writers, the backup schedule and PostgreSQL',
        line(['docker', 'stop', n.pgbouncer, n.backup]),
        line(['docker', 'stop', n.postgres]),
        '# 4. restore the backup and the WAL up to the point',
        restore,
        '# 5. start PostgreSQL; it replays the WAL and opens for writes',
        line(['docker', 'start', n.postgres]),
        `until [ "${psqlValue(n.postgres, 'select pg_is_in_recovery()')}" = f ]; do sleep 1; done`,
        '# 6. migrations check: the one-shot applies what the restored schema lacks (exit 0)',
        line(['docker', 'start', '--attach', n.migrate]),
        '# 7. writers back; a full backup on the new timeline in a container with the backup container\'s mounts, before',
        '#    its schedule starts (inside it, the schedule\'s first run holds pgBackRest\'s lock and the backup is refused;',
        '#    beside a running schedule, nothing keeps the two apart: the lock is in each container\'s /tmp), then the schedule',
        line(['docker', 'start', n.pgbouncer]),
        [throwaway, `--volumes-from ${n.backup} --entrypoint pgbackrest ${image}`,
          line([`--config=${PGBACKREST_CONF}`, `--stanza=${BACKUP_STANZA}`, '--log-level-console=info', 'backup', '--type=full'])].join(' '),
        line(['docker', 'start', n.backup]),
      ];
    }
  }
}

// The loopback stack's backups: pgBackRest against its PostgreSQL, and the restore procedure's
// handles (../backup/restore.ts) over its managed servers: PgBouncer is the writers' only way in.
import { restoreStack, type RestoreHandles, type RestoreStep } from '../backup/restore.js';
import type { RestoreTarget } from '../backup/target.js';
import type { DataServices } from './data-services.js';
import { parseBackupInfo } from '../backup/info.js';
import { pgbackrest, writeBackupMetrics } from './servers/pgbackrest.js';
import { serviceUser } from './servers/process.js';

export type BackupType = 'full' | 'diff' | 'incr';

export interface LoopbackBackups {
  stanza: string;
  confFile: string;
  repoPath: string;
  /** PostgreSQL's data directory (what the restore drill destroys). */
  dataDir: string;
  /** Takes a backup now; resolves when it is in the repository. */
  take(type?: BackupType): Promise<void>;
  /** `pgbackrest info --output=json`, as is. */
  info(): Promise<unknown>;
  /** Rewrites the backup figures node-exporter serves (age of the last backup, repository size). */
  refreshMetrics(): Promise<void>;
  restore(target: RestoreTarget, opts?: { yes?: boolean; log?: (line: string) => void }): Promise<RestoreStep[]>;
}

export function loopbackBackups(data: DataServices, migrate: () => Promise<string[]>): LoopbackBackups {
  const files = data.backup;
  if (!files) throw new Error('this stack was started without backups');
  const { postgres, pgbouncer } = data;
  const run = (args: string[]) => pgbackrest(files.confFile, files.stanza, args);
  const handles: RestoreHandles = {
    confFile: files.confFile,
    stanza: files.stanza,
    dataDir: postgres.dataDir,
    runAs: serviceUser(),
    postgresRunning: () => postgres.isRunning(),
    query: async <R extends Record<string, unknown>>(sql: string) => (await postgres.query(sql)).rows as R[],
    stopWriters: () => pgbouncer.stop(),
    startWriters: () => pgbouncer.start(),
    stopPostgres: () => postgres.stop(),
    startPostgres: () => postgres.start(),
    migrate,
    pgbackrest: run,
  };
  const info = async () => JSON.parse(await run(['info', '--output=json'])) as unknown;
  const refreshMetrics = async () => writeBackupMetrics(files.metricsDir, parseBackupInfo(await info()));
  return {
    ...files,
    dataDir: postgres.dataDir,
    take: async (type = 'full') => {
      await run(['backup', `--type=${type}`]);
      await refreshMetrics();
    },
    info,
    refreshMetrics,
    restore: (target, o = {}) => restoreStack(handles, target, o),
  };
}

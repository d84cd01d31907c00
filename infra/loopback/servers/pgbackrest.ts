// pgBackRest for the loopback stack's PostgreSQL: its files in a folder of the stack's (config,
// repository, lock, log and spool), and its commands run as the service user, which owns the
// cluster and must read the config (it holds the cipher passphrase: mode 0600).
import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BACKUP_METRICS_FILE, renderBackupMetrics } from '../../../monitoring/backup-metrics.js';
import type { StanzaInfo } from '../../backup/info.js';
import { serviceUser } from './process.js';

const run = promisify(execFile);

/** Paths inside DIR that a rendered loopback pgbackrest.conf names. */
export function pgbackrestPaths(dir: string) {
  return {
    dir,
    conf: join(dir, 'pgbackrest.conf'),
    repo: join(dir, 'repo'),
    lock: join(dir, 'lock'),
    log: join(dir, 'log'),
    spool: join(dir, 'spool'),
    /** The S3 endpoint's CA (stack config backupS3.caCertificate), when the repository is in a bucket. */
    s3Ca: join(dir, 's3-ca.pem'),
    /** node-exporter's textfile folder: the backup figures (../../backup/metrics.ts). */
    metrics: join(dir, 'metrics'),
  };
}

/** Writes the config (and the S3 endpoint's CA, if any) and creates the folders, all owned by the service user. */
export function writePgbackrestFiles(dir: string, conf: string, s3CaCertificate?: string): void {
  const p = pgbackrestPaths(dir);
  const runAs = serviceUser();
  for (const d of [p.dir, p.repo, p.lock, p.log, p.spool, p.metrics]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    if (runAs) chownSync(d, runAs.uid, runAs.gid);
  }
  const files: [string, string][] = [[p.conf, conf], ...(s3CaCertificate === undefined ? [] : [[p.s3Ca, s3CaCertificate] as [string, string]])];
  for (const [path, content] of files) {
    writeFileSync(path, content, { mode: 0o600 });
    if (runAs) chownSync(path, runAs.uid, runAs.gid);
  }
}

/** One pgbackrest command against the stack's stanza; its stdout, or an error with its stderr. */
export async function pgbackrest(confFile: string, stanza: string, args: string[], timeoutMs = 600_000): Promise<string> {
  try {
    const { stdout } = await run('pgbackrest', [`--config=${confFile}`, `--stanza=${stanza}`, ...args], {
      timeout: timeoutMs, maxBuffer: 16 << 20, ...(serviceUser() ?? {}),
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`pgbackrest ${args[0] ?? ''} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

/** Replaces the backup figures in one rename, so node-exporter never reads half a file. */
export function writeBackupMetrics(metricsDir: string, stanzas: readonly StanzaInfo[]): void {
  const tmp = join(metricsDir, `.${BACKUP_METRICS_FILE}.tmp`);
  writeFileSync(tmp, renderBackupMetrics(stanzas), { mode: 0o644 });
  renameSync(tmp, join(metricsDir, BACKUP_METRICS_FILE));
}

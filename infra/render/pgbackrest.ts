// pgbackrest.conf and PostgreSQL's archiving settings: pure renderers shared by the loopback
// stack and the Docker placement. One repository per stack (a folder or volume); retention and
// the WAL archive timeout come from the stack's `backup` config, the cipher from its secrets.

/** An S3-compatible repository (stack config backupS3, its key pair from the secrets). */
export interface PgbackrestS3 {
  bucket: string;
  endpoint: string;
  region: string;
  uriStyle: 'host' | 'path';
  verifyTls: boolean;
  key: string;
  keySecret: string;
  /**
   * The CA (PEM file) that signed the endpoint's certificate, when the system's store does not
   * hold it (a private endpoint); read only when verifyTls is on.
   */
  caFile?: string;
}

export interface PgbackrestConfig {
  stanza: string;
  /** Where the repository lives: a folder (a volume on Docker), or the folder in the bucket with s3. */
  repoPath: string;
  /** The repository in S3-compatible storage instead of a folder. */
  s3?: PgbackrestS3;
  /** The cluster's data directory, and how pgBackRest reaches it (its socket folder and port). */
  pgPath: string;
  pgPort: number;
  pgSocketPath: string;
  /**
   * The role pgBackRest logs in as (a superuser); pgBackRest's default, `postgres`, does not
   * exist where the image's entrypoint created the stack's own role instead (Docker).
   */
  pgUser?: string;
  retention: { full: number; diff: number };
  /** Encrypts the repository when set (it cannot be added to or removed from an existing one). */
  cipherPass?: string;
  /** Lock and spool folders: the loopback stack keeps them in its own folder. */
  lockPath: string;
  spoolPath: string;
  /**
   * pgBackRest's log files; none when absent (Docker: every command's console output goes to
   * the container's log, and a file per command in a volume would only grow).
   */
  logPath?: string;
}

export function renderPgbackrestConf(c: PgbackrestConfig): string {
  const lines = [
    '[global]',
    ...(c.s3 ? [
      'repo1-type=s3',
      `repo1-s3-bucket=${c.s3.bucket}`,
      `repo1-s3-endpoint=${c.s3.endpoint}`,
      `repo1-s3-region=${c.s3.region}`,
      `repo1-s3-uri-style=${c.s3.uriStyle}`,
      `repo1-s3-key=${c.s3.key}`,
      `repo1-s3-key-secret=${c.s3.keySecret}`,
      ...(!c.s3.verifyTls ? ['repo1-storage-verify-tls=n'] : c.s3.caFile ? [`repo1-storage-ca-file=${c.s3.caFile}`] : []),
    ] : []),
    `repo1-path=${c.repoPath}`,
    `repo1-retention-full=${c.retention.full}`,
    `repo1-retention-diff=${c.retention.diff}`,
    ...(c.cipherPass ? ['repo1-cipher-type=aes-256-cbc', `repo1-cipher-pass=${c.cipherPass}`] : []),
    // zstd: about as small as gzip at a fraction of the CPU on a shared machine. Level 1: every
    // WAL segment is compressed as it is archived, so this is CPU per click. On the click flush's
    // WAL (npm run bench:archive), level 1 cost 25-30% less than level 3 (62 against 87-93 ms per
    // 16 MiB segment) and its segments came out smaller (6.1x against 5.8x).
    'compress-type=zst',
    'compress-level=1',
    `spool-path=${c.spoolPath}`,
    `lock-path=${c.lockPath}`,
    ...(c.logPath ? [`log-path=${c.logPath}`] : []),
    'log-level-console=warn',
    `log-level-file=${c.logPath ? 'info' : 'off'}`,
    // A backup need not wait for the next checkpoint or WAL switch.
    'start-fast=y',
    '',
    `[${c.stanza}]`,
    `pg1-path=${c.pgPath}`,
    `pg1-port=${c.pgPort}`,
    `pg1-socket-path=${c.pgSocketPath}`,
    ...(c.pgUser ? [`pg1-user=${c.pgUser}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** The server settings that send every finished WAL segment to the repository. */
export function archiveSettings(o: { stanza: string; confFile: string; archiveTimeoutS: number }): Record<string, string> {
  return {
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: `pgbackrest --config=${o.confFile} --stanza=${o.stanza} archive-push %p`,
    // A quiet database still closes its segment this often, so at most this much is unarchived.
    archive_timeout: `${o.archiveTimeoutS}s`,
    // The restore refuses without --yes when the database holds commits newer than its target.
    track_commit_timestamp: 'on',
  };
}

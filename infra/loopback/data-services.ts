// PostgreSQL behind PgBouncer (transaction pooling) plus Redis, on free 127.0.0.1 ports:
// the data tier of the loopback stack, and what the app's integration tests run against.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveSettings, renderPgbackrestConf, type PgbackrestS3 } from '../render/pgbackrest.js';
import { renderPgbouncerUserlist } from '../render/pgbouncer.js';
import { pgbouncerUsers } from '../topology/components/data.js';
import { backupS3RepoPath } from '../topology/config-backup-s3.js';
import { parseStackConfig } from '../topology/config.js';
import { DATABASE, PGBOUNCER_STATS_USER } from '../topology/names.js';
import { loopbackAddressing, type LoopbackAddressing } from './addressing.js';
import { loopbackContext, loopbackPgbouncerIni } from './configs.js';
import { PostgresServer } from './servers/postgres.js';
import { PgbouncerServer } from './servers/pgbouncer.js';
import { pgbackrest, pgbackrestPaths, writePgbackrestFiles } from './servers/pgbackrest.js';
import { RedisServer } from './servers/redis.js';

export interface DataServicesOptions {
  /** Parent folder; a fresh temporary one when omitted (and removed on stop). */
  dir?: string;
  /**
   * Stack config keys as in Pulumi.<stack>.yaml (without the namespace): PgBouncer's and Redis'
   * files are rendered from the parsed config, as the Docker placement's are (pool sizes,
   * maxmemory); the defaults when omitted.
   */
  config?: Record<string, unknown>;
  /** The app role's password; generated when omitted. */
  password?: string;
  redisPassword?: string;
  /** PgBouncer's read-only console user's (the exporter's); generated when omitted. */
  statsPassword?: string;
  /** Where each server listens, when the caller has laid the stack out already; free ports when omitted. */
  addr?: LoopbackAddressing;
  /** WAL archiving and backups with pgBackRest, config in DIR/pgbackrest (./backup-options.ts); none when omitted. */
  backup?: BackupOptions;
  /** Extra PostgreSQL settings (`-c name=value`), e.g. a bench's pg_stat_statements. */
  postgresSettings?: Readonly<Record<string, string>>;
}

export interface BackupOptions {
  stanza: string;
  retention: { full: number; diff: number };
  archiveTimeoutS: number;
  cipherPass?: string;
  /**
   * The repository in an S3-compatible bucket (stack config backupS3 and its key pair), in the
   * stack's folder there, instead of DIR/pgbackrest/repo; the endpoint's CA as PEM, if it has one.
   */
  s3?: Omit<PgbackrestS3, 'caFile'> & { caCertificate?: string };
}

/** Where the stack's pgBackRest config and repository are, for the backup and restore commands. */
export interface BackupFiles {
  stanza: string;
  confFile: string;
  /** The repository's path: a folder here, or the stack's folder in the bucket. */
  repoPath: string;
  /** node-exporter's textfile folder for the backup figures. */
  metricsDir: string;
}

export interface DataServices {
  dir: string;
  postgres: PostgresServer;
  pgbouncer: PgbouncerServer;
  redis: RedisServer;
  /** The app's URL: through PgBouncer. */
  databaseUrl: string;
  /** Straight to PostgreSQL, for migrations and test assertions. */
  directDatabaseUrl: string;
  redisUrl: string;
  /** PgBouncer's read-only console user (SHOW POOLS, STATS): the exporter's. */
  statsUser: { name: string; password: string };
  backup?: BackupFiles;
  stop(): Promise<void>;
}

/** The renderer's S3 input: the endpoint's CA as the file it is written to. */
const s3Input = ({ caCertificate, ...s3 }: NonNullable<BackupOptions['s3']>, caFile: string): PgbackrestS3 => (
  { ...s3, ...(caCertificate === undefined ? {} : { caFile }) });

export async function startDataServices(opts: DataServicesOptions = {}): Promise<DataServices> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'shortstack-data-'));
  // The service user (postgres) must be able to reach its folders below this one.
  chmodSync(dir, 0o755);
  const { name: database, user } = DATABASE;
  const password = opts.password ?? randomBytes(12).toString('hex');
  const statsUser = { name: PGBOUNCER_STATS_USER, password: opts.statsPassword ?? randomBytes(12).toString('hex') };
  const config = parseStackConfig(opts.config ?? {});
  const ctx = loopbackContext(config, opts.addr ?? await loopbackAddressing(config.replicas));
  const [pgPort, bouncerPort, redisPort] = [
    ctx.addr.endpoint('postgres', 'postgres').port, ctx.addr.endpoint('pgbouncer', 'postgres').port, ctx.addr.endpoint('redis', 'redis').port,
  ];

  const pgDir = join(dir, 'postgres');
  const backupPaths = pgbackrestPaths(join(dir, 'pgbackrest'));
  const repoPath = opts.backup?.s3 ? backupS3RepoPath(ctx.stackName) : backupPaths.repo;
  const backup: BackupFiles | undefined = opts.backup
    ? { stanza: opts.backup.stanza, confFile: backupPaths.conf, repoPath, metricsDir: backupPaths.metrics }
    : undefined;
  if (opts.backup) {
    writePgbackrestFiles(backupPaths.dir, renderPgbackrestConf({
      stanza: opts.backup.stanza,
      repoPath,
      ...(opts.backup.s3 ? { s3: s3Input(opts.backup.s3, backupPaths.s3Ca) } : {}),
      pgPath: join(pgDir, 'data'),
      pgPort,
      pgSocketPath: pgDir,
      retention: opts.backup.retention,
      ...(opts.backup.cipherPass ? { cipherPass: opts.backup.cipherPass } : {}),
      lockPath: backupPaths.lock,
      logPath: backupPaths.log,
      spoolPath: backupPaths.spool,
    }), opts.backup.s3?.caCertificate);
  }
  const postgres = new PostgresServer({
    dir: pgDir, port: pgPort, superPassword: randomBytes(12).toString('hex'),
    settings: {
      ...(opts.backup ? archiveSettings({ stanza: opts.backup.stanza, confFile: backupPaths.conf, archiveTimeoutS: opts.backup.archiveTimeoutS }) : {}),
      ...opts.postgresSettings,
    },
  });
  const redis = new RedisServer({ dir: join(dir, 'redis'), port: redisPort, password: opts.redisPassword, config });
  const bouncerDir = join(dir, 'pgbouncer');
  const pgbouncer = new PgbouncerServer({
    dir: bouncerDir,
    port: bouncerPort,
    ini: loopbackPgbouncerIni(ctx, bouncerDir),
    userlist: renderPgbouncerUserlist(pgbouncerUsers({ dbPassword: password, pgbouncerStatsPassword: statsUser.password })),
  });

  const stop = async () => {
    await Promise.all([pgbouncer.stop(), redis.stop()]);
    await postgres.stop();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([postgres.start(), redis.start()]);
    // Idempotent: a kept --dir finds its stanza there already.
    if (backup) await pgbackrest(backup.confFile, backup.stanza, ['stanza-create']);
    await postgres.createDatabase(database, user, password);
    await pgbouncer.start();
  } catch (err) {
    await stop();
    throw err;
  }
  const auth = `${encodeURIComponent(user)}:${password}`;
  return {
    dir,
    postgres,
    pgbouncer,
    redis,
    databaseUrl: `postgres://${auth}@127.0.0.1:${bouncerPort}/${database}`,
    directDatabaseUrl: `postgres://${auth}@127.0.0.1:${pgPort}/${database}`,
    redisUrl: redis.url(),
    statsUser,
    ...(backup ? { backup } : {}),
    stop,
  };
}

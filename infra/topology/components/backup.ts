// Backups on Docker: PostgreSQL archives every WAL segment with pgBackRest into a backup volume,
// and a backup container (same image, the postgres user, read-only root) takes the scheduled
// full and differential backups there and writes the backup figures node-exporter serves. The
// image is the stack's pinned postgres image with pgBackRest added (infra/images/postgres-pgbackrest).
import { BACKUP_METRICS_FILE, renderBackupMetricsJq } from '../../../monitoring/backup-metrics.js';
import { renderBackupScheduleScript } from '../../render/backup-schedule.js';
import { archiveSettings, renderPgbackrestConf, type PgbackrestS3 } from '../../render/pgbackrest.js';
import { DEFAULT_STOP_GRACE_S, configPath, secretPath, type BuildContext } from '../context.js';
import { BACKUP_S3_SECRETS, backupS3RepoPath, type BackupS3Settings } from '../config-backup-s3.js';
import { withoutDigest } from '../images.js';
import { BACKUP_STANZA, DATABASE, PORTS } from '../names.js';
import { PGDATA, POSTGRES_DATA_MOUNT, POSTGRES_SOCKET_DIR, postgresSocketVolume } from './postgres-layout.js';
import { secretText, type Component, type ConfigFile, type ImageRef, type Secrets, type VolumeMount } from '../types.js';

/** The repository: a volume of PostgreSQL's, mounted in the backup container too. */
export const BACKUP_REPO_DIR = '/var/lib/pgbackrest';
/** The backup figures (node-exporter's textfile folder): the backup container's volume, read by node-exporter. */
export const BACKUP_METRICS_DIR = '/var/lib/shortstack/backup-metrics';
/** pgbackrest.conf holds the repository's cipher passphrase: a secret file, 0400, the postgres user's. */
export const PGBACKREST_CONF = secretPath('pgbackrest.conf');
/** The S3 endpoint's CA (backupS3.caCertificate), beside the config wherever pgBackRest runs. */
export const BACKUP_S3_CA = configPath('backup-s3-ca.pem');
const SCHEDULE_SCRIPT = configPath('backup-schedule.sh');
const METRICS_PROGRAM = configPath('backup-metrics.jq');
/** Checks for a due backup this often; the schedule itself is in hours (stack config `backup`). */
export const BACKUP_CHECK_EVERY_S = 60;

export const backupRepoVolume: VolumeMount = { name: 'backup-repo', mountPath: BACKUP_REPO_DIR };

/** The image's name: the postgres tag it is built from, so a new pin is a new image. */
export function postgresImageName(postgresRef: string): string {
  const tag = withoutDigest(postgresRef).split(':')[1] ?? 'pinned';
  return `shortstack-postgres-pgbackrest:${tag}`;
}

export function postgresImage(ctx: BuildContext): ImageRef {
  return {
    kind: 'build',
    name: postgresImageName(ctx.config.images.postgres),
    dockerfile: 'infra/images/postgres-pgbackrest/Dockerfile',
    context: 'infra/images/postgres-pgbackrest',
    args: { POSTGRES_IMAGE: ctx.config.images.postgres, BACKUP_REPO_DIR, BACKUP_METRICS_DIR },
  };
}

/** The renderer's S3 input: the stack's bucket, its key pair, and its CA as the file beside the config. */
const s3Input = ({ caCertificate, ...s3 }: BackupS3Settings, s: Secrets): PgbackrestS3 => ({
  ...s3, key: s.backupS3AccessKey ?? '', keySecret: s.backupS3SecretKey ?? '', ...(caCertificate ? { caFile: BACKUP_S3_CA } : {}),
});

/**
 * The stack's pgbackrest.conf, from the shared renderer: the repository in its volume (or the
 * configured S3 bucket, its keys from the secrets), lock and spool on /tmp.
 */
function pgbackrestConfFile(ctx: BuildContext): ConfigFile {
  const { backup, backupS3 } = ctx.config;
  return {
    path: PGBACKREST_CONF,
    content: secretText(['backupCipherPass', ...(backupS3 ? BACKUP_S3_SECRETS : [])], (s) => renderPgbackrestConf({
      stanza: BACKUP_STANZA,
      repoPath: backupS3 ? backupS3RepoPath(ctx.stackName) : `${BACKUP_REPO_DIR}/repo`,
      ...(backupS3 ? { s3: s3Input(backupS3, s) } : {}),
      pgPath: PGDATA,
      pgPort: PORTS.postgres.postgres,
      pgSocketPath: POSTGRES_SOCKET_DIR,
      pgUser: DATABASE.user,
      retention: { full: backup.retentionFull, diff: backup.retentionDiff },
      cipherPass: s.backupCipherPass,
      lockPath: '/tmp/pgbackrest',
      spoolPath: '/tmp/pgbackrest/spool',
    })),
  };
}

/** pgbackrest.conf, and the S3 endpoint's CA when the stack gives one: every container that runs pgBackRest gets both. */
export function pgbackrestFiles(ctx: BuildContext): ConfigFile[] {
  const ca = ctx.config.backupS3?.caCertificate;
  return [pgbackrestConfFile(ctx), ...(ca ? [{ path: BACKUP_S3_CA, content: ca }] : [])];
}

/** PostgreSQL's command-line settings that archive each WAL segment into the repository. */
export function postgresArchiveArgs(ctx: BuildContext): string[] {
  const settings = archiveSettings({ stanza: BACKUP_STANZA, confFile: PGBACKREST_CONF, archiveTimeoutS: ctx.config.backup.archiveTimeoutS });
  return Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

export function postgresBackup(ctx: BuildContext): Component {
  const { config } = ctx;
  const h = 3600;
  return {
    name: 'postgres-backup',
    image: postgresImage(ctx),
    ports: { ...PORTS['postgres-backup'] },
    replicas: 1,
    oneShot: false,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    // The image's entrypoint runs any command other than `postgres` as given.
    command: ['sh', SCHEDULE_SCRIPT],
    env: {},
    files: [
      {
        path: SCHEDULE_SCRIPT,
        content: renderBackupScheduleScript({
          confFile: PGBACKREST_CONF, stanza: BACKUP_STANZA,
          fullEveryS: config.backup.fullEveryHours * h, diffEveryS: config.backup.diffEveryHours * h,
          checkEveryS: BACKUP_CHECK_EVERY_S,
          metricsProgram: METRICS_PROGRAM, metricsDir: BACKUP_METRICS_DIR, metricsFile: BACKUP_METRICS_FILE,
        }),
      },
      { path: METRICS_PROGRAM, content: renderBackupMetricsJq() },
      ...pgbackrestFiles(ctx),
    ],
    dependsOn: [{ component: 'postgres', condition: 'healthy' }],
    volumes: [
      { ...backupRepoVolume, owner: 'postgres' },
      // pgBackRest reads the cluster's files (same path as in PostgreSQL's container: it checks
      // pg1-path against the server's data_directory) and never writes them while backing up.
      { name: 'postgres-data', mountPath: POSTGRES_DATA_MOUNT, owner: 'postgres', readOnly: true },
      // It asks PostgreSQL to start and stop each backup over the unix socket.
      { ...postgresSocketVolume, owner: 'postgres' },
      { name: 'backup-metrics', mountPath: BACKUP_METRICS_DIR, kind: 'scratch' },
    ],
    tmpfs: ['/tmp'],
    hostMounts: [],
    networks: ['backend'],
    resources: config.resources['postgres-backup'],
    user: '70:70',
    readOnlyRootFs: true,
    publish: [],
  };
}

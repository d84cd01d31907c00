// The backup repository in S3-compatible storage (stack config `backupS3`), instead of the
// backup volume: pgBackRest on Docker (and loopback) archives WAL and stores backups there, under
// a folder per stack. The access keys are secrets of their own (`backupS3AccessKey`,
// `backupS3SecretKey`, set with --secret; secret-table.ts), needed together with the bucket.
import type { Raw, Reader } from './config-reader.js';

export interface BackupS3Settings {
  bucket: string;
  /** The S3 API's host, e.g. s3.eu-west-1.amazonaws.com or a MinIO / Ceph endpoint. */
  endpoint: string;
  region: string;
  /** host: bucket.endpoint (AWS); path: endpoint/bucket (most self-hosted stores). */
  uriStyle: 'host' | 'path';
  /** Off only for a test store with a self-signed certificate. */
  verifyTls: boolean;
}

export const BACKUP_S3_KEYS = ['backupS3'] as const;
/** The secrets backupS3 needs (its keys in secret-table.ts). */
export const BACKUP_S3_SECRETS = ['backupS3AccessKey', 'backupS3SecretKey'] as const;

/** S3's bucket names: 3-63 lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

export function parseBackupS3Settings(r: Reader, raw: Raw, placement: string): BackupS3Settings | undefined {
  // The keys alone (set before the bucket) are kept unread.
  if (raw.backupS3 === undefined) return undefined;
  if (placement === 'aws') {
    r.problems.backupS3 = 'is for the docker placement only, not aws: RDS keeps the backups there (aws.rds.backupRetentionDays)';
    return undefined;
  }
  const s = r.object(raw, 'backupS3', 'backupS3', ['bucket', 'endpoint', 'region', 'uriStyle', 'verifyTls']);
  for (const k of ['bucket', 'endpoint', 'region'] as const) if (s[k] === undefined) r.problems[`backupS3.${k}`] = 'must be set';
  const settings: BackupS3Settings = {
    bucket: r.str(s, 'bucket', 'backupS3.bucket', '', BUCKET, 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)'),
    endpoint: r.str(s, 'endpoint', 'backupS3.endpoint', '', HOST, 'a host name (and port) without a scheme, e.g. s3.eu-west-1.amazonaws.com'),
    region: r.str(s, 'region', 'backupS3.region', '', /^[a-z0-9-]+$/, 'a region name such as eu-west-1'),
    uriStyle: r.str(s, 'uriStyle', 'backupS3.uriStyle', 'host', /^(host|path)$/, '"host" or "path"') as 'host' | 'path',
    verifyTls: r.bool(s, 'verifyTls', 'backupS3.verifyTls', true),
  };
  for (const k of BACKUP_S3_SECRETS) {
    if (raw[k] === undefined) r.problems[k] = `must be set with backupS3 (pulumi config set --secret shortstack:${k} ...)`;
  }
  return settings;
}

// The backup repository in S3-compatible storage (stack config `backupS3`), instead of the
// backup volume: pgBackRest on Docker (and loopback) archives WAL and stores backups there, under
// a folder per stack. The access keys are secrets of their own (`backupS3AccessKey`,
// `backupS3SecretKey`, set with --secret; secret-table.ts), needed together with the bucket.
import { Type, type Static } from 'typebox';
import { bool, oneOf, onlyOn, section, str } from './config-schema-kit.js';
import type { Raw } from './config-check.js';

/** S3's bucket names: 3-63 lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

export const BACKUP_S3_SCHEMA = {
  backupS3: Type.Optional(onlyOn('docker', 'RDS keeps the backups there (aws.rds.backupRetentionDays)', section({
    bucket: str(undefined, BUCKET, 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)'),
    /** The S3 API's host, e.g. s3.eu-west-1.amazonaws.com or a MinIO / Ceph endpoint. */
    endpoint: str(undefined, HOST, 'a host name (and port) without a scheme, e.g. s3.eu-west-1.amazonaws.com'),
    region: str(undefined, /^[a-z0-9-]+$/, 'a region name such as eu-west-1'),
    /** host: bucket.endpoint (AWS); path: endpoint/bucket (most self-hosted stores). */
    uriStyle: oneOf(['host', 'path'], 'host'),
    /** Off only for a test store with a self-signed certificate. */
    verifyTls: bool(true),
  }))),
};

export type BackupS3Settings = Static<(typeof BACKUP_S3_SCHEMA)['backupS3']>;

/** The secrets backupS3 needs (its keys in secret-table.ts). */
export const BACKUP_S3_SECRETS = ['backupS3AccessKey', 'backupS3SecretKey'] as const;

/** The bucket needs its key pair; the keys alone (set before the bucket) are kept unread. */
export function backupS3Problems(raw: Raw): Record<string, string> {
  if (raw.backupS3 === undefined) return {};
  return Object.fromEntries(BACKUP_S3_SECRETS.filter((k) => raw[k] === undefined)
    .map((k) => [k, `must be set with backupS3 (pulumi config set --secret shortstack:${k} ...)`]));
}

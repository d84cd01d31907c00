// The backup repository in S3-compatible storage (stack config `backupS3`), instead of the
// backup volume: pgBackRest on Docker (and loopback) archives WAL and stores backups there, under
// a folder per stack. The access keys are secrets of their own (`backupS3AccessKey`,
// `backupS3SecretKey`, set with --secret; secret-table.ts), needed together with the bucket.
// A private endpoint whose certificate no public CA signed gives its CA (`caCertificate`, PEM)
// rather than turning the check off.
import { Type, type Static } from 'typebox';
import { bool, oneOf, onlyOn, section, str } from './config-schema-kit.js';
import { isObject, type Raw } from './config-check.js';

/** S3's bucket names: 3-63 lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;
const PEM_CERTIFICATE = /^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;

export const BACKUP_S3_SCHEMA = {
  backupS3: Type.Optional(onlyOn('docker', 'RDS keeps the backups there (aws.rds.backupRetentionDays)', section({
    bucket: str(undefined, BUCKET, 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)'),
    /** The S3 API's host, e.g. s3.eu-west-1.amazonaws.com or a MinIO / Ceph endpoint. */
    endpoint: str(undefined, HOST, 'a host name (and port) without a scheme, e.g. s3.eu-west-1.amazonaws.com'),
    region: str(undefined, /^[a-z0-9-]+$/, 'a region name such as eu-west-1'),
    /** host: bucket.endpoint (AWS); path: endpoint/bucket (most self-hosted stores). */
    uriStyle: oneOf(['host', 'path'], 'host'),
    /** Off only for a throwaway test store: a private endpoint gives its CA instead. */
    verifyTls: bool(true),
    /** The CA (PEM) that signed the endpoint's certificate, when the system does not trust it already. */
    caCertificate: Type.Optional(str(undefined, PEM_CERTIFICATE, 'a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)')),
  }))),
};

export type BackupS3Settings = Static<(typeof BACKUP_S3_SCHEMA)['backupS3']>;

/** The secrets backupS3 needs (its keys in secret-table.ts). */
export const BACKUP_S3_SECRETS = ['backupS3AccessKey', 'backupS3SecretKey'] as const;

/** The stack's folder in the bucket: one bucket may hold several stacks' repositories. */
export const backupS3RepoPath = (stackName: string): string => `/shortstack/${stackName}`;

/**
 * The bucket needs its key pair; the keys alone (set before the bucket) are kept unread. A CA
 * with the check off would be read by nothing: refused, so no one believes it in force.
 */
export function backupS3Problems(raw: Raw): Record<string, string> {
  if (raw.backupS3 === undefined) return {};
  const s3 = isObject(raw.backupS3) ? raw.backupS3 : {};
  return {
    ...Object.fromEntries(BACKUP_S3_SECRETS.filter((k) => raw[k] === undefined)
      .map((k) => [k, `must be set with backupS3 (pulumi config set --secret shortstack:${k} ...)`])),
    ...(s3.caCertificate !== undefined && String(s3.verifyTls) === 'false'
      ? { 'backupS3.caCertificate': 'is not read with verifyTls false: keep the check on (the CA makes it pass) or drop the CA' } : {}),
  };
}

// The loopback stack's pgBackRest settings from its stack config, as the Docker placement reads
// them (../topology/components/backup.ts): retention and the archive timeout (`backup`), the
// repository's cipher, and the bucket (`backupS3`) when set. Its key pair is the stack config's
// too (`backupS3AccessKey`, `backupS3SecretKey`: the config parser refuses the bucket without it).
import type { Raw } from '../topology/config-check.js';
import { BACKUP_S3_SECRETS } from '../topology/config-backup-s3.js';
import type { StackConfig } from '../topology/config.js';
import { BACKUP_STANZA } from '../topology/names.js';
import type { BackupOptions } from './data-services.js';

function secret(raw: Raw, k: (typeof BACKUP_S3_SECRETS)[number]): string {
  const v = raw[k];
  if (typeof v !== 'string' || v === '') throw new Error(`backupS3 needs ${k} in the stack config`);
  return v;
}

/** `raw` is the stack config as given (the key pair is in it), `config` the same parsed. */
export function loopbackBackupOptions(raw: Raw, config: StackConfig, cipherPass: string): BackupOptions {
  const { backup, backupS3 } = config;
  const [key, keySecret] = BACKUP_S3_SECRETS;
  return {
    stanza: BACKUP_STANZA,
    retention: { full: backup.retentionFull, diff: backup.retentionDiff },
    archiveTimeoutS: backup.archiveTimeoutS,
    cipherPass,
    ...(backupS3 ? { s3: { ...backupS3, key: secret(raw, key), keySecret: secret(raw, keySecret) } } : {}),
  };
}

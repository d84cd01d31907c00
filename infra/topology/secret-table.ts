// Every secret of a stack, once: its config key (`shortstack:<name>`, set with --secret), and
// whether it is generated when unset (with its length) or optional (a receiver not configured).
// The config parser's known keys, the Pulumi placements' generated values and the loopback
// stack's own all read this table.

export const SECRET_TABLE = {
  dbPassword: { generatedLength: 32 },
  redisPassword: { generatedLength: 32 },
  grafanaAdminPassword: { generatedLength: 24 },
  adminApiKey: { generatedLength: 40 },
  /** PgBouncer's stats user, used by the exporter. */
  pgbouncerStatsPassword: { generatedLength: 32 },
  /** pgBackRest's repository cipher: backups and archived WAL are encrypted at rest (aes-256-cbc). */
  backupCipherPass: { generatedLength: 48 },
  discordWebhookUrl: { optional: true },
  pagerdutyRoutingKey: { optional: true },
  /** The dead man's switch: an external heartbeat URL the Watchdog alert keeps calling. */
  deadMansSwitchUrl: { optional: true },
  smtpPassword: { optional: true },
  /** The S3-compatible backup repository's access key pair (config-backup-s3.ts), when backupS3 is set. */
  backupS3AccessKey: { optional: true },
  backupS3SecretKey: { optional: true },
} as const satisfies Record<string, { generatedLength: number } | { optional: true }>;

type Table = typeof SECRET_TABLE;
export type SecretName = keyof Table;
export type GeneratedSecret = { [K in SecretName]: Table[K] extends { generatedLength: number } ? K : never }[SecretName];
export type OptionalSecret = Exclude<SecretName, GeneratedSecret>;

export const SECRET_NAMES = Object.keys(SECRET_TABLE) as SecretName[];
export const GENERATED_SECRETS = SECRET_NAMES.filter((k): k is GeneratedSecret => 'generatedLength' in SECRET_TABLE[k]);
export const OPTIONAL_SECRETS = SECRET_NAMES.filter((k): k is OptionalSecret => !('generatedLength' in SECRET_TABLE[k]));

export const generatedLength = (k: GeneratedSecret): number => (SECRET_TABLE[k] as { generatedLength: number }).generatedLength;

// The stack's configuration (Pulumi.<stack>.yaml, namespace `shortstack`): declared once in
// config-schema.ts (types, defaults, messages), checked across keys by config-rules.ts, in one
// pass that reports every bad key at once, so an operator fixes a stack in one go.
import { PUBLIC_HOST } from './addressing.js';
import { awsSettings, tierOf, type AwsSettings } from './config-aws.js';
import type { BackupS3Settings } from './config-backup-s3.js';
import { checkAgainst, isObject, type Raw } from './config-check.js';
import { crossKeyProblems, placementOnlyProblems, redisDefaultMb } from './config-rules.js';
import { RETIRED_KEYS, stackFileSchema, type StackFile } from './config-schema.js';
import { tlsSettings, type TlsSettings } from './config-tls.js';
import type { ComponentName } from './names.js';
import { SECRET_NAMES, type SecretName } from './secret-table.js';

export type { PlacementName } from './config-schema-kit.js';
export type { Raw } from './config-check.js';

/** The keys whose value config.ts derives (or, for secrets, leaves to the placements). */
type Derived = 'aws' | 'publicPort' | 'publicBaseUrl' | 'hstsMaxAge' | 'domain' | 'acmeEmail' | 'acmeDirectory' | 'publicHttpsPort' | 'backupS3' | SecretName;

export type StackConfig = Omit<StackFile, Derived> & {
  /** The AWS placement's own settings; present exactly when placement is aws. */
  aws?: AwsSettings;
  /** nginx, published on every interface of the host (plain HTTP; 80 by default with a domain, for ACME's HTTP-01). */
  publicPort: number;
  /** HTTPS on Docker, certificates over ACME (config-tls.ts); absent: plain HTTP. */
  tls?: TlsSettings;
  /** Strict-Transport-Security max-age (s) on HTTPS answers; 0: no header. */
  hstsMaxAgeS: number;
  /** The address clients use, without a trailing slash; short links are built on it. */
  publicBaseUrl: string;
  /** The backup repository in S3-compatible storage instead of the backup volume (config-backup-s3.ts). */
  backupS3?: BackupS3Settings;
};
export type Resources = StackConfig['resources'][ComponentName];
export type SmtpSettings = NonNullable<StackConfig['alerts']['smtp']>;
export type AlertTimingConfig = StackConfig['alerts']['timing'];

/** Keys read by the placement as secrets (generated when absent); declared so they are not "unknown". */
export const SECRET_CONFIG_KEYS: readonly SecretName[] = SECRET_NAMES;
/** Every key under `shortstack:` a stack file may set (besides the secrets). */
export const TOP_KEYS = Object.keys(stackFileSchema().properties).filter((k) => !(SECRET_NAMES as string[]).includes(k));

export class StackConfigError extends Error {
  constructor(readonly problems: Record<string, string>) {
    super(`invalid stack configuration:\n${Object.entries(problems).map(([k, v]) => `  shortstack:${k} ${v}`).join('\n')}`);
    this.name = 'StackConfigError';
  }
}

/** Where the placement runs beyond the stack's own keys: the AWS provider's region. */
export interface ProviderConfig {
  awsRegion?: string;
}

/** The defaults that follow other keys: TLS, ports and base URL, the AWS branch, Redis's container. */
function resolve(file: StackFile, raw: Raw, provider: ProviderConfig): StackConfig {
  const {
    aws: awsKeys, publicPort: setPort, publicBaseUrl: setBaseUrl, hstsMaxAge, domain, acmeEmail, acmeDirectory, publicHttpsPort, backupS3,
    ...rest
  } = file;
  for (const k of SECRET_NAMES) delete rest[k];
  const tls = tlsSettings({ domain, acmeEmail, acmeDirectory, publicHttpsPort });
  const aws = file.placement === 'aws' && awsKeys ? awsSettings(awsKeys, provider.awsRegion, file.replicas) : undefined;
  // ACME's HTTP-01 challenge comes to port 80.
  const publicPort = setPort ?? (tls ? 80 : 8080);
  const httpsBase = tls ? `https://${tls.domain}${tls.publicHttpsPort === 443 ? '' : `:${tls.publicHttpsPort}`}` : undefined;
  // On AWS without a publicBaseUrl: the domain, or the ALB's own name (bound once it exists).
  const awsBase = aws && setBaseUrl === undefined ? `${aws.domain || aws.certificateArn ? 'https' : 'http'}://${aws.domain ?? PUBLIC_HOST}` : undefined;
  const redis = isObject(raw.resources) && isObject(raw.resources.redis) ? raw.resources.redis : {};
  return {
    ...rest,
    ...(aws ? { aws } : {}),
    publicPort,
    ...(tls ? { tls } : {}),
    hstsMaxAgeS: hstsMaxAge,
    publicBaseUrl: awsBase ?? (setBaseUrl ?? httpsBase ?? `http://localhost:${publicPort}`).replace(/\/$/, ''),
    resources: redis.memoryMb === undefined
      ? { ...rest.resources, redis: { ...rest.resources.redis, memoryMb: redisDefaultMb(rest.cache.redisMaxMemoryMb) } } : rest.resources,
    ...(backupS3 ? { backupS3 } : {}),
  };
}

/**
 * Validates raw stack config (keys without the `shortstack:` prefix; values typed or as strings,
 * as Pulumi hands them over) and fills the defaults. Throws StackConfigError naming every bad key.
 */
export function parseStackConfig(raw: Raw, provider: ProviderConfig = {}): StackConfig {
  const schema = stackFileSchema(tierOf(raw));
  // On AWS the aws branch is there with its defaults even when the stack file sets none of it.
  const { value, problems } = checkAgainst(schema, raw.placement === 'aws' && raw.aws === undefined ? { ...raw, aws: {} } : raw);
  for (const [k, why] of Object.entries(RETIRED_KEYS)) if (k in problems) problems[k] = why;
  const config = resolve(value, raw, provider);
  const more = { ...placementOnlyProblems(schema, raw, config.placement), ...crossKeyProblems(config, raw) };
  for (const [k, why] of Object.entries(more)) problems[k] ??= why;
  if (Object.keys(problems).length > 0) throw new StackConfigError(problems);
  return config;
}

/**
 * Pulumi hands config over as strings (objects and numbers JSON-encoded) keyed `project:key`.
 * This strips the namespace and decodes JSON where it parses, leaving plain strings as they are.
 */
export function fromPulumiConfig(all: Record<string, string>, namespace = 'shortstack'): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(all)) {
    if (!k.startsWith(`${namespace}:`)) continue;
    const key = k.slice(namespace.length + 1);
    try {
      out[key] = JSON.parse(v);
    } catch {
      out[key] = v;
    }
  }
  return out;
}

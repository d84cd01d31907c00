// The `aws` branch of the stack config (`shortstack:aws`): what only the AWS placement reads.
// A tier (dev or prod) sets the defaults that differ between a throwaway and a real stack;
// every key can still be set on its own.
import { Type, type Static } from 'typebox';
import { bool, group, int, oneOf, onlyOn, section, str } from './config-schema-kit.js';
import type { Raw } from './config-check.js';

export type AwsTier = 'dev' | 'prod';

const TIER_DEFAULTS = {
  dev: {
    azCount: 2, natGateways: 'one', vpcEndpoints: false, instanceClass: 'db.t4g.micro', multiAz: false,
    backupRetentionDays: 1, deletionProtection: false, nodeType: 'cache.t4g.micro', logRetentionDays: 7,
  },
  prod: {
    azCount: 3, natGateways: 'per-az', vpcEndpoints: true, instanceClass: 'db.m7g.large', multiAz: true,
    backupRetentionDays: 14, deletionProtection: true, nodeType: 'cache.m7g.large', logRetentionDays: 30,
  },
} as const;

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The tier a raw stack config asks for (dev unless it says prod), which decides the defaults below. */
export const tierOf = (raw: Raw): AwsTier => ((raw.aws as Raw | undefined)?.tier === 'prod' ? 'prod' : 'dev');

/** The `aws` key, with the defaults of a tier. maxReplicas and the storage ceiling follow other keys (awsSettings). */
export function awsSchema(tier: AwsTier) {
  const d = TIER_DEFAULTS[tier];
  return Type.Optional(onlyOn('aws', 'it is the AWS placement\'s branch', section({
    tier: oneOf(['dev', 'prod'], 'dev'),
    // Cut into 16 subnets.
    vpcCidr: str('10.40.0.0/16', /^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|20)$/, 'an IPv4 CIDR of /16 to /20 such as 10.40.0.0/16'),
    /** Availability zones the subnets span (2 in dev, 3 in prod). */
    azCount: int(2, 3, d.azCount),
    /** One NAT gateway for the VPC (dev), or one per zone so a zone's loss leaves egress (prod). */
    natGateways: oneOf(['one', 'per-az'], d.natGateways),
    /** Interface endpoints for ECR, Secrets Manager and CloudWatch Logs, and the S3 gateway. */
    vpcEndpoints: bool(d.vpcEndpoints),
    /** The app service scales on CPU from `replicas` up to this (4 x replicas by default). */
    maxReplicas: Type.Optional(int(1, 1000)),
    cpuTargetPercent: int(10, 95, 60),
    /** HTTPS: an existing ACM certificate, or a domain in a Route 53 zone to issue one for. */
    certificateArn: Type.Optional(str(undefined, /^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/, 'an ACM certificate ARN')),
    domain: Type.Optional(str()),
    hostedZoneId: Type.Optional(str()),
    rds: group({
      instanceClass: str(d.instanceClass, /^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS class such as db.t4g.micro'),
      engineVersion: str('15.13', /^\d+(\.\d+)?$/, 'a PostgreSQL version such as 15.13'),
      allocatedStorageGiB: int(20, 65536, 20),
      /** Storage autoscaling ceiling (5 x the allocated storage by default). */
      maxAllocatedStorageGiB: Type.Optional(int(20, 65536)),
      multiAz: bool(d.multiAz),
      backupRetentionDays: int(1, 35, d.backupRetentionDays),
      deletionProtection: bool(d.deletionProtection),
    }),
    cache: group({
      nodeType: str(d.nodeType, /^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'a node type such as cache.t4g.micro'),
      engineVersion: str('7.2', /^\d+(\.\d+)?$/, 'a Valkey version such as 7.2'),
    }),
    logRetentionDays: oneOf(LOG_RETENTION_DAYS, d.logRetentionDays, `one of CloudWatch's periods: ${LOG_RETENTION_DAYS.join(', ')}`),
  })));
}

type AwsKeys = Static<ReturnType<typeof awsSchema>>;

export type AwsSettings = Omit<AwsKeys, 'maxReplicas' | 'rds'> & {
  /** `aws:region`, the provider's own key. */
  region: string;
  maxReplicas: number;
  rds: Omit<AwsKeys['rds'], 'maxAllocatedStorageGiB'> & { maxAllocatedStorageGiB: number };
};

/** The settings with the defaults that follow other keys: the replicas and the allocated storage. */
export function awsSettings(keys: AwsKeys, region: string | undefined, replicas: number): AwsSettings {
  return {
    ...keys,
    region: region ?? '',
    maxReplicas: keys.maxReplicas ?? Math.min(1000, replicas * 4),
    rds: { ...keys.rds, maxAllocatedStorageGiB: keys.rds.maxAllocatedStorageGiB ?? keys.rds.allocatedStorageGiB * 5 },
  };
}

export function awsProblems(a: AwsSettings, replicas: number): Record<string, string> {
  const problems: Record<string, string> = {};
  if (a.region.trim() === '') problems['aws:region'] = 'must be set for the aws placement (pulumi config set aws:region eu-west-1)';
  if (a.maxReplicas < replicas) problems['aws.maxReplicas'] = `must be at least replicas (${replicas}): the service scales from replicas up`;
  if (a.rds.maxAllocatedStorageGiB < a.rds.allocatedStorageGiB) {
    problems['aws.rds.maxAllocatedStorageGiB'] = `must be at least aws.rds.allocatedStorageGiB (${a.rds.allocatedStorageGiB}): it is the storage autoscaling ceiling`;
  }
  if ((a.domain === undefined) !== (a.hostedZoneId === undefined)) {
    problems['aws.domain'] = 'and aws.hostedZoneId go together: the certificate is validated and the name published in that Route 53 zone';
  }
  return problems;
}

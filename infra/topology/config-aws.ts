// The `aws` branch of the stack config (`shortstack:aws`): what only the AWS placement reads.
// A tier (dev or prod) sets the defaults that differ between a throwaway and a real stack;
// every key can still be set on its own.
import { CIDR, Reader, type Raw } from './config-reader.js';

export type AwsTier = 'dev' | 'prod';

export interface AwsSettings {
  /** `aws:region`, the provider's own key. */
  region: string;
  tier: AwsTier;
  vpcCidr: string;
  /** Availability zones the subnets span (2 in dev, 3 in prod). */
  azCount: number;
  /** One NAT gateway for the VPC (dev), or one per zone so a zone's loss leaves egress (prod). */
  natGateways: 'one' | 'per-az';
  /** Interface endpoints for ECR, Secrets Manager and CloudWatch Logs, and the S3 gateway. */
  vpcEndpoints: boolean;
  /** The app service scales on CPU from `replicas` up to this. */
  maxReplicas: number;
  cpuTargetPercent: number;
  /** HTTPS: an existing ACM certificate, or a domain in a Route 53 zone to issue one for. */
  certificateArn?: string;
  domain?: string;
  hostedZoneId?: string;
  rds: {
    instanceClass: string;
    engineVersion: string;
    allocatedStorageGiB: number;
    /** Storage autoscaling ceiling. */
    maxAllocatedStorageGiB: number;
    multiAz: boolean;
    backupRetentionDays: number;
    deletionProtection: boolean;
  };
  cache: { nodeType: string; engineVersion: string };
  logRetentionDays: number;
}

export const AWS_KEYS = ['tier', 'vpcCidr', 'azCount', 'natGateways', 'vpcEndpoints', 'maxReplicas', 'cpuTargetPercent',
  'certificateArn', 'domain', 'hostedZoneId', 'rds', 'cache', 'logRetentionDays'] as const;

const TIER_DEFAULTS: Record<AwsTier, {
  azCount: number; natGateways: 'one' | 'per-az'; vpcEndpoints: boolean; instanceClass: string; multiAz: boolean;
  backupRetentionDays: number; deletionProtection: boolean; nodeType: string; logRetentionDays: number;
}> = {
  dev: {
    azCount: 2, natGateways: 'one', vpcEndpoints: false, instanceClass: 'db.t4g.micro', multiAz: false,
    backupRetentionDays: 1, deletionProtection: false, nodeType: 'cache.t4g.micro', logRetentionDays: 7,
  },
  prod: {
    azCount: 3, natGateways: 'per-az', vpcEndpoints: true, instanceClass: 'db.m7g.large', multiAz: true,
    backupRetentionDays: 14, deletionProtection: true, nodeType: 'cache.m7g.large', logRetentionDays: 30,
  },
};

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export function parseAwsSettings(r: Reader, raw: Raw, region: string | undefined, replicas: number): AwsSettings {
  if (region === undefined || region.trim() === '') r.problems['aws:region'] = 'must be set for the aws placement (pulumi config set aws:region eu-west-1)';
  const a = r.object(raw, 'aws', 'aws', AWS_KEYS);
  const tier = r.str(a, 'tier', 'aws.tier', 'dev', /^(dev|prod)$/, '"dev" or "prod"') as AwsTier;
  const d = TIER_DEFAULTS[tier];
  const vpcCidr = r.str(a, 'vpcCidr', 'aws.vpcCidr', '10.40.0.0/16', CIDR, 'an IPv4 CIDR of /16 to /20 such as 10.40.0.0/16');
  const prefix = Number(vpcCidr.split('/')[1]);
  if (prefix < 16 || prefix > 20) r.problems['aws.vpcCidr'] = `must be /16 to /20 (got /${prefix}): it is cut into 16 subnets`;
  const rds = r.object(a, 'rds', 'aws.rds', ['instanceClass', 'engineVersion', 'allocatedStorageGiB', 'maxAllocatedStorageGiB',
    'multiAz', 'backupRetentionDays', 'deletionProtection']);
  const cache = r.object(a, 'cache', 'aws.cache', ['nodeType', 'engineVersion']);
  const allocated = r.int(rds, 'allocatedStorageGiB', 'aws.rds.allocatedStorageGiB', 20, 20, 65536);
  const settings: AwsSettings = {
    region: region ?? '',
    tier,
    vpcCidr,
    azCount: r.int(a, 'azCount', 'aws.azCount', d.azCount, 2, 3),
    natGateways: r.str(a, 'natGateways', 'aws.natGateways', d.natGateways, /^(one|per-az)$/, '"one" or "per-az"') as 'one' | 'per-az',
    vpcEndpoints: r.bool(a, 'vpcEndpoints', 'aws.vpcEndpoints', d.vpcEndpoints),
    maxReplicas: r.int(a, 'maxReplicas', 'aws.maxReplicas', Math.min(1000, replicas * 4), 1, 1000),
    cpuTargetPercent: r.int(a, 'cpuTargetPercent', 'aws.cpuTargetPercent', 60, 10, 95),
    rds: {
      instanceClass: r.str(rds, 'instanceClass', 'aws.rds.instanceClass', d.instanceClass, /^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS class such as db.t4g.micro'),
      engineVersion: r.str(rds, 'engineVersion', 'aws.rds.engineVersion', '15.13', /^\d+(\.\d+)?$/, 'a PostgreSQL version such as 15.13'),
      allocatedStorageGiB: allocated,
      maxAllocatedStorageGiB: r.int(rds, 'maxAllocatedStorageGiB', 'aws.rds.maxAllocatedStorageGiB', allocated * 5, allocated, 65536),
      multiAz: r.bool(rds, 'multiAz', 'aws.rds.multiAz', d.multiAz),
      backupRetentionDays: r.int(rds, 'backupRetentionDays', 'aws.rds.backupRetentionDays', d.backupRetentionDays, 1, 35),
      deletionProtection: r.bool(rds, 'deletionProtection', 'aws.rds.deletionProtection', d.deletionProtection),
    },
    cache: {
      nodeType: r.str(cache, 'nodeType', 'aws.cache.nodeType', d.nodeType, /^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'a node type such as cache.t4g.micro'),
      engineVersion: r.str(cache, 'engineVersion', 'aws.cache.engineVersion', '7.2', /^\d+(\.\d+)?$/, 'a Valkey version such as 7.2'),
    },
    logRetentionDays: r.int(a, 'logRetentionDays', 'aws.logRetentionDays', d.logRetentionDays, 1, 3653),
  };
  if (settings.maxReplicas < replicas) r.problems['aws.maxReplicas'] = `must be at least replicas (${replicas}): the service scales from replicas up`;
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(settings.logRetentionDays)) {
    r.problems['aws.logRetentionDays'] = `must be one of CloudWatch's periods: ${LOG_RETENTION_DAYS.join(', ')}`;
  }
  const certificateArn = r.optStr(a, 'certificateArn', 'aws.certificateArn');
  const domain = r.optStr(a, 'domain', 'aws.domain');
  const hostedZoneId = r.optStr(a, 'hostedZoneId', 'aws.hostedZoneId');
  if (certificateArn !== undefined) {
    if (!/^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) r.problems['aws.certificateArn'] = 'must be an ACM certificate ARN';
    settings.certificateArn = certificateArn;
  }
  if (domain !== undefined) settings.domain = domain;
  if (hostedZoneId !== undefined) settings.hostedZoneId = hostedZoneId;
  if ((domain === undefined) !== (hostedZoneId === undefined)) {
    r.problems['aws.domain'] = 'and aws.hostedZoneId go together: the certificate is validated and the name published in that Route 53 zone';
  }
  return settings;
}

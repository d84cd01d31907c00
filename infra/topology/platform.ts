// What component builders must know of the ground they run on, beyond addresses: which
// addresses are the proxies in front, whether the data services are managed (TLS, no container
// of ours), how replicas are discovered. Pure data, computed from the config alone, so the whole
// topology of every placement can be built and tested without a cloud.
import { carve } from './cidr.js';
import type { StackConfig } from './config.js';

export interface SubnetPlan {
  /** The ALB and the NAT gateways. */
  public: string[];
  /** The tasks. */
  private: string[];
  /** RDS and ElastiCache: no route out at all. */
  isolated: string[];
}

export interface DockerPlatform {
  kind: 'docker';
}

export interface AwsPlatform {
  kind: 'aws';
  region: string;
  /** Cloud Map's private DNS namespace: every service is `<component>.<namespace>`. */
  namespace: string;
  /** The VPC's resolver (its base address + 2): nginx re-resolves the app's name through it. */
  dnsResolver: string;
  vpcCidr: string;
  subnets: SubnetPlan;
}

export type Platform = DockerPlatform | AwsPlatform;

/** Cloud Map's TTL for every service record, and how long nginx trusts an answer. */
export const SERVICE_DNS_TTL_S = 10;

/**
 * The VPC cut into 16 equal subnets: public in the first four, private (tasks) in the next
 * four, isolated (data) in the next four, one per zone; the last four are kept for later tiers.
 */
export function subnetPlan(vpcCidr: string, azCount: number): SubnetPlan {
  const blocks = carve(vpcCidr, 16);
  const tier = (first: number) => blocks.slice(first, first + azCount);
  return { public: tier(0), private: tier(4), isolated: tier(8) };
}

export function platformOf(config: StackConfig, stackName: string): Platform {
  if (config.placement === 'docker') return { kind: 'docker' };
  const aws = config.aws;
  if (!aws) throw new Error('the aws placement needs its aws settings');
  const base = aws.vpcCidr.split('/')[0]!.split('.').map(Number);
  return {
    kind: 'aws',
    region: aws.region,
    namespace: `${stackName}.shortstack.internal`,
    dnsResolver: [base[0], base[1], base[2], base[3]! + 2].join('.'),
    vpcCidr: aws.vpcCidr,
    subnets: subnetPlan(aws.vpcCidr, aws.azCount),
  };
}

/** Where nginx's requests to the app come from: the app believes X-Forwarded-For from these only. */
export function nginxSubnets(config: StackConfig, platform: Platform): string[] {
  return platform.kind === 'aws' ? platform.subnets.private : [config.backendSubnet];
}

/**
 * The proxies in front of nginx, whose X-Forwarded-For nginx believes: the stack's own list,
 * and on AWS the ALB's subnets (the ALB appends the client's address).
 */
export function frontDoorProxies(config: StackConfig, platform: Platform): string[] {
  return platform.kind === 'aws' ? [...platform.subnets.public, ...config.nginx.trustedProxies] : config.nginx.trustedProxies;
}

/** PostgreSQL and Redis are managed services reached over TLS (RDS, ElastiCache) on AWS. */
export const managedData = (platform: Platform): boolean => platform.kind === 'aws';

// The VPC: public subnets (the ALB, the NAT gateways), private subnets (the tasks, out through
// NAT), isolated subnets (RDS and ElastiCache: no route out at all), one of each per zone.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AwsSettings } from '../../topology/config-aws.js';
import type { SubnetPlan } from '../../topology/platform.js';

export interface NetworkArgs {
  settings: AwsSettings;
  plan: SubnetPlan;
  tags: Record<string, string>;
}

/** Interface endpoints the tasks use at start (image pulls, secrets, logs), when enabled. */
export const INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'secretsmanager', 'logs'] as const;

export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly isolatedSubnetIds: pulumi.Output<string>[];
  /** The endpoints' group: tasks reach AWS APIs through it when endpoints are on. */
  readonly endpointGroup?: aws.ec2.SecurityGroup;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shortstack:aws:Network', name, {}, opts);
    const parent = { parent: this };
    const { settings, plan, tags } = args;
    const zones = aws.getAvailabilityZonesOutput({ state: 'available' }, parent).names;
    const zone = (i: number) => zones.apply((z) => {
      if (z.length < settings.azCount) throw new Error(`${settings.region} has ${z.length} zones; aws.azCount is ${settings.azCount}`);
      return z[i]!;
    });
    const named = (n: string) => ({ ...tags, Name: `${name}-${n}` });

    this.vpc = new aws.ec2.Vpc(`${name}-vpc`, {
      cidrBlock: settings.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: named('vpc'),
    }, parent);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: named('igw') }, parent);

    const subnet = (tier: keyof SubnetPlan, i: number) => new aws.ec2.Subnet(`${name}-${tier}-${i}`, {
      vpcId: this.vpc.id, cidrBlock: plan[tier][i]!, availabilityZone: zone(i),
      // No address from the internet anywhere: the ALB has its own, the tasks none.
      mapPublicIpOnLaunch: false,
      tags: named(`${tier}-${i}`),
    }, parent);
    const publics = plan.public.map((_, i) => subnet('public', i));
    const privates = plan.private.map((_, i) => subnet('private', i));
    const isolated = plan.isolated.map((_, i) => subnet('isolated', i));
    this.publicSubnetIds = publics.map((s) => s.id);
    this.privateSubnetIds = privates.map((s) => s.id);
    this.isolatedSubnetIds = isolated.map((s) => s.id);

    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
      vpcId: this.vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }], tags: named('public'),
    }, parent);
    publics.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: s.id, routeTableId: publicRoutes.id }, parent));

    // One NAT gateway (dev: a zone's loss cuts egress) or one per zone (prod).
    const natCount = settings.natGateways === 'per-az' ? settings.azCount : 1;
    const nats = Array.from({ length: natCount }, (_, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: 'vpc', tags: named(`nat-${i}`) }, parent);
      return new aws.ec2.NatGateway(`${name}-nat-${i}`, { subnetId: publics[i]!.id, allocationId: eip.id, tags: named(`nat-${i}`) },
        { parent: this, dependsOn: [igw] });
    });
    const privateTables = privates.map((s, i) => {
      const table = new aws.ec2.RouteTable(`${name}-private-${i}`, {
        vpcId: this.vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nats[i % natCount]!.id }], tags: named(`private-${i}`),
      }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: s.id, routeTableId: table.id }, parent);
      return table;
    });
    // No route at all beyond the VPC.
    const isolatedTable = new aws.ec2.RouteTable(`${name}-isolated`, { vpcId: this.vpc.id, tags: named('isolated') }, parent);
    isolated.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-isolated-${i}`, { subnetId: s.id, routeTableId: isolatedTable.id }, parent));

    if (settings.vpcEndpoints) {
      this.endpointGroup = new aws.ec2.SecurityGroup(`${name}-endpoints`, {
        vpcId: this.vpc.id, description: 'VPC interface endpoints: HTTPS from the tasks', tags: named('endpoints'),
      }, parent);
      // Its ingress (HTTPS from each task's group) is added with the services.
      for (const service of INTERFACE_ENDPOINTS) {
        new aws.ec2.VpcEndpoint(`${name}-${service.replace('.', '-')}`, {
          vpcId: this.vpc.id, serviceName: `com.amazonaws.${settings.region}.${service}`, vpcEndpointType: 'Interface',
          privateDnsEnabled: true, subnetIds: this.privateSubnetIds, securityGroupIds: [this.endpointGroup.id], tags: named(service),
        }, parent);
      }
      // ECR's image layers come from S3: a gateway endpoint on the private route tables.
      new aws.ec2.VpcEndpoint(`${name}-s3`, {
        vpcId: this.vpc.id, serviceName: `com.amazonaws.${settings.region}.s3`, vpcEndpointType: 'Gateway',
        routeTableIds: privateTables.map((t) => t.id), tags: named('s3'),
      }, parent);
    }
    this.registerOutputs({});
  }
}

// The AWS placement: the topology on ECS Fargate, with RDS and ElastiCache for the data, an ALB
// in front of nginx, Cloud Map for names, Secrets Manager for secrets, S3 for config files.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { PUBLIC_HOST } from '../../topology/addressing.js';
import { MANAGED_ON_AWS } from '../../topology/build.js';
import type { AwsPlatform } from '../../topology/platform.js';
import { PORTS, type ComponentName } from '../../topology/names.js';
import type { Component } from '../../topology/types.js';
import { dashboardUrls } from '../docker/index.js';
import { awsNames, type Placement, type PlacementArgs, type PlacementOutputs } from '../types.js';
import { ManagedData } from './data.js';
import { FrontDoor } from './front-door.js';
import { AppRepository, CONFIG_INIT_IMAGE } from './images.js';
import { Network } from './network.js';
import { ingressRules, type Group } from './security-rules.js';
import { FargateService } from './service.js';
import { CONFIG_INIT, taskComponents, taskLayouts } from './tasks.js';

/** The Cloud Map name ECS Exec's port-forward reaches an operator UI through (see the README). */
const OPERATOR_UIS = ['grafana', 'prometheus', 'alertmanager'] as const;

/** The ports a managed service listens on (the same as the container it replaces). */
const MANAGED_PORTS = { postgres: { ...PORTS.postgres }, redis: { ...PORTS.redis } };

export class AwsStack extends pulumi.ComponentResource {
  readonly services = new Map<ComponentName, FargateService>();
  readonly frontDoor: FrontDoor;
  readonly cluster: aws.ecs.Cluster;
  readonly repository: AppRepository;

  constructor(name: string, args: PlacementArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shortstack:aws:Stack', name, {}, opts);
    const parent = { parent: this };
    const { topology, config, prefix } = args;
    const settings = config.aws;
    const platform = topology.platform as AwsPlatform;
    if (!settings || platform.kind !== 'aws') throw new Error('the aws placement needs an aws topology');
    const tags = { 'shortstack:stack': args.stackName, 'shortstack:placement': 'aws' };
    const names = awsNames(args.stackName);

    const network = new Network(prefix, { settings, plan: platform.subnets, tags }, parent);
    const layouts = taskLayouts(topology);

    // A group per service, the ALB and each managed service; rules only from topology edges.
    const groupNames: Group[] = ['alb', ...layouts.map((l) => l.service.name), ...MANAGED_ON_AWS];
    const groups = new Map<Group, aws.ec2.SecurityGroup>(groupNames.map((g) => [g, new aws.ec2.SecurityGroup(`${g}-sg`, {
      vpcId: network.vpc.id, description: `${prefix} ${g}`, tags: { ...tags, Name: `${prefix}-${g}` },
    }, parent)]));
    const group = (g: Group) => groups.get(g)!;
    const rules = ingressRules(topology, MANAGED_PORTS, { component: 'nginx', ports: ['http', 'status'] });
    for (const r of rules) {
      const id = `${typeof r.from === 'string' ? r.from : 'internet'}-to-${r.to}-${r.port}`;
      new aws.vpc.SecurityGroupIngressRule(id, {
        securityGroupId: group(r.to).id, ipProtocol: 'tcp', fromPort: r.port, toPort: r.port, description: r.why,
        ...(typeof r.from === 'string' ? { referencedSecurityGroupId: group(r.from).id } : { cidrIpv4: r.from.cidr }),
      }, parent);
    }
    for (const [g, sg] of groups) {
      // Tasks: out to their edges' groups, and HTTPS for AWS's APIs (ECR, Secrets Manager, Logs,
      // S3), through the NAT or the endpoints; Alertmanager also to its receivers (SMTP).
      // The ALB: to nginx only. The managed services: nowhere.
      if ((MANAGED_ON_AWS as ReadonlySet<string>).has(g)) continue;
      const out = rules.filter((r) => r.from === g);
      for (const r of out) {
        new aws.vpc.SecurityGroupEgressRule(`${g}-to-${r.to}-${r.port}`, {
          securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: r.port, toPort: r.port, referencedSecurityGroupId: group(r.to).id, description: r.why,
        }, parent);
      }
      if (g === 'alb') continue;
      const internetPorts = topology.component(g).networks.includes('egress') ? [443, 465, 587] : [443];
      for (const port of internetPorts) {
        new aws.vpc.SecurityGroupEgressRule(`${g}-out-${port}`, {
          securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: '0.0.0.0/0', description: `${g} -> internet:${port}`,
        }, parent);
      }
      if (network.endpointGroup) {
        new aws.vpc.SecurityGroupIngressRule(`${g}-to-endpoints-443`, {
          securityGroupId: network.endpointGroup.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443,
          referencedSecurityGroupId: sg.id, description: `${g} -> AWS APIs`,
        }, parent);
      }
    }

    const data = new ManagedData(prefix, {
      config, settings, names, subnetIds: network.isolatedSubnetIds, tags, secrets: args.secrets.values,
      postgresGroupId: group('postgres').id, redisGroupId: group('redis').id,
    }, parent);
    this.frontDoor = new FrontDoor(prefix, {
      settings, vpcId: network.vpc.id, subnetIds: network.publicSubnetIds, securityGroupId: group('alb').id, tags,
    }, parent);
    const hosts = pulumi.all({ postgres: data.postgresHost, redis: data.redisHost, public: this.frontDoor.host })
      .apply((h) => ({ ...h }) as Record<string, string>);

    this.cluster = new aws.ecs.Cluster(prefix, {
      name: prefix, settings: [{ name: 'containerInsights', value: 'enabled' }], tags,
    }, parent);
    const namespace = new aws.servicediscovery.PrivateDnsNamespace(prefix, {
      name: platform.namespace, vpc: network.vpc.id, description: `${prefix} service names`, tags,
    }, parent);
    const bucket = new aws.s3.Bucket(`${prefix}-config`, { forceDestroy: true, tags }, parent);
    new aws.s3.BucketPublicAccessBlock(`${prefix}-config`, {
      bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }, parent);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${prefix}-config`, {
      bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    }, parent);

    this.repository = new AppRepository(prefix, { image: topology.component('app').image, tier: settings.tier, tags }, parent);
    const repository = this.repository;
    // A configured app image (appImage) arrives as a pinned reference: it runs as it is.
    const imageOf = (c: Component): pulumi.Input<string> => (c.image.kind === 'build' ? repository.digestRef : c.image.ref);

    for (const layout of layouts) {
      const name = layout.service.name;
      const images: Record<string, pulumi.Input<string>> = { [CONFIG_INIT]: CONFIG_INIT_IMAGE };
      for (const c of taskComponents(layout)) images[c.name] = imageOf(c);
      this.services.set(name, new FargateService(name, {
        layout, names, cluster: this.cluster, namespaceId: namespace.id, subnetIds: network.privateSubnetIds,
        securityGroupId: group(name).id, bucket, images, secrets: args.secrets.values, hosts, region: settings.region,
        logRetentionDays: settings.logRetentionDays, tags,
        ...(name === 'nginx' ? { loadBalancer: { targetGroupArn: this.frontDoor.targetGroup.arn, port: PORTS.nginx.http } } : {}),
        ...(name === 'app' ? { autoscale: { max: settings.maxReplicas, cpuTargetPercent: settings.cpuTargetPercent } } : {}),
        ...(name === 'grafana' ? { taskPolicy: cloudWatchReadPolicy(names.logGroups) } : {}),
      }, { parent: this, dependsOn: name === 'nginx' ? [data, ...this.frontDoor.listeners] : [data] }));
    }
    this.registerOutputs({});
  }
}

/** Grafana's CloudWatch data source: read this stack's logs and metrics, nothing else. */
function cloudWatchReadPolicy(pattern: string): pulumi.Output<string> {
  const logGroups = aws.getCallerIdentityOutput({}).accountId.apply((account) => `arn:aws:logs:*:${account}:log-group:${pattern}`);
  return pulumi.jsonStringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['logs:DescribeLogGroups'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:StartQuery', 'logs:GetQueryResults', 'logs:StopQuery', 'logs:DescribeLogStreams', 'logs:GetLogGroupFields'],
        Resource: [logGroups, pulumi.interpolate`${logGroups}:*`],
      },
      { Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'cloudwatch:DescribeAlarms'], Resource: '*' },
    ],
  });
}

/** How an operator reaches a UI that is not public: an ECS Exec port-forward through its task. */
export function portForwardCommand(prefix: string, region: string, component: (typeof OPERATOR_UIS)[number], localPort: number): string {
  const aws = `aws --region ${region}`;
  return [
    `TASK=$(${aws} ecs list-tasks --cluster ${prefix} --service-name ${prefix}-${component} --query 'taskArns[0]' --output text)`,
    `RUNTIME=$(${aws} ecs describe-tasks --cluster ${prefix} --tasks "$TASK" --query "tasks[0].containers[?name=='${component}'].runtimeId" --output text)`,
    `${aws} ssm start-session --target "ecs:${prefix}_\${TASK##*/}_$RUNTIME" --document-name AWS-StartPortForwardingSession `
      + `--parameters '{"portNumber":["${PORTS[component].http}"],"localPortNumber":["${localPort}"]}'`,
  ].join('; ');
}

export const awsPlacement: Placement = (args): PlacementOutputs => {
  const stack = new AwsStack(args.prefix, args);
  const { config } = args;
  const region = config.aws!.region;
  const local = (c: (typeof OPERATOR_UIS)[number]) => `http://127.0.0.1:${config.localPorts[c]}`;
  return {
    frontDoorUrl: config.publicBaseUrl.includes(PUBLIC_HOST) ? stack.frontDoor.url : config.publicBaseUrl,
    grafanaUrl: local('grafana'),
    dashboardUrls: dashboardUrls(args.topology, local('grafana')),
    prometheusUrl: local('prometheus'),
    alertmanagerUrl: local('alertmanager'),
    portForward: Object.fromEntries(OPERATOR_UIS.map((c) => [c, portForwardCommand(args.prefix, region, c, config.localPorts[c])])),
    deployments: pulumi.all(Object.fromEntries([...stack.services].map(([n, s]) => [n, s.rolledForward]))),
    appImage: stack.repository.digestRef,
    appRepository: stack.repository.repository.repositoryUrl,
  };
};

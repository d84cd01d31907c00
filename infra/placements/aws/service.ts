// One component as an ECS Fargate service: its task definition (config-init, one-shots, the
// service), its secret, roles that may read only its own secret and files, its Cloud Map name,
// its log group, and a check that the deployment really rolled forward.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { bindHosts } from '../../topology/addressing.js';
import type { awsNames } from '../types.js';
import { resolveText, type Secrets } from '../../topology/types.js';
import { SERVICE_DNS_TTL_S } from '../../topology/platform.js';
import { taskFiles } from './config-files.js';
import { containerDefinitions, taskNeeds, taskVolumes } from './container-definitions.js';
import { fargateSize } from './fargate.js';
import type { TaskLayout } from './tasks.js';

export interface FargateServiceArgs {
  layout: TaskLayout;
  /** The stack's names (awsNames): the family and service, the secret, the log group. */
  names: ReturnType<typeof awsNames>;
  cluster: aws.ecs.Cluster;
  namespaceId: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  bucket: aws.s3.Bucket;
  /** Image of each container of the task (component name, or config-init). */
  images: Record<string, pulumi.Input<string>>;
  secrets: pulumi.Output<Secrets>;
  /** Hosts known once created (RDS, ElastiCache, the ALB): bound into every text. */
  hosts: pulumi.Output<Record<string, string>>;
  region: string;
  logRetentionDays: number;
  /** nginx: registered with the ALB's target group. */
  loadBalancer?: { targetGroupArn: pulumi.Input<string>; port: number };
  /** The app: CPU target tracking from `replicas` up to `max`. */
  autoscale?: { max: number; cpuTargetPercent: number };
  /** Extra permissions of the task role (Grafana reads CloudWatch). */
  taskPolicy?: pulumi.Input<string>;
  tags: Record<string, string>;
}

const assumeEcsTasks = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export class FargateService extends pulumi.ComponentResource {
  readonly service: aws.ecs.Service;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly secret?: aws.secretsmanager.Secret;
  readonly executionRole: aws.iam.Role;
  readonly taskRole: aws.iam.Role;
  /** The task definition the service runs once steady; fails `up` when rolled back. */
  readonly rolledForward: pulumi.Output<string>;

  constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shortstack:aws:Service', name, {}, opts);
    const parent = { parent: this };
    const { layout, names, tags } = args;
    const family = names.service(name);
    const files = taskFiles(layout);

    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
      name: names.logGroup(name), retentionInDays: args.logRetentionDays, tags,
    }, parent);

    // One JSON secret per component, a key per secret file; only its execution role reads it.
    let secretVersion: aws.secretsmanager.SecretVersion | undefined;
    if (files.secret.length > 0) {
      this.secret = new aws.secretsmanager.Secret(`${name}-secret`, {
        name: names.secret(name), description: `Secret files of ${family}`, recoveryWindowInDays: 7, tags,
      }, parent);
      secretVersion = new aws.secretsmanager.SecretVersion(`${name}-secret`, {
        secretId: this.secret.id,
        secretString: pulumi.secret(pulumi.all([args.secrets, args.hosts]).apply(([s, h]) =>
          JSON.stringify(Object.fromEntries(files.secret.map((f) => [f.key, bindHosts(resolveText(f.text, s), h)]))))),
      }, parent);
    }

    this.executionRole = new aws.iam.Role(`${name}-execution`, { assumeRolePolicy: assumeEcsTasks, tags }, parent);
    new aws.iam.RolePolicyAttachment(`${name}-execution`, {
      role: this.executionRole.name, policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    }, parent);
    if (this.secret) {
      new aws.iam.RolePolicy(`${name}-execution-secret`, {
        role: this.executionRole.id,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [this.secret.arn] }],
        }),
      }, parent);
    }

    // The task's own identity: its files in S3, ECS Exec's channel; no Secrets Manager at all.
    this.taskRole = new aws.iam.Role(`${name}-task`, { assumeRolePolicy: assumeEcsTasks, tags }, parent);
    new aws.iam.RolePolicy(`${name}-task`, {
      role: this.taskRole.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [
          ...(files.plain.length > 0 ? [
            { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pulumi.interpolate`${args.bucket.arn}/${name}/*`] },
            { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [args.bucket.arn], Condition: { StringLike: { 's3:prefix': [`${name}/*`] } } },
          ] : []),
          {
            Effect: 'Allow',
            Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
            Resource: '*',
          },
        ],
      }),
    }, parent);
    if (args.taskPolicy) new aws.iam.RolePolicy(`${name}-task-extra`, { role: this.taskRole.id, policy: args.taskPolicy }, parent);

    for (const f of files.plain) {
      new aws.s3.BucketObjectv2(`${name}-${f.key}`, {
        bucket: args.bucket.id,
        key: `${files.prefix}/${f.key}`,
        content: args.hosts.apply((h) => bindHosts(f.content, h)),
        serverSideEncryption: 'AES256',
        tags,
      }, parent);
    }

    const rendering = pulumi.all([pulumi.all(args.images), this.secret?.arn, secretVersion?.versionId, args.hosts, args.bucket.id])
      .apply(([images, secretArn, version, hosts, bucket]) => {
        const defs = containerDefinitions({
          layout, files, images: images as Record<string, string>, bucket, logGroup: names.logGroup(name), region: args.region,
          ...(secretArn ? { secretArn } : {}), ...(version ? { secretVersion: version } : {}),
        });
        // Hosts known only now (RDS, ElastiCache, the ALB) go into environment and arguments.
        return JSON.parse(bindHosts(JSON.stringify(defs), hosts)) as typeof defs;
      });
    const size = fargateSize(...Object.values(taskNeeds(containerDefinitions({
      layout, files, images: {}, bucket: '', logGroup: '', region: args.region, secretArn: 'arn', secretVersion: 'v',
    }))) as [number, number]);

    this.taskDefinition = new aws.ecs.TaskDefinition(`${name}-task`, {
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: String(size.cpu),
      memory: String(size.memoryMb),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      volumes: taskVolumes(layout).map((v) => ({ name: v.name! })),
      containerDefinitions: rendering.apply((d) => JSON.stringify(d)),
      tags,
    }, { parent: this, dependsOn: [logGroup] });

    const discovery = new aws.servicediscovery.Service(`${name}-dns`, {
      name,
      dnsConfig: { namespaceId: args.namespaceId, dnsRecords: [{ type: 'A', ttl: SERVICE_DNS_TTL_S }], routingPolicy: 'MULTIVALUE' },
      tags,
    }, parent);

    const s = layout.service;
    this.service = new aws.ecs.Service(`${name}-service`, {
      name: family,
      cluster: args.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount: s.replicas,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.securityGroupId], assignPublicIp: false },
      serviceRegistries: { registryArn: discovery.arn },
      // A new task definition that cannot get healthy is rolled back; `up` fails (see below).
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      waitForSteadyState: true,
      enableExecuteCommand: true,
      propagateTags: 'SERVICE',
      ...(args.loadBalancer ? {
        loadBalancers: [{ targetGroupArn: args.loadBalancer.targetGroupArn, containerName: s.name, containerPort: args.loadBalancer.port }],
        healthCheckGracePeriodSeconds: 30,
      } : {}),
      tags,
    }, { parent: this, ...(args.autoscale ? { ignoreChanges: ['desiredCount'] } : {}) });

    if (args.autoscale) {
      const target = new aws.appautoscaling.Target(`${name}-scaling`, {
        serviceNamespace: 'ecs',
        scalableDimension: 'ecs:service:DesiredCount',
        resourceId: pulumi.interpolate`service/${args.cluster.name}/${this.service.name}`,
        minCapacity: s.replicas,
        maxCapacity: args.autoscale.max,
      }, parent);
      new aws.appautoscaling.Policy(`${name}-cpu`, {
        policyType: 'TargetTrackingScaling',
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: args.autoscale.cpuTargetPercent,
          predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      }, parent);
    }

    // The provider reports a deployment the circuit breaker rolled back as a success: read the
    // service back once it is steady, and fail `up` unless it runs the task definition just made.
    const running = aws.ecs.getServiceOutput({ clusterArn: args.cluster.arn, serviceName: this.service.name }, parent);
    this.rolledForward = pulumi.all([running.taskDefinition, this.taskDefinition.arn]).apply(([actual, expected]) => {
      if (actual !== expected) {
        throw new Error(`${family}: the deployment was rolled back (the service runs ${actual}, not ${expected}); `
          + `see its events: aws ecs describe-services --cluster ${names.cluster} --services ${family}`);
      }
      return actual;
    });
    this.registerOutputs({});
  }
}

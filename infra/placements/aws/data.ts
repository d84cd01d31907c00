// The data tier as managed services: RDS PostgreSQL and ElastiCache (Valkey), in the isolated
// subnets, encrypted at rest and in transit, reachable only from the groups the topology's
// edges name (see security-rules.ts).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AwsSettings } from '../../topology/config-aws.js';
import type { StackConfig } from '../../topology/config.js';
import { DATABASE, PORTS } from '../../topology/names.js';
import type { Secrets } from '../../topology/types.js';
import type { awsNames } from '../types.js';

export interface DataArgs {
  config: StackConfig;
  settings: AwsSettings;
  names: ReturnType<typeof awsNames>;
  subnetIds: pulumi.Input<string>[];
  postgresGroupId: pulumi.Input<string>;
  redisGroupId: pulumi.Input<string>;
  secrets: pulumi.Output<Secrets>;
  tags: Record<string, string>;
}

export class ManagedData extends pulumi.ComponentResource {
  readonly database: aws.rds.Instance;
  readonly cache: aws.elasticache.ReplicationGroup;
  /** The names clients use: the providers' own (their TLS certificates are issued for them). */
  readonly postgresHost: pulumi.Output<string>;
  readonly redisHost: pulumi.Output<string>;

  constructor(name: string, args: DataArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shortstack:aws:Data', name, {}, opts);
    const parent = { parent: this };
    const { settings, config, tags } = args;
    const prod = settings.tier === 'prod';
    const major = settings.rds.engineVersion.split('.')[0];

    const dbSubnets = new aws.rds.SubnetGroup(`${name}-postgres`, { subnetIds: args.subnetIds, tags }, parent);
    const params = new aws.rds.ParameterGroup(`${name}-postgres`, {
      family: `postgres${major}`,
      parameters: [
        // Plain connections refused: PgBouncer, the migration and the exporter speak TLS.
        { name: 'rds.force_ssl', value: '1' },
        // The stack's one max_connections (checked against the pools in parseStackConfig).
        { name: 'max_connections', value: String(config.postgres.maxConnections), applyMethod: 'pending-reboot' },
      ],
      tags,
    }, parent);
    this.database = new aws.rds.Instance(`${name}-postgres`, {
      identifier: args.names.rdsInstance,
      engine: 'postgres',
      engineVersion: settings.rds.engineVersion,
      instanceClass: settings.rds.instanceClass,
      allocatedStorage: settings.rds.allocatedStorageGiB,
      maxAllocatedStorage: settings.rds.maxAllocatedStorageGiB,
      storageType: 'gp3',
      storageEncrypted: true,
      dbName: DATABASE.name,
      username: DATABASE.user,
      password: pulumi.secret(args.secrets.apply((s) => s.dbPassword)),
      port: PORTS.postgres.postgres,
      dbSubnetGroupName: dbSubnets.name,
      vpcSecurityGroupIds: [args.postgresGroupId],
      parameterGroupName: params.name,
      publiclyAccessible: false,
      multiAz: settings.rds.multiAz,
      backupRetentionPeriod: settings.rds.backupRetentionDays,
      deletionProtection: settings.rds.deletionProtection,
      // A protected (prod) database leaves a final snapshot when it is deleted after all.
      skipFinalSnapshot: !settings.rds.deletionProtection,
      ...(settings.rds.deletionProtection ? { finalSnapshotIdentifier: `${name}-postgres-final` } : {}),
      copyTagsToSnapshot: true,
      // PostgreSQL's own log (deadlocks, slow statements) in CloudWatch, beside the tasks' logs.
      enabledCloudwatchLogsExports: ['postgresql'],
      autoMinorVersionUpgrade: true,
      // Dev applies changes now; prod in its maintenance window.
      applyImmediately: !prod,
      tags,
    }, { parent: this, ...(settings.rds.deletionProtection ? { retainOnDelete: true } : {}) });

    const cacheSubnets = new aws.elasticache.SubnetGroup(`${name}-redis`, { subnetIds: args.subnetIds, tags }, parent);
    const cacheParams = new aws.elasticache.ParameterGroup(`${name}-redis`, {
      family: `valkey${settings.cache.engineVersion.split('.')[0]}`,
      // The same eviction the Docker placement's redis.conf sets: the cache drops what is least used.
      parameters: [{ name: 'maxmemory-policy', value: 'allkeys-lru' }],
      tags,
    }, parent);
    this.cache = new aws.elasticache.ReplicationGroup(`${name}-redis`, {
      replicationGroupId: args.names.cacheGroup,
      description: `${name} cache and invalidation bus`,
      engine: 'valkey',
      engineVersion: settings.cache.engineVersion,
      nodeType: settings.cache.nodeType,
      // prod: a replica in another zone and automatic failover.
      numCacheClusters: prod ? 2 : 1,
      automaticFailoverEnabled: prod,
      multiAzEnabled: prod,
      port: PORTS.redis.redis,
      subnetGroupName: cacheSubnets.name,
      securityGroupIds: [args.redisGroupId],
      parameterGroupName: cacheParams.name,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      authToken: pulumi.secret(args.secrets.apply((s) => s.redisPassword)),
      authTokenUpdateStrategy: 'ROTATE',
      applyImmediately: !prod,
      tags,
    }, parent);
    this.postgresHost = this.database.address;
    this.redisHost = this.cache.primaryEndpointAddress;
    this.registerOutputs({});
  }
}

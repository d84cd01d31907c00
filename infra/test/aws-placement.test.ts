// The AWS placement's whole resource graph, under Pulumi mocks (there is no cloud here): the
// security properties the issue lists, read off the resources the program would create.
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { isValidFargateSize } from '../placements/aws/fargate.js';
import { CONFIG_INIT } from '../placements/aws/tasks.js';
import { buildTopology } from '../topology/build.js';
import { GENERATED_SECRETS } from '../topology/secret-table.js';
import { parseStackConfig } from '../topology/config.js';
import { IMAGE_BINARIES } from '../topology/health-binaries.js';
import type { PinnedImageKey } from '../topology/images.js';
import { runProgram, sharedRun, stackFileConfig, type MockRun, type Recorded } from './pulumi-mocks.js';

const AWS = { 'shortstack:placement': 'aws', 'aws:region': 'eu-west-1' };
// The mocks answer each RandomPassword with `generated-<name>`.
const GENERATED = GENERATED_SECRETS.map((k) => `generated-${k}`);

const memo = <T>(f: () => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
};
// One run at a time: the mocks are process-wide.
const staging = () => sharedRun('staging', AWS);
const prod = memo(async () => (await staging(), runProgram('prod', stackFileConfig('Pulumi.prod.yaml'))));

const defsOf = (td: Recorded): ContainerDefinition[] => JSON.parse(td.inputs.containerDefinitions as string) as ContainerDefinition[];
const taskDefs = (run: MockRun) => run.byType('aws:ecs/taskDefinition:TaskDefinition');
const taskDef = (run: MockRun, component: string) => taskDefs(run).find((t) => t.name === `${component}-task`)!;
const sgName = (id: string) => id.replace(/-sg-id$/, '');
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
/** A recorded input as the provider gets it: secrets unwrapped. */
const plainValue = (v: unknown): any => (typeof v === 'object' && v !== null && SECRET_SIG in v ? plainValue((v as unknown as { value: unknown }).value) : v);
const outputOf = async (run: MockRun, name: string) => {
  const s = await run.settled[name]!;
  if ('error' in s) throw s.error;
  return plainValue(s.value);
};

describe('AWS placement (staging: every key defaulted but the region)', () => {
  it('runs one Fargate service per long-running component, and no Docker-only component', async () => {
    const run = await staging();
    const services = run.byType('aws:ecs/service:Service').map((s) => s.inputs.name as string).sort();
    expect(services).toEqual(['alertmanager', 'app', 'blackbox-exporter', 'grafana', 'nginx', 'nginx-exporter', 'pgbouncer',
      'pgbouncer-exporter', 'postgres-exporter', 'prometheus', 'redis-exporter'].map((c) => `shortstack-staging-${c}`).sort());
    // The migration runs in the app's task, before the app, after the files are written.
    const app = defsOf(taskDef(run, 'app'));
    expect(app.map((d) => d.name)).toEqual([CONFIG_INIT, 'migrate', 'app']);
    expect(app.find((d) => d.name === 'app')!.dependsOn).toEqual([
      { containerName: CONFIG_INIT, condition: 'SUCCESS' }, { containerName: 'migrate', condition: 'SUCCESS' }]);
    expect(app.find((d) => d.name === 'migrate')!.essential).toBe(false);
    expect(run.byType('aws:rds/instance:Instance')).toHaveLength(1);
    expect(run.byType('aws:elasticache/replicationGroup:ReplicationGroup')).toHaveLength(1);
  });

  it('takes traffic from the internet on the ALB alone, on 80 and 443', async () => {
    const run = await staging();
    const ingress = run.byType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule');
    const fromCidr = ingress.filter((r) => r.inputs.cidrIpv4 !== undefined);
    expect(fromCidr.map((r) => [sgName(r.inputs.securityGroupId), r.inputs.cidrIpv4, r.inputs.fromPort, r.inputs.toPort]).sort())
      .toEqual([['alb', '0.0.0.0/0', 443, 443], ['alb', '0.0.0.0/0', 80, 80]]);
  });

  it('lets every other ingress in from one named group on one port, each a topology edge', async () => {
    const run = await staging();
    const topology = buildTopology(parseStackConfig({ placement: 'aws' }, { awsRegion: 'eu-west-1' }), 'staging');
    const host = (c: string) => (c === 'migrate' ? 'app' : c);
    const port = (to: string, name: string) => ({ postgres: 5432, redis: 6379 } as Record<string, number>)[to]
      ?? topology.component(to as never).ports[name];
    const edges = new Set([
      ...topology.edges.filter((e) => host(e.from) !== host(e.to)).map((e) => `${host(e.from)}->${host(e.to)}:${port(e.to, e.port)}`),
      'alb->nginx:8080', 'alb->nginx:8081',
    ]);
    const rules = run.byType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').filter((r) => r.inputs.cidrIpv4 === undefined)
      .filter((r) => !String(r.inputs.securityGroupId).includes('endpoints'));
    const seen = rules.map((r) => {
      expect(r.inputs.fromPort).toBe(r.inputs.toPort);
      return `${sgName(r.inputs.referencedSecurityGroupId)}->${sgName(r.inputs.securityGroupId)}:${r.inputs.fromPort}`;
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(edges);
    // The data services are reached by exactly their clients.
    expect(seen.filter((s) => s.endsWith('->postgres:5432')).sort()).toEqual(['app->postgres:5432', 'pgbouncer->postgres:5432', 'postgres-exporter->postgres:5432']);
    expect(seen.filter((s) => s.endsWith('->redis:6379')).sort()).toEqual(['app->redis:6379', 'redis-exporter->redis:6379']);
  });

  it('gives no task and no subnet a public address', async () => {
    const run = await staging();
    for (const s of run.byType('aws:ecs/service:Service')) expect(s.inputs.networkConfiguration.assignPublicIp).toBe(false);
    for (const s of run.byType('aws:ec2/subnet:Subnet')) expect(s.inputs.mapPublicIpOnLaunch).toBe(false);
    const [db] = run.byType('aws:rds/instance:Instance');
    expect(db!.inputs).toMatchObject({ publiclyAccessible: false, storageEncrypted: true, multiAz: false, deletionProtection: false });
    const [cache] = run.byType('aws:elasticache/replicationGroup:ReplicationGroup');
    expect(cache!.inputs).toMatchObject({ transitEncryptionEnabled: true, atRestEncryptionEnabled: true });
    expect(cache!.inputs.authToken).toBeDefined();
    // The data subnets have no route out.
    const isolated = run.byType('aws:ec2/routeTable:RouteTable').find((t) => t.name.endsWith('-isolated'))!;
    expect(isolated.inputs.routes ?? []).toEqual([]);
  });

  it('health-checks every long-running container whose image can run a check', async () => {
    const run = await staging();
    const scratch = (Object.entries(IMAGE_BINARIES) as [PinnedImageKey | 'app', { binaries: string[] }][])
      .filter(([, b]) => !b.binaries.includes('wget') && !b.binaries.includes('sh') && !b.binaries.includes('node')).map(([k]) => k);
    const unchecked: string[] = [];
    for (const td of taskDefs(run)) {
      for (const d of defsOf(td).filter((x) => x.essential)) if (!d.healthCheck) unchecked.push(d.name!);
    }
    // The scratch images hold the exporter alone: nothing in them can run a check.
    expect(unchecked.sort()).toEqual(['nginx-exporter', 'redis-exporter']);
    expect(scratch).toEqual(expect.arrayContaining(unchecked));
  });

  it('rolls back a failing deployment, and waits for the service to be steady', async () => {
    const run = await staging();
    for (const s of run.byType('aws:ecs/service:Service')) {
      expect(s.inputs).toMatchObject({
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100, deploymentMaximumPercent: 200, waitForSteadyState: true, launchType: 'FARGATE',
      });
    }
    expect(Object.keys(await outputOf(run, 'deployments'))).toHaveLength(11);
    // The app stops gracefully inside ECS's stop timeout; the ALB drains nginx's tasks for 30 s.
    const app = defsOf(taskDef(run, 'app')).find((d) => d.name === 'app')!;
    const deadline = Number(app.environment!.find((e) => e.name === 'SHUTDOWN_TIMEOUT_MS')!.value) / 1000;
    expect(app.stopTimeout).toBeGreaterThan(deadline);
    expect(run.byType('aws:lb/targetGroup:TargetGroup')[0]!.inputs.deregistrationDelay).toBe(30);
  });

  it('fails `up` when the circuit breaker rolled a deployment back', async () => {
    await prod();
    const run = await runProgram('rollback', AWS, [], {}, { rolledBack: ['app'] });
    await expect(outputOf(run, 'deployments')).rejects.toThrow(
      /^shortstack-rollback-app: the deployment was rolled back \(the service runs \S+-previous, not \S+app-task:1\)/);
  });

  it('keeps every secret out of task definitions, files and plain outputs: each is a valueFrom', async () => {
    const run = await staging();
    for (const td of taskDefs(run)) {
      const json = td.inputs.containerDefinitions as string;
      for (const g of GENERATED) expect(json).not.toContain(g);
      for (const d of defsOf(td)) {
        for (const s of d.secrets ?? []) expect(s.valueFrom).toMatch(/^arn:aws:mock:eu-west-1:\d+:Secret\/[\w-]+-secret:[A-Za-z0-9_]+::$/);
        if (d.name !== CONFIG_INIT) expect(d.secrets ?? []).toEqual([]);
      }
    }
    for (const o of run.byType('aws:s3/bucketObjectv2:BucketObjectv2')) for (const g of GENERATED) expect(o.inputs.content).not.toContain(g);
    // The secret values are there: in the secrets, as JSON keys the valueFroms name.
    const versions = run.byType('aws:secretsmanager/secretVersion:SecretVersion').map((v) => JSON.stringify(v.inputs.secretString));
    expect(versions.join()).toContain('generated-dbPassword');
    for (const [k, v] of Object.entries(run.outputs)) {
      if (k === 'adminApiKey' || k === 'grafanaAdminPassword') continue;
      for (const g of GENERATED) expect(JSON.stringify(v ?? null)).not.toContain(g);
    }
  });

  it('lets each execution role read its own secret only, and no task role read any', async () => {
    const run = await staging();
    const policies = run.byType('aws:iam/rolePolicy:RolePolicy');
    for (const p of policies) {
      const doc = JSON.parse(plainValue(p.inputs.policy)) as { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
      for (const st of doc.Statement) {
        const actions = ([] as string[]).concat(st.Action);
        if (!actions.some((a) => a.startsWith('secretsmanager:'))) continue;
        expect(p.name).toMatch(/-execution-secret$/);
        expect(st.Resource).toEqual([`arn:aws:mock:eu-west-1:123456789012:Secret/${p.name.replace(/-execution-secret$/, '')}-secret`]);
      }
    }
  });

  it('hands every writable volume to the user that writes it before anything starts', async () => {
    const run = await staging();
    // ECS makes task volumes root's (0755); the services run as their own users.
    const prom = defsOf(taskDef(run, 'prometheus'));
    const script = prom.find((d) => d.name === CONFIG_INIT)!.command![0]!;
    expect(script).toContain('chown 65534:65534 /prep/prometheus-data\nchmod 0700 /prep/prometheus-data');
    expect(script).toContain('chown 65534:65534 /prep/prometheus-tmp-0\nchmod 1777 /prep/prometheus-tmp-0');
    for (const td of taskDefs(run)) {
      const defs = defsOf(td);
      const users = defs.filter((d) => d.name !== CONFIG_INIT && d.mountPoints!.some((m) => !m.readOnly));
      for (const d of users) expect([td.name, d.dependsOn![0]]).toEqual([td.name, { containerName: CONFIG_INIT, condition: 'SUCCESS' }]);
    }
  });

  it('sizes every task as Fargate allows, for all its containers together', async () => {
    const run = await staging();
    for (const td of taskDefs(run)) {
      const [cpu, memory] = [Number(td.inputs.cpu), Number(td.inputs.memory)];
      expect([td.name, isValidFargateSize(cpu, memory)]).toEqual([td.name, true]);
      const defs = defsOf(td);
      expect(defs.reduce((n, d) => n + (d.memory ?? 0), 0)).toBeLessThanOrEqual(memory);
      expect(defs.reduce((n, d) => n + (d.cpu ?? 0), 0)).toBeLessThanOrEqual(cpu);
    }
  });

  it('delivers config files through S3 under their digest, and nothing secret there', async () => {
    const run = await staging();
    const objects = run.byType('aws:s3/bucketObjectv2:BucketObjectv2');
    const nginxConf = objects.find((o) => /^nginx\/[0-9a-f]{16}\/nginx\/config\/nginx\.conf$/.test(o.inputs.key))!;
    const conf = plainValue(nginxConf.inputs.content) as string;
    // nginx follows the app's tasks through Cloud Map and the VPC's resolver.
    expect(conf).toContain('server app.staging.shortstack.internal:3000 max_fails=2 fail_timeout=16s resolve;');
    expect(conf).toContain('resolver 10.40.0.2 valid=10s ipv6=off;');
    // The ALB's subnets are the proxies whose X-Forwarded-For nginx believes.
    expect(conf).toContain('set_real_ip_from 10.40.0.0/20;');
    const init = defsOf(taskDef(run, 'nginx')).find((d) => d.name === CONFIG_INIT)!;
    const prefix = init.environment!.find((e) => e.name === 'CONFIG_PREFIX')!.value;
    expect(nginxConf.inputs.key.startsWith(`${prefix}/`)).toBe(true);
    // Prometheus finds the replicas by DNS; PgBouncer speaks TLS to RDS, by RDS's own name.
    const prom = plainValue(objects.find((o) => o.inputs.key.endsWith('/prometheus/config/prometheus.yml'))!.inputs.content) as string;
    expect(prom).toMatch(/dns_sd_configs:\n\s+- names:\n\s+- app\.staging\.shortstack\.internal\n\s+type: A\n\s+port: 9464/);
    const ini = plainValue(objects.find((o) => o.inputs.key.endsWith('/pgbouncer/config/pgbouncer.ini'))!.inputs.content) as string;
    expect(ini).toContain('server_tls_sslmode = require');
    expect(ini).toMatch(/host=shortstack-staging-postgres\.abc123\.eu-west-1\.rds\.amazonaws\.com port=5432/);
  });

  it('gives the app its trusted hop, TLS to Redis, and a public base URL on the ALB', async () => {
    const run = await staging();
    const app = defsOf(taskDef(run, 'app')).find((d) => d.name === 'app')!;
    const env = Object.fromEntries(app.environment!.map((e) => [e.name, e.value]));
    expect(env.TRUST_PROXY).toBe('10.40.64.0/20,10.40.80.0/20');
    expect(env.PUBLIC_BASE_URL).toBe('http://shortstack-staging-alb-1234.eu-west-1.elb.amazonaws.com');
    const secrets = run.byType('aws:secretsmanager/secretVersion:SecretVersion').find((v) => v.name === 'app-secret')!;
    const values = JSON.parse(plainValue(secrets.inputs.secretString) as string) as Record<string, string>;
    expect(values.app_redis_url).toMatch(/^rediss:\/\/:generated-redisPassword@master\.shortstack-staging-redis\.abc123\.eu-west-1\.cache\.amazonaws\.com:6379$/);
    expect(values.migrate_database_url).toMatch(/@shortstack-staging-postgres\.abc123\..*:5432\/shortstack\?sslmode=no-verify$/);
    expect(await outputOf(run, 'frontDoorUrl')).toBe('http://shortstack-staging-alb-1234.eu-west-1.elb.amazonaws.com');
  });

  it('renders the same task definitions twice, and a new one only where a file changed', async () => {
    await prod();
    const a = await runProgram('staging', AWS);
    const b = await runProgram('staging', AWS);
    const c = await runProgram('staging', { ...AWS, 'shortstack:nginx': JSON.stringify({ clientTimeoutS: 20 }) });
    const defs = (run: MockRun) => Object.fromEntries(taskDefs(run).map((t) => [t.name, t.inputs.containerDefinitions as string]));
    expect(defs(b)).toEqual(defs(a));
    const changed = Object.keys(defs(a)).filter((k) => defs(a)[k] !== defs(c)[k]);
    expect(changed).toEqual(['nginx-task']);
  });
});

describe('AWS placement (prod, Pulumi.prod.yaml)', () => {
  it('spans three zones with a NAT each, endpoints, Multi-AZ and protected data', async () => {
    const run = await prod();
    expect(run.byType('aws:ec2/subnet:Subnet')).toHaveLength(9);
    expect(run.byType('aws:ec2/natGateway:NatGateway')).toHaveLength(3);
    expect(run.byType('aws:ec2/vpcEndpoint:VpcEndpoint').map((e) => e.inputs.serviceName).sort()).toEqual(
      ['ecr.api', 'ecr.dkr', 'logs', 's3', 'secretsmanager'].map((s) => `com.amazonaws.eu-west-1.${s}`));
    const [db] = run.byType('aws:rds/instance:Instance');
    expect(db!.inputs).toMatchObject({ multiAz: true, deletionProtection: true, backupRetentionPeriod: 14, skipFinalSnapshot: false });
    expect(db!.retainOnDelete).toBe(true);
    const [cache] = run.byType('aws:elasticache/replicationGroup:ReplicationGroup');
    expect(cache!.inputs).toMatchObject({ numCacheClusters: 2, automaticFailoverEnabled: true, multiAzEnabled: true });
  });

  it('keeps RDS backups for point-in-time recovery as long as the stack config says, and a final snapshot in prod only', async () => {
    const [prodDb] = (await prod()).byType('aws:rds/instance:Instance');
    expect(prodDb!.inputs.finalSnapshotIdentifier).toMatch(/-postgres-final$/);
    const [stagingDb] = (await staging()).byType('aws:rds/instance:Instance');
    expect(stagingDb!.inputs).toMatchObject({ backupRetentionPeriod: 1, skipFinalSnapshot: true });
    expect(stagingDb!.inputs.finalSnapshotIdentifier).toBeUndefined();
    const week = await runProgram('staging', { ...AWS, 'shortstack:aws': JSON.stringify({ rds: { backupRetentionDays: 7 } }) });
    expect(week.byType('aws:rds/instance:Instance')[0]!.inputs.backupRetentionPeriod).toBe(7);
  });

  it('runs every image by digest', async () => {
    const run = await prod();
    for (const td of taskDefs(run)) {
      for (const d of defsOf(td)) expect([d.name, d.image]).toEqual([d.name, expect.stringMatching(/@sha256:[0-9a-f]{64}$/)]);
    }
  });

  it('serves HTTPS with the domain\'s certificate, HTTP only redirecting', async () => {
    const run = await prod();
    const listeners = run.byType('aws:lb/listener:Listener').map((l) => [l.inputs.port, l.inputs.protocol, l.inputs.defaultActions[0].type]);
    expect(listeners.sort()).toEqual([[443, 'HTTPS', 'forward'], [80, 'HTTP', 'redirect']]);
    expect(run.byType('aws:acm/certificate:Certificate')[0]!.inputs.domainName).toBe('sho.rt');
    expect(await outputOf(run, 'frontDoorUrl')).toBe('https://sho.rt');
  });

  it('scales the app on CPU from its replicas to the configured maximum', async () => {
    const run = await prod();
    const [target] = run.byType('aws:appautoscaling/target:Target');
    expect(target!.inputs).toMatchObject({ minCapacity: 4, maxCapacity: 16, scalableDimension: 'ecs:service:DesiredCount' });
    const [policy] = run.byType('aws:appautoscaling/policy:Policy');
    expect(policy!.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType).toBe('ECSServiceAverageCPUUtilization');
  });
});

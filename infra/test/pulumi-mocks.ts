// Runs the Pulumi program under pulumi.runtime.setMocks and records the whole resource graph.
import { readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, any>;
  custom: boolean;
  /** The resource options the engine would get (read off the registration request). */
  retainOnDelete: boolean;
  protect: boolean;
  /** The deleteBeforeReplace option, when the program sets one (else the provider decides). */
  deleteBeforeReplace?: boolean;
  /** URNs of the resources each input property's value came from (what Pulumi's replacement chains follow). */
  propertyDependencies: Record<string, string[]>;
}

export interface MockRun {
  resources: Recorded[];
  outputs: Record<string, unknown>;
  /** Each output's value, or the error that would fail `pulumi up` (read at once, so never unhandled). */
  settled: Record<string, Promise<{ value: unknown } | { error: Error }>>;
  byType(type: string): Recorded[];
  container(instance: string): Recorded;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getRetainondelete?(): boolean;
  getProtect?(): boolean;
  getDeletebeforereplace?(): boolean;
  getDeletebeforereplacedefined?(): boolean;
  getPropertydependenciesMap?(): { forEach(f: (deps: { getUrnsList(): string[] }, key: string) => void): void };
}

/** Pulumi.<stack>.yaml as Pulumi hands it to the program (strings, objects JSON-encoded). */
export function stackFileConfig(file: string): Record<string, string> {
  const doc = parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** Resolves an output's value (under mocks every output is known). */
export const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply((v) => { resolve(v); return v; }));
export const isSecret = (o: pulumi.Output<unknown>): Promise<boolean> => (o as unknown as { isSecret: Promise<boolean> }).isSecret;

/** Zones every mocked region has. */
export const MOCK_ZONES = ['a', 'b', 'c'];

/**
 * What the mocked AWS API answers to the program's lookups. `rolledBack` names ECS services
 * whose deployment the circuit breaker rolled back: they report an older task definition.
 */
export interface AwsMockOptions {
  rolledBack?: string[];
}

export async function runProgram(stack: string, config: Record<string, string>, secretKeys: string[] = [],
  exitCodes: Record<string, number> = {}, awsOptions: AwsMockOptions = {}): Promise<MockRun> {
  const resources: Recorded[] = [];
  /** ECS task definition ARN by family, as the mocked API would answer for its service. */
  const taskDefinitions = new Map<string, string>();
  const region = config['aws:region'] ?? 'eu-west-1';
  type Options = Pick<Recorded, 'retainOnDelete' | 'protect' | 'deleteBeforeReplace' | 'propertyDependencies'>;
  const options = new Map<string, Options>();
  await pulumi.runtime.setMocks({
    newResource(args) {
      const o = options.get(`${args.type}::${args.name}`) ?? { retainOnDelete: false, protect: false, propertyDependencies: {} };
      resources.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true, ...o });
      // Images report their id and digest; an attached (one-shot) container its exit code, as the
      // provider does once it has run; everything else echoes its inputs.
      const exitCode = args.inputs.attach ? (exitCodes[args.name] ?? 0) : undefined;
      const arn = `arn:aws:mock:${region}:123456789012:${args.type.split(':').pop()}/${args.name}`;
      const state = {
        ...args.inputs, repoDigest: `sha256:${args.name}`, imageId: `sha256:id-${args.name}`, result: `generated-${args.name}`, exitCode,
        arn,
        // The AWS resources' computed attributes the program reads.
        ...(args.type === 'aws:ecs/taskDefinition:TaskDefinition' ? { arn: `${arn}:1` } : {}),
        ...(args.type === 'aws:ecr/repository:Repository' ? { repositoryUrl: `123456789012.dkr.ecr.${region}.amazonaws.com/${args.name}`, registryId: '123456789012' } : {}),
        ...(args.type === 'docker:index/image:Image' && args.inputs.registry ? { repoDigest: `123456789012.dkr.ecr.${region}.amazonaws.com/${args.name}@sha256:${'ab'.repeat(32)}` } : {}),
        ...(args.type === 'aws:rds/instance:Instance' ? { address: `${args.name}.abc123.${region}.rds.amazonaws.com` } : {}),
        ...(args.type === 'aws:elasticache/replicationGroup:ReplicationGroup' ? { primaryEndpointAddress: `master.${args.name}.abc123.${region}.cache.amazonaws.com` } : {}),
        ...(args.type === 'aws:lb/loadBalancer:LoadBalancer' ? { dnsName: `${args.name}-1234.${region}.elb.amazonaws.com`, zoneId: 'Z32O12XQLNTSW2' } : {}),
        ...(args.type === 'aws:ec2/vpc:Vpc' ? { cidrBlock: args.inputs.cidrBlock } : {}),
        ...(args.type === 'aws:secretsmanager/secretVersion:SecretVersion' ? { versionId: `version-${args.name}` } : {}),
        ...(args.type === 'aws:acm/certificate:Certificate' ? {
          domainValidationOptions: [{ domainName: args.inputs.domainName, resourceRecordName: `_x.${args.inputs.domainName}`, resourceRecordType: 'CNAME', resourceRecordValue: '_y.acm-validations.aws' }],
        } : {}),
        ...(args.type === 'aws:acm/certificateValidation:CertificateValidation' ? { certificateArn: args.inputs.certificateArn } : {}),
      };
      if (args.type === 'aws:ecs/taskDefinition:TaskDefinition') taskDefinitions.set(args.inputs.family, state.arn);
      return { id: `${args.name}-id`, state };
    },
    call: (args) => {
      switch (args.token) {
        case 'aws:index/getAvailabilityZones:getAvailabilityZones':
          return { names: MOCK_ZONES.map((z) => `${region}${z}`) };
        case 'aws:index/getCallerIdentity:getCallerIdentity':
          return { accountId: '123456789012' };
        case 'aws:ecr/getAuthorizationToken:getAuthorizationToken':
          return { userName: 'AWS', password: 'ecr-token' };
        case 'aws:ecs/getService:getService': {
          const family = String(args.inputs.serviceName);
          const current = taskDefinitions.get(family);
          const rolledBack = (awsOptions.rolledBack ?? []).some((c) => family.endsWith(`-${c}`));
          return { taskDefinition: rolledBack ? `${current}-previous` : current };
        }
        default:
          return args.inputs;
      }
    },
  }, 'shortstack', stack, false);
  // The mocks hand newResource no options: read them and the property dependencies off the request.
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: unknown): unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap?.().forEach((deps, key) => { propertyDependencies[key] = deps.getUrnsList(); });
    options.set(`${req.getType()}::${req.getName()}`, {
      retainOnDelete: req.getRetainondelete?.() ?? false,
      protect: req.getProtect?.() ?? false,
      ...(req.getDeletebeforereplacedefined?.() ? { deleteBeforeReplace: req.getDeletebeforereplace?.() ?? false } : {}),
      propertyDependencies,
    });
    return register(req, cb);
  };
  pulumi.runtime.setAllConfig(config, secretKeys);
  const { defineStack } = await import('../program.js');
  const outputs: Record<string, unknown> = {};
  const settled: MockRun['settled'] = {};
  // Pulumi captures a stack trace for every promise it makes (a leak detector's aid), and with
  // source maps on, each capture is mapped: three quarters of a run's CPU. No frames while the
  // graph registers; errors keep their messages, which is what the tests read.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const [k, v] of Object.entries(defineStack())) {
      outputs[k] = v;
      // An output whose apply threw rejects each of its internal promises: the program's
      // `up` fails on them; here they are read at once, so none is left unhandled.
      const o = v as unknown as { promise(): Promise<unknown>; isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources?: () => Promise<unknown> };
      if (pulumi.Output.isInstance(v)) for (const q of [o.isKnown, o.isSecret, o.allResources?.()]) q?.catch(() => undefined);
      const p = pulumi.Output.isInstance(v) ? o.promise() : Promise.resolve(v);
      settled[k] = p.then((value) => ({ value }), (error: Error) => ({ error }));
    }
    await pulumi.runtime.disconnect();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const byType = (type: string) => resources.filter((r) => r.type === type);
  return {
    resources,
    outputs,
    settled,
    byType,
    container(instance) {
      const c = byType('docker:index/container:Container').find((r) => r.name === instance);
      if (!c) throw new Error(`no container ${instance}`);
      return c;
    },
  };
}

const shared = new Map<string, Promise<MockRun>>();

/**
 * One run of a stack config for every test in this process that only reads it: test:unit runs
 * its files in one process per worker, and a whole-graph run costs about a second of CPU. A test
 * that compares two runs of one config (a second `up`) calls runProgram for each.
 */
export function sharedRun(stack: string, config: Record<string, string>): Promise<MockRun> {
  const key = JSON.stringify([stack, Object.entries(config).sort(([a], [b]) => a.localeCompare(b))]);
  let run = shared.get(key);
  if (!run) shared.set(key, (run = runProgram(stack, config)));
  return run;
}

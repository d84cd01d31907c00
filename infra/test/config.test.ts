import { describe, expect, it } from 'vitest';
import { problemsIn } from './support/config-problems.js';
import { GENERATED_SECRETS, generatedLength, OPTIONAL_SECRETS, SECRET_NAMES, SECRET_TABLE } from '../topology/secret-table.js';
import { DEFAULT_IMAGES } from '../topology/images.js';
import { StackConfigError, fromPulumiConfig, parseStackConfig, SECRET_CONFIG_KEYS } from '../topology/config.js';

describe('parseStackConfig', () => {
  it('fills every default from an empty config', () => {
    const c = parseStackConfig({});
    expect(c.replicas).toBe(2);
    expect(c.publicPort).toBe(8080);
    expect(c.publicBaseUrl).toBe('http://localhost:8080');
    expect(c.images).toEqual(DEFAULT_IMAGES);
    expect(c.pools).toEqual({ appDbPoolMax: 10, pgbouncerPoolSize: 20, pgbouncerMaxClientConn: 1000 });
    expect(c.alerts).toEqual({ timing: {} });
  });

  it('reads values as Pulumi hands them over (strings and JSON-encoded objects)', () => {
    const raw = fromPulumiConfig({
      'shortstack:replicas': '3',
      'shortstack:pools': '{"pgbouncerPoolSize":40}',
      'shortstack:publicBaseUrl': 'https://sho.rt',
      'shortstack:dbPassword': 'secret-is-only-a-known-key-here',
      'other:replicas': '9',
    });
    const c = parseStackConfig(raw);
    expect(c.replicas).toBe(3);
    expect(c.pools.pgbouncerPoolSize).toBe(40);
    expect(c.pools.appDbPoolMax).toBe(10);
    expect(c.publicBaseUrl).toBe('https://sho.rt');
  });

  it('lists every bad key in one error', () => {
    let err: unknown;
    try {
      parseStackConfig({
        replicas: 0,
        publicPort: 'eighty',
        replica: 2,
        images: { nginx: 'nginx', bogus: 'x:1' },
        resources: { app: { cpus: -1 } },
        alerts: { smtp: { smarthost: 'mail', from: 'me', to: [] }, timing: { groupWait: 'soon' } },
        postgresVolumeGiB: 10,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StackConfigError);
    const problems = (err as StackConfigError).problems;
    expect(Object.keys(problems).sort()).toEqual([
      'alerts.smtp.from', 'alerts.smtp.smarthost', 'alerts.smtp.to', 'alerts.timing.groupWait',
      'images.bogus', 'images.nginx', 'postgresVolumeGiB', 'publicPort', 'replica', 'replicas', 'resources.app.cpus',
    ]);
    expect((err as Error).message).toContain('shortstack:replicas must be an integer from 1 to 32 (got 0)');
    expect((err as Error).message).toContain('shortstack:images.nginx must be an image pinned by tag or digest');
    // A key an older stack file may carry is named with what replaced it.
    expect(problems.postgresVolumeGiB).toMatch(/^is no longer read: node-exporter measures the disk/);
  });

  it('refuses two services on one host port', () => {
    expect(() => parseStackConfig({ publicPort: 9090 })).toThrow(/host ports must differ/);
  });
});

describe('config consistency', () => {

  it("sizes Redis's container from the cache (prod: 1024 MB of cache in a 1280 MB container)", () => {
    expect(parseStackConfig({}).resources.redis.memoryMb).toBe(320);
    expect(parseStackConfig({ cache: { redisMaxMemoryMb: 1024 } }).resources.redis.memoryMb).toBe(1280);
    expect(parseStackConfig({ cache: { redisMaxMemoryMb: 64 } }).resources.redis.memoryMb).toBe(320);
    // Set explicitly, it must leave the room; the old prod (1024 MB in 320 MB) is refused.
    expect(problemsIn({ cache: { redisMaxMemoryMb: 1024 }, resources: { redis: { memoryMb: 320 } } })['cache.redisMaxMemoryMb']).toBe(
      "1024 MB of cache does not fit Redis's 320 MB container (resources.redis.memoryMb): Redis needs 25% above maxmemory for fragmentation "
      + 'and client buffers, so the container needs at least 1280 MB. Raise resources.redis.memoryMb, lower the cache, '
      + 'or leave resources.redis.memoryMb unset: it then follows the cache');
    expect(parseStackConfig({ cache: { redisMaxMemoryMb: 1024 }, resources: { redis: { memoryMb: 1500 } } }).resources.redis.memoryMb).toBe(1500);
  });

  it("keeps PostgreSQL's shared_buffers within 40% of its memory", () => {
    expect(parseStackConfig({}).postgres).toEqual({ maxConnections: 200, sharedBuffersMb: 128 });
    expect(problemsIn({ postgres: { sharedBuffersMb: 512 } })['postgres.sharedBuffersMb']).toMatch(
      /^512 MB of shared_buffers in a 512 MB container \(resources\.postgres\.memoryMb\): keep it at most 40% \(204 MB\)/);
    expect(problemsIn({ resources: { postgres: { memoryMb: 256 } } })['postgres.sharedBuffersMb']).toMatch(/keep it at most 40% \(102 MB\)/);
  });

  it("keeps PgBouncer's pool and the direct connections within max_connections, and the app's pools within max_client_conn", () => {
    expect(problemsIn({ pools: { pgbouncerPoolSize: 195 } })['pools.pgbouncerPoolSize']).toBe(
      '195 server connections plus 7 direct ones (migrate 2, postgres-exporter 1, set-db-password 1, superuserReserved 3) exceed '
      + "PostgreSQL's max_connections 200 (postgres.maxConnections): lower the pool to at most 193 or raise max_connections");
    expect(problemsIn({ pools: { pgbouncerPoolSize: 193 } })).toEqual({});
    expect(problemsIn({ replicas: 8, pools: { appDbPoolMax: 100, pgbouncerMaxClientConn: 500 } })['pools.pgbouncerMaxClientConn']).toMatch(
      /^8 replicas x 100 connections \(pools\.appDbPoolMax\) plus 2 other clients need 802 PgBouncer client connections, more than its max_client_conn 500/);
    expect(problemsIn({ postgres: { maxConnections: 500 } })['postgres.maxConnections']).toMatch(/more than resources\.postgres\.pids \(512\)/);
  });

  it('accepts both stack files as they are', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    for (const file of ['Pulumi.dev.yaml', 'Pulumi.prod.yaml', 'Pulumi.staging.yaml']) {
      const doc = parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as { config: Record<string, unknown> };
      const raw = fromPulumiConfig(Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));
      const region = doc.config['aws:region'] as string | undefined;
      expect([file, problemsIn(raw, region)]).toEqual([file, {}]);
    }
  });
});

describe('Pulumi.dev.yaml', () => {
  it('lists only what differs from the defaults: every value it sets is one the parser would not fill in', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const doc = parse(readFileSync(new URL('../../Pulumi.dev.yaml', import.meta.url), 'utf8')) as { config: Record<string, unknown> };
    const defaults = parseStackConfig({}) as unknown as Record<string, unknown>;
    const leaves = (v: unknown, path: string[]): [string[], unknown][] =>
      (typeof v === 'object' && v !== null && !Array.isArray(v)
        ? Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k])) : [[path, v]]);
    const at = (path: string[]) => path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], defaults);
    const set = leaves(fromPulumiConfig(Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, JSON.stringify(v)]))), []);
    expect(set.length).toBeGreaterThan(0);
    expect(set.filter(([path, v]) => JSON.stringify(at(path)) === JSON.stringify(v)).map(([path]) => path.join('.'))).toEqual([]);
  });
});

describe('the placement branch of the config', () => {

  it('defaults a whole aws stack from the placement and the region, dev tier', () => {
    const c = parseStackConfig({ placement: 'aws' }, { awsRegion: 'us-east-2' });
    expect(c.aws).toMatchObject({
      region: 'us-east-2', tier: 'dev', azCount: 2, natGateways: 'one', vpcEndpoints: false, maxReplicas: 8,
      rds: { multiAz: false, deletionProtection: false, backupRetentionDays: 1 },
    });
    const p = parseStackConfig({ placement: 'aws', aws: { tier: 'prod' } }, { awsRegion: 'us-east-2' });
    expect(p.aws).toMatchObject({ azCount: 3, natGateways: 'per-az', vpcEndpoints: true, rds: { multiAz: true, deletionProtection: true, backupRetentionDays: 14 } });
  });

  it('refuses the keys of one placement on the other, saying why', () => {
    expect(problemsIn({ placement: 'aws', publicPort: 80, backendSubnet: '10.0.0.0/24', appImageName: 'x:y' }, 'eu-west-1')).toEqual({
      publicPort: 'is for the docker placement only, not aws: the ALB listens on 80/443',
      backendSubnet: 'is for the docker placement only, not aws: subnets come from aws.vpcCidr',
      appImageName: "is for the docker placement only, not aws: the app image is pushed to the stack's ECR repository and deployed by digest",
    });
    expect(problemsIn({ aws: { tier: 'prod' } })).toEqual({ aws: "is for the aws placement only, not docker: it is the AWS placement's branch" });
  });

  it('needs the region, and checks the aws keys', () => {
    expect(problemsIn({ placement: 'aws' })).toEqual({ 'aws:region': 'must be set for the aws placement (pulumi config set aws:region eu-west-1)' });
    expect(problemsIn({ placement: 'aws', aws: { azCount: 5, logRetentionDays: 10, domain: 'sho.rt', colour: 'red', maxReplicas: 1 }, replicas: 2 }, 'eu-west-1')).toEqual({
      'aws.azCount': 'must be an integer from 2 to 3 (got 5)',
      'aws.logRetentionDays': expect.stringMatching(/^must be one of CloudWatch's periods: 1, 3, 5, 7, 14/),
      'aws.domain': 'and aws.hostedZoneId go together: the certificate is validated and the name published in that Route 53 zone',
      'aws.colour': 'is not a known key',
      'aws.maxReplicas': 'must be at least replicas (2): the service scales from replicas up',
    });
    expect(problemsIn({ placement: 'kubernetes' })).toEqual({ placement: 'must be "docker" or "aws" (got "kubernetes")' });
  });

  it('reads pgbouncerStatsPassword as the secret it is, not an unknown key', () => {
    expect(problemsIn({ pgbouncerStatsPassword: 's3cret' })).toEqual({});
  });
});

describe('the secret table', () => {
  it('is what the config parser knows as secret keys: every one is accepted, none is unknown', () => {
    expect([...SECRET_CONFIG_KEYS].sort()).toEqual(Object.keys(SECRET_TABLE).sort());
    expect(() => parseStackConfig(Object.fromEntries(SECRET_NAMES.map((k) => [k, 'x'])))).not.toThrow();
    // Generated or optional, never both: a generated one always has a length worth having.
    expect(GENERATED_SECRETS.length + OPTIONAL_SECRETS.length).toBe(SECRET_NAMES.length);
    for (const k of GENERATED_SECRETS) expect(generatedLength(k)).toBeGreaterThanOrEqual(24);
  });
});

describe('appImage: the image a stack runs instead of building one', () => {
  const DIGEST = `sha256:${'ab'.repeat(32)}`;
  const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shortstack-prod-app';
  const problemsOf = (raw: Record<string, unknown>) => problemsIn(raw, 'eu-west-1');
  const prodTier = { placement: 'aws', aws: { tier: 'prod' } };

  it('is absent unless set: the app is built from app/Dockerfile', () => {
    expect(parseStackConfig({}).appImage).toBeUndefined();
  });

  it('takes a tag, a digest or (on Docker) a local image id', () => {
    for (const ref of ['shortstack-app:1.4.0', `${ECR}@${DIGEST}`, `${ECR}:src-1@${DIGEST}`, 'localhost:5000/app:x', DIGEST]) {
      expect([ref, parseStackConfig({ appImage: ref }).appImage]).toEqual([ref, ref]);
    }
    expect(parseStackConfig({ placement: 'aws', appImage: 'shortstack-app:1.4.0' }, { awsRegion: 'eu-west-1' }).appImage).toBe('shortstack-app:1.4.0');
  });

  it('refuses a tag on a prod-tier stack, from its config and whatever the stack is called', () => {
    expect(problemsOf({ ...prodTier, appImage: `${ECR}:1.4.0` }).appImage).toMatch(
      /^must be a registry digest \(repository@sha256:\.\.\.\) on a prod-tier stack \(aws\.tier prod\), not the tag .*:1\.4\.0: a tag can be pushed again/);
    expect(problemsOf({ ...prodTier, appImage: `${ECR}@${DIGEST}` })).toEqual({});
  });

  it('refuses a local image id on AWS (only one engine has it), and what is no image reference', () => {
    expect(problemsOf({ placement: 'aws', appImage: DIGEST }).appImage).toMatch(/^is a local Docker image id .*npm run promote does both\)$/);
    expect(problemsOf({ appImage: 'no such image!' }).appImage).toBe(
      'must be repository@sha256:<digest>, repository:tag, or a local image id sha256:<digest> (got "no such image!")');
    expect(problemsOf({ appImage: 'shortstack-app' }).appImage).toMatch(/^must be repository@sha256/);
  });
});

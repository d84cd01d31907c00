import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGES } from '../topology/images.js';
import { StackConfigError, fromPulumiConfig, parseStackConfig } from '../topology/config.js';

describe('parseStackConfig', () => {
  it('fills every default from an empty config', () => {
    const c = parseStackConfig({});
    expect(c.replicas).toBe(2);
    expect(c.publicPort).toBe(8080);
    expect(c.publicBaseUrl).toBe('http://localhost:8080');
    expect(c.images).toEqual(DEFAULT_IMAGES);
    expect(c.pools).toEqual({ appDbPoolMax: 10, pgbouncerPoolSize: 20, pgbouncerMaxClientConn: 1000 });
    expect(c.alerts).toEqual({ timing: {} });
    expect(c.postgresVolumeGiB).toBe(10);
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
        postgresVolumeGiB: 0,
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
  });

  it('refuses two services on one host port', () => {
    expect(() => parseStackConfig({ publicPort: 9090 })).toThrow(/host ports must differ/);
  });
});

describe('config consistency', () => {
  const problemsOf = (raw: Record<string, unknown>): Record<string, string> => {
    try {
      parseStackConfig(raw);
      return {};
    } catch (e) {
      return (e as StackConfigError).problems;
    }
  };

  it("sizes Redis's container from the cache (prod: 1024 MB of cache in a 1280 MB container)", () => {
    expect(parseStackConfig({}).resources.redis.memoryMb).toBe(320);
    expect(parseStackConfig({ cache: { redisMaxMemoryMb: 1024 } }).resources.redis.memoryMb).toBe(1280);
    expect(parseStackConfig({ cache: { redisMaxMemoryMb: 64 } }).resources.redis.memoryMb).toBe(320);
    // Set explicitly, it must leave the room; the old prod (1024 MB in 320 MB) is refused.
    expect(problemsOf({ cache: { redisMaxMemoryMb: 1024 }, resources: { redis: { memoryMb: 320 } } })['cache.redisMaxMemoryMb']).toBe(
      "1024 MB of cache does not fit Redis's 320 MB container (resources.redis.memoryMb): Redis needs 25% above maxmemory for fragmentation "
      + 'and client buffers, so the container needs at least 1280 MB. Raise resources.redis.memoryMb, lower the cache, '
      + 'or leave resources.redis.memoryMb unset: it then follows the cache');
    expect(parseStackConfig({ cache: { redisMaxMemoryMb: 1024 }, resources: { redis: { memoryMb: 1500 } } }).resources.redis.memoryMb).toBe(1500);
  });

  it("keeps PostgreSQL's shared_buffers within 40% of its memory", () => {
    expect(parseStackConfig({}).postgres).toEqual({ maxConnections: 200, sharedBuffersMb: 128 });
    expect(problemsOf({ postgres: { sharedBuffersMb: 512 } })['postgres.sharedBuffersMb']).toMatch(
      /^512 MB of shared_buffers in a 512 MB container \(resources\.postgres\.memoryMb\): keep it at most 40% \(204 MB\)/);
    expect(problemsOf({ resources: { postgres: { memoryMb: 256 } } })['postgres.sharedBuffersMb']).toMatch(/keep it at most 40% \(102 MB\)/);
  });

  it("keeps PgBouncer's pool and the direct connections within max_connections, and the app's pools within max_client_conn", () => {
    expect(problemsOf({ pools: { pgbouncerPoolSize: 195 } })['pools.pgbouncerPoolSize']).toBe(
      '195 server connections plus 7 direct ones (migrate 2, postgres-exporter 1, set-db-password 1, superuserReserved 3) exceed '
      + "PostgreSQL's max_connections 200 (postgres.maxConnections): lower the pool to at most 193 or raise max_connections");
    expect(problemsOf({ pools: { pgbouncerPoolSize: 193 } })).toEqual({});
    expect(problemsOf({ replicas: 8, pools: { appDbPoolMax: 100, pgbouncerMaxClientConn: 500 } })['pools.pgbouncerMaxClientConn']).toMatch(
      /^8 replicas x 100 connections \(pools\.appDbPoolMax\) plus 2 other clients need 802 PgBouncer client connections, more than its max_client_conn 500/);
    expect(problemsOf({ postgres: { maxConnections: 500 } })['postgres.maxConnections']).toMatch(/more than resources\.postgres\.pids \(512\)/);
  });

  it('accepts both stack files as they are', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    for (const file of ['Pulumi.dev.yaml', 'Pulumi.prod.yaml']) {
      const doc = parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as { config: Record<string, unknown> };
      const raw = fromPulumiConfig(Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));
      expect(problemsOf(raw)).toEqual({});
    }
  });
});

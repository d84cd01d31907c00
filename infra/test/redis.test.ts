// redis-server started on the rendered redis.conf: the password (with characters that need
// quoting) is required, and persistence is off.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandServer } from '../loopback/servers/command.js';
import { freePort } from '../loopback/servers/ports.js';
import { spawnSync } from 'node:child_process';
import { renderRedisConf } from '../render/redis.js';
import { buildTopology } from '../topology/build.js';
import { parseStackConfig } from '../topology/config.js';
import { resolveText, type Secrets } from '../topology/types.js';
import { expectAnonymousRefused } from './support/redis-auth.js';

describe('rendered redis.conf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-redis-'));
  const password = 'pa"ss\\word with spaces';
  let server: CommandServer;

  beforeAll(async () => {
    const port = await freePort();
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, renderRedisConf({ bind: '127.0.0.1', port, password, maxMemoryMb: 32 }));
    server = new CommandServer({ name: 'redis', port, command: '/usr/bin/redis-server', args: [conf], dir });
    await server.start();
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (pw?: string) => new Redis({ host: '127.0.0.1', port: server.port, password: pw, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });

  it('answers with the password and refuses without it', async () => {
    const good = client(password);
    try {
      await good.connect();
      expect(await good.ping()).toBe('PONG');
      expect(await good.config('GET', 'save')).toEqual(['save', '']);
      expect(await good.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
    } finally {
      good.disconnect();
    }
    await expectAnonymousRefused(server.port);
  });
});

// The Docker placement's Redis: redis.conf (plain, in the config volume) includes the secret
// requirepass file (in the secrets volume), and the health check reads the password file.
describe("the topology's redis files, as Docker mounts them", () => {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-redis-topo-'));
  const password = 'topo "pw" \\ with spaces';
  const secrets: Secrets = { dbPassword: 'a', redisPassword: password, grafanaAdminPassword: 'c', adminApiKey: 'd', pgbouncerStatsPassword: 'e', backupCipherPass: 'f' };
  let server: CommandServer;
  let port: number;
  // The container's paths, moved into this test's folder.
  const local = (p: string) => join(dir, p.replace(/^\//, '').replace(/\//g, '_'));

  beforeAll(async () => {
    port = await freePort();
    const redis = buildTopology(parseStackConfig({})).component('redis');
    for (const f of redis.files) {
      let content = resolveText(f.content, secrets);
      for (const g of redis.files) content = content.split(g.path).join(local(g.path));
      content = content.replace(/^port \d+$/m, `port ${port}`).replace(/^bind .*$/m, 'bind 127.0.0.1');
      writeFileSync(local(f.path), content, { mode: f.path.startsWith('/run/secrets/') ? 0o400 : 0o644 });
    }
    const conf = redis.files.find((f) => f.path.endsWith('redis.conf'))!;
    expect(resolveText(conf.content, secrets)).not.toContain(password);
    server = new CommandServer({ name: 'redis', port, command: '/usr/bin/redis-server', args: [local(conf.path)], dir });
    await server.start();
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('requires the password from the included file, and the health check passes with it', () => {
    const redis = buildTopology(parseStackConfig({})).component('redis');
    const [kind, script] = redis.health!.test;
    expect(kind).toBe('CMD-SHELL');
    const probe = (s: string) => spawnSync('sh', ['-c', s]);
    const local_ = script!.replace('/run/secrets/redis-password', local('/run/secrets/redis-password')).replace('redis-cli', `redis-cli -p ${port}`);
    expect(probe(local_).status).toBe(0);
    // Without the password the same probe fails (NOAUTH is not PONG).
    expect(probe(`redis-cli -p ${port} ping | grep -qx PONG`).status).toBe(1);
  });
});

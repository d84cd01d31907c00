// redis-server started on the rendered redis.conf: the password (with characters that need
// quoting) is required, and persistence is off.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandServer } from '../loopback/servers/command.js';
import { freePort } from '../loopback/servers/ports.js';
import { renderRedisConf } from '../render/redis.js';

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
    const anonymous = client();
    const errors: Error[] = [];
    anonymous.on('error', (e: Error) => errors.push(e));
    try {
      await expect(anonymous.connect().then(() => anonymous.get('x'))).rejects.toThrow();
      expect(errors.map((e) => e.message).join(' ')).toMatch(/NOAUTH/);
    } finally {
      anonymous.disconnect();
    }
  });
});

// redis.conf: a cache and a message bus, so no persistence; a password because every backend
// container can reach it.

export interface RedisConfigInput {
  bind: string;
  port: number;
  password: string;
  maxMemoryMb: number;
}

export function renderRedisConf(c: RedisConfigInput): string {
  const quoted = `"${c.password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return [
    `bind ${c.bind}`,
    `port ${c.port}`,
    `requirepass ${quoted}`,
    `maxmemory ${c.maxMemoryMb}mb`,
    // Cached links and rate-limit counters may be dropped under pressure; PostgreSQL has the truth.
    'maxmemory-policy allkeys-lru',
    'save ""',
    'appendonly no',
    'dir /tmp',
    '',
  ].join('\n');
}

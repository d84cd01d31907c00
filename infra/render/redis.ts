// redis.conf: a cache and a message bus, so no persistence; a password because every backend
// container can reach it. The password may live in a file of its own (renderRedisAuthConf),
// pulled in with `include`, so the main config holds no secret and the secret file can be
// readable by Redis alone.

export interface RedisConfigInput {
  bind: string;
  port: number;
  /** Inline `requirepass` (a config file that is itself secret, e.g. the loopback's 0600 file). */
  password?: string;
  /** Files pulled in with `include` (read at start, in order): e.g. the secret auth file. */
  includes?: string[];
  maxMemoryMb: number;
  /** Working folder (nothing is persisted there: save and appendonly are off). */
  dir?: string;
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The one line that carries the password: a file of its own, mode 0400, for `include`. */
export function renderRedisAuthConf(password: string): string {
  return `requirepass ${quote(password)}\n`;
}

export function renderRedisConf(c: RedisConfigInput): string {
  return [
    `bind ${c.bind}`,
    `port ${c.port}`,
    ...(c.password !== undefined ? [renderRedisAuthConf(c.password).trimEnd()] : []),
    `maxmemory ${c.maxMemoryMb}mb`,
    // Cached links and rate-limit counters may be dropped under pressure; PostgreSQL has the truth.
    'maxmemory-policy allkeys-lru',
    'save ""',
    'appendonly no',
    `dir ${quote(c.dir ?? '/tmp')}`,
    ...(c.includes ?? []).map((f) => `include ${quote(f)}`),
    '',
  ].join('\n');
}

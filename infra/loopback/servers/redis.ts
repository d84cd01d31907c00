import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderRedisAuthConf } from '../../render/redis.js';
import { parseStackConfig, type StackConfig } from '../../topology/config.js';
import { loopbackRedisConf } from '../configs.js';
import { CommandServer } from './command.js';

export interface RedisOptions {
  dir: string;
  port: number;
  password?: string | undefined;
  /** The stack config its redis.conf is rendered from (maxmemory); the defaults when omitted. */
  config?: StackConfig | undefined;
}

/** Files inside DIR: the rendered redis.conf, and the password it includes. */
export function redisPaths(dir: string) {
  return { conf: join(dir, 'redis.conf'), authFile: join(dir, 'redis-auth.conf') };
}

/**
 * redis-server on 127.0.0.1 from the topology's redis.conf (persistence off: a cache and a bus).
 * The password is in the file it includes, mode 0600 (redis-server's user's alone), written at
 * each start, never on the command line (which `ps` shows every user).
 */
export class RedisServer extends CommandServer {
  constructor(private readonly opts: RedisOptions) {
    super({ name: 'redis', port: opts.port, command: '/usr/bin/redis-server', args: [redisPaths(opts.dir).conf], dir: opts.dir });
  }

  override async start(): Promise<void> {
    if (this.isRunning()) return;
    const paths = redisPaths(this.opts.dir);
    const conf = loopbackRedisConf({ config: this.opts.config ?? parseStackConfig({}) }, {
      listen: { host: '127.0.0.1', port: this.opts.port }, dir: this.opts.dir, authFile: paths.authFile,
    });
    this.prepareDir();
    writeFileSync(paths.conf, conf);
    // No password: an empty file (`include` needs one), and Redis without auth (a unit test's).
    writeFileSync(paths.authFile, this.opts.password ? renderRedisAuthConf(this.opts.password) : '', { mode: 0o600 });
    // `mode` applies only to a new file: a kept folder's may be older.
    chmodSync(paths.authFile, 0o600);
    await super.start();
  }

  url(): string {
    const auth = this.opts.password ? `:${encodeURIComponent(this.opts.password)}@` : '';
    return `redis://${auth}127.0.0.1:${this.port}`;
  }
}

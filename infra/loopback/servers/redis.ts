import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderRedisConf } from '../../render/redis.js';
import { CommandServer } from './command.js';

export interface RedisOptions {
  dir: string;
  port: number;
  password?: string;
  maxMemoryMb?: number;
}

/**
 * redis-server on 127.0.0.1 with persistence off: it is a cache and a bus here. Its settings,
 * the password among them, are in a config file of mode 0600 written at each start, never on
 * the command line (which `ps` shows every user).
 */
export class RedisServer extends CommandServer {
  constructor(private readonly opts: RedisOptions) {
    super({ name: 'redis', port: opts.port, command: '/usr/bin/redis-server', args: [join(opts.dir, 'redis.conf')], dir: opts.dir });
  }

  override async start(): Promise<void> {
    if (this.isRunning()) return;
    const conf = renderRedisConf({
      bind: '127.0.0.1', port: this.opts.port, maxMemoryMb: this.opts.maxMemoryMb ?? 256, dir: this.opts.dir,
      ...(this.opts.password ? { password: this.opts.password } : {}),
    });
    this.prepareDir();
    writeFileSync(join(this.opts.dir, 'redis.conf'), conf, { mode: 0o600 });
    await super.start();
  }

  url(): string {
    const auth = this.opts.password ? `:${encodeURIComponent(this.opts.password)}@` : '';
    return `redis://${auth}127.0.0.1:${this.port}`;
  }
}

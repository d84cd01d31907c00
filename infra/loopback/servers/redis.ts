import { CommandServer } from './command.js';

export interface RedisOptions {
  dir: string;
  port: number;
  password?: string;
  maxMemoryMb?: number;
}

/** redis-server on 127.0.0.1 with persistence off: it is a cache and a bus here. */
export class RedisServer extends CommandServer {
  constructor(private readonly opts: RedisOptions) {
    const args = ['--port', String(opts.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', opts.dir, '--maxmemory', `${opts.maxMemoryMb ?? 256}mb`, '--maxmemory-policy', 'allkeys-lru'];
    if (opts.password) args.push('--requirepass', opts.password);
    super({ name: 'redis', port: opts.port, command: '/usr/bin/redis-server', args, dir: opts.dir });
  }

  url(): string {
    const auth = this.opts.password ? `:${encodeURIComponent(this.opts.password)}@` : '';
    return `redis://${auth}127.0.0.1:${this.port}`;
  }
}

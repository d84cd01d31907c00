import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessServer } from './managed.js';
import { startProcess } from './process.js';
import { canConnect, waitFor } from './ports.js';

export interface RedisOptions {
  dir: string;
  port: number;
  password?: string;
  maxMemoryMb?: number;
}

/** redis-server on 127.0.0.1 with persistence off: it is a cache and a bus here. */
export class RedisServer extends ProcessServer {
  readonly name = 'redis';
  readonly port: number;

  constructor(private readonly opts: RedisOptions) {
    super();
    this.port = opts.port;
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    mkdirSync(this.opts.dir, { recursive: true });
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.opts.dir, '--maxmemory', `${this.opts.maxMemoryMb ?? 256}mb`, '--maxmemory-policy', 'allkeys-lru'];
    if (this.opts.password) args.push('--requirepass', this.opts.password);
    this.proc = startProcess({
      name: this.name,
      command: '/usr/bin/redis-server',
      args,
      logFile: join(this.opts.dir, 'redis.log'),
    });
    await waitFor('redis', async () => {
      if (!this.isRunning()) throw new Error(`redis exited; see ${this.opts.dir}/redis.log`);
      return canConnect(this.port);
    });
  }

  url(): string {
    const auth = this.opts.password ? `:${encodeURIComponent(this.opts.password)}@` : '';
    return `redis://${auth}127.0.0.1:${this.port}`;
  }
}

import type { RunningProcess } from './process.js';

/** A server of the loopback stack that chaos tests may stop and start again on the same port. */
export interface ManagedServer {
  readonly name: string;
  readonly port: number;
  start(): Promise<void>;
  /** Graceful stop. */
  stop(): Promise<void>;
  /** SIGKILL: the crash case. */
  kill(): Promise<void>;
  isRunning(): boolean;
}

/** Shared stop/kill/isRunning over the current process of a server. */
export abstract class ProcessServer implements ManagedServer {
  protected proc: RunningProcess | undefined;
  abstract readonly name: string;
  abstract readonly port: number;
  abstract start(): Promise<void>;
  protected readonly stopSignal: NodeJS.Signals = 'SIGTERM';

  async stop(): Promise<void> {
    await this.proc?.stop(this.stopSignal);
    this.proc = undefined;
  }

  async kill(): Promise<void> {
    await this.proc?.stop('SIGKILL');
    this.proc = undefined;
  }

  isRunning(): boolean {
    return this.proc?.isRunning() ?? false;
  }
}

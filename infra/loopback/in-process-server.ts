import type { Server } from 'node:http';
import type { ManagedServer } from './servers/managed.js';

/** A small HTTP server that lives in the stack's own process (the PgBouncer exporter). */
export class InProcessServer implements ManagedServer {
  private server: Server | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly listen: (port: number) => Promise<Server>,
  ) {}

  async start(): Promise<void> {
    this.server ??= await this.listen(this.port);
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  kill(): Promise<void> {
    this.server?.closeAllConnections();
    return this.stop();
  }

  isRunning(): boolean {
    return this.server !== undefined;
  }
}

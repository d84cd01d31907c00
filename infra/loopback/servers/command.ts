import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessServer } from './managed.js';
import { startProcess, type RunAs } from './process.js';
import { canConnect, waitFor } from './ports.js';

export interface CommandServerSpec {
  name: string;
  /** The port that proves readiness (the one clients use). */
  port: number;
  command: string;
  args: string[];
  /** Working folder; its log goes to DIR/NAME.log. */
  dir: string;
  env?: NodeJS.ProcessEnv;
  runAs?: RunAs;
  /** An HTTP path that must answer 2xx; plain TCP accept when omitted. */
  readyPath?: string;
  /** A probe of its own, for servers that accept TCP before they can serve. */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
  stopSignal?: NodeJS.Signals;
}

/** Any server of the loopback stack that is one command and one port. */
export class CommandServer extends ProcessServer {
  readonly name: string;
  readonly port: number;
  protected override readonly stopSignal: NodeJS.Signals;

  constructor(protected readonly spec: CommandServerSpec) {
    super();
    this.name = spec.name;
    this.port = spec.port;
    this.stopSignal = spec.stopSignal ?? 'SIGTERM';
  }

  get logFile(): string {
    return join(this.spec.dir, `${this.spec.name}.console.log`);
  }

  /** The command line it runs (what `ps` shows): must carry no secret. */
  get argv(): string[] {
    return [this.spec.command, ...this.spec.args];
  }

  /** The running process's id, if any (for /proc checks). */
  get pid(): number | undefined {
    return this.isRunning() ? this.proc?.pid : undefined;
  }

  protected prepareDir(): void {
    mkdirSync(this.spec.dir, { recursive: true });
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    this.prepareDir();
    this.proc = startProcess({
      name: this.name,
      command: this.spec.command,
      args: this.spec.args,
      env: this.spec.env,
      cwd: this.spec.dir,
      logFile: this.logFile,
      runAs: this.spec.runAs,
    });
    const { readyPath, ready } = this.spec;
    await waitFor(
      this.name,
      async () => {
        if (!this.isRunning()) throw new Error(`${this.name} exited; see ${this.logFile}`);
        if (ready) return ready();
        if (readyPath === undefined) return canConnect(this.port);
        const res = await fetch(`http://127.0.0.1:${this.port}${readyPath}`, { signal: AbortSignal.timeout(1000) });
        return res.ok;
      },
      this.spec.readyTimeoutMs ?? 20_000,
    );
  }
}

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessServer } from './managed.js';
import { startProcess, type RunAs } from './process.js';
import { canConnect, NotStarting, waitFor } from './ports.js';

/** The last lines of a log, for an error message: a temporary stack's logs go when it stops. */
export function logTail(file: string, lines = 15): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd();
  return text === '' ? '' : `\n--- last lines of ${file} ---\n${text.split('\n').slice(-lines).join('\n')}`;
}

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
    try {
      await waitFor(
        this.name,
        async () => {
          if (!this.isRunning()) throw new NotStarting(`${this.name} exited while starting${logTail(this.logFile)}`);
          if (ready) return ready();
          if (readyPath === undefined) return canConnect(this.port);
          const res = await fetch(`http://127.0.0.1:${this.port}${readyPath}`, { signal: AbortSignal.timeout(1000) });
          return res.ok;
        },
        this.spec.readyTimeoutMs ?? 20_000,
        50,
        () => logTail(this.logFile),
      );
    } catch (err) {
      // A server that did not become ready is not left behind.
      await this.kill();
      throw err;
    }
  }
}

// Child processes of the loopback stack: started directly (no shell, no runuser) so that the
// pid we hold is the server's own, and killed on exit so no process outlives its owner.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface RunAs {
  uid: number;
  gid: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** PostgreSQL and PgBouncer refuse to run as root: when we are root, run them as `postgres`. */
export function serviceUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  runAs?: RunAs | undefined;
}

export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  isRunning(): boolean;
  /** Signal, wait up to `graceMs`, then SIGKILL. Resolves once the process is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function startProcess(spec: ProcessSpec): RunningProcess {
  const fd = openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    stdio: ['ignore', fd, fd],
    ...(spec.runAs ?? {}),
  });
  closeSync(fd);
  live.add(child);
  let running = true;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running = false;
      live.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      running = false;
      live.delete(child);
      resolve(null);
    });
  });
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  return {
    name: spec.name,
    pid: child.pid,
    exited,
    isRunning: () => running,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (!running) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

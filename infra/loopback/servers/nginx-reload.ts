// nginx's graceful reload, done so that the caller knows when it is over: the new config is
// checked first (a bad one would leave the old workers in place and the caller waiting), then
// SIGHUP, then a wait until every worker of the old config has exited. An old worker exits only
// once its in-flight requests are answered and its kept-alive connections, to clients and to
// replicas, are closed: after that, no request can reach a replica the new config left out.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { waitFor } from './ports.js';

const run = promisify(execFile);

/** The parent pid in a /proc/PID/stat line (the command may hold spaces and parentheses). */
export function parentPidOf(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** The processes whose parent is `pid`: an nginx master's workers (and cache helpers, if any). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (parentPidOf(readFileSync(`/proc/${name}/stat`, 'utf8')) === pid) children.push(Number(name));
    } catch {
      // Exited while we looked.
    }
  }
  return children;
}

/** Whether the reload is over: none of the old workers is left and a new one is running. */
export function reloadDone(before: readonly number[], now: readonly number[]): boolean {
  return now.length > 0 && now.every((pid) => !before.includes(pid));
}

export interface ReloadOptions {
  /** The master's pid. */
  pid: number;
  /** nginx's prefix (-p) and config file (-c), for the check. */
  prefix: string;
  confFile: string;
  /** How long old workers may take to finish their in-flight requests. */
  timeoutMs?: number;
  /**
   * The config's drain flag (render/nginx-drain.ts) and how long to hold it before the reload:
   * long enough for every busy client connection to get one answer that closes it.
   */
  drain?: { flagFile: string; ms: number };
}

export async function reloadNginx(o: ReloadOptions): Promise<void> {
  try {
    await run('/usr/sbin/nginx', ['-t', '-q', '-p', o.prefix, '-c', o.confFile], { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`nginx: the new config fails its check, not reloaded: ${e.stderr?.trim() || e.message}`);
  }
  const before = childPids(o.pid);
  if (o.drain) {
    writeFileSync(o.drain.flagFile, '');
    await new Promise((r) => setTimeout(r, o.drain!.ms));
  }
  try {
    process.kill(o.pid, 'SIGHUP');
    await waitFor('nginx reload (old workers finishing their requests)', async () => reloadDone(before, childPids(o.pid)),
      o.timeoutMs ?? 60_000, 50);
  } finally {
    if (o.drain) rmSync(o.drain.flagFile, { force: true });
  }
}

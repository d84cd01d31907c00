// nginx's graceful reload by signal: SIGHUP to its master. On Docker the manager shares nginx's
// pid namespace (the master is pid 1 there); on loopback it reads nginx's pid file.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export interface ReloadTarget {
  pid?: number;
  pidFile?: string;
  /**
   * nginx's drain flag (infra/render/nginx-drain.ts), held `ms` before and after the signal:
   * answers then close their connections, so no request meets the close of an idle keep-alive
   * connection by the retiring workers.
   */
  drain?: { flagFile: string; ms: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function nginxReloader(t: ReloadTarget): () => Promise<void> {
  return async () => {
    const pid = t.pid ?? Number(readFileSync(t.pidFile ?? '', 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`nginx's pid is unknown (${t.pidFile ?? 'no pid file'})`);
    if (t.drain) {
      writeFileSync(t.drain.flagFile, '');
      await sleep(t.drain.ms);
    }
    try {
      process.kill(pid, 'SIGHUP');
      if (t.drain) await sleep(t.drain.ms);
    } finally {
      if (t.drain) rmSync(t.drain.flagFile, { force: true });
    }
  };
}

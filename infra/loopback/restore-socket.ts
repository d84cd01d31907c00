// `npm run restore` against a running `npm run local`: the restore must be done by the process
// that owns PostgreSQL and PgBouncer (it stops and starts them), so the command asks it over a
// unix socket in the stack's folder (mode 0600: only its user, or root, may ask), and prints the
// steps it streams back. One JSON line each way: the request, then {log} lines and a last
// {done} or {error}.
import { chmodSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { RestoreRefused } from '../backup/restore.js';
import { parseRestoreTarget } from '../backup/target.js';
import type { LoopbackBackups } from './backups.js';

export const RESTORE_SOCKET = 'restore.sock';

export interface RestoreRequest {
  to?: string;
  latest?: boolean;
  yes?: boolean;
}

type Reply = { log: string } | { done: { step: string; ms: number }[] } | { error: string; refused: boolean };

/** Listens on DIR/restore.sock; the returned function closes it. One restore at a time. */
export function listenForRestore(dir: string, backups: Pick<LoopbackBackups, 'restore'>, out: (line: string) => void = console.log): () => void {
  const path = join(dir, RESTORE_SOCKET);
  rmSync(path, { force: true });
  let running = false;
  const server = createServer((sock) => {
    let buf = '';
    const send = (r: Reply) => sock.write(`${JSON.stringify(r)}\n`);
    sock.on('error', () => undefined);
    sock.on('data', (chunk) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      sock.removeAllListeners('data');
      void (async () => {
        if (running) {
          send({ error: 'a restore is already running', refused: true });
          sock.end();
          return;
        }
        running = true;
        try {
          const req = JSON.parse(buf.slice(0, nl)) as RestoreRequest;
          const target = parseRestoreTarget(req);
          const steps = await backups.restore(target, {
            yes: req.yes === true,
            log: (line) => {
              out(`restore: ${line}`);
              send({ log: line });
            },
          });
          send({ done: steps });
        } catch (err) {
          out(`restore: ${(err as Error).message}`);
          send({ error: (err as Error).message, refused: err instanceof RestoreRefused });
        } finally {
          running = false;
          sock.end();
        }
      })();
    });
  });
  server.listen(path, () => chmodSync(path, 0o600));
  return () => {
    server.close();
    rmSync(path, { force: true });
  };
}

/** The client: sends the request, hands each step line to `log`, resolves with the outcome. */
export function requestRestore(dir: string, req: RestoreRequest, log: (line: string) => void): Promise<{ ok: boolean; refused: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(join(dir, RESTORE_SOCKET));
    let buf = '';
    let outcome: { ok: boolean; refused: boolean; error?: string } | undefined;
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (chunk) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const r = JSON.parse(buf.slice(0, nl)) as Reply;
        buf = buf.slice(nl + 1);
        if ('log' in r) log(r.log);
        else if ('done' in r) outcome = { ok: true, refused: false };
        else outcome = { ok: false, refused: r.refused, error: r.error };
      }
    });
    sock.on('error', (err) => reject(new Error(`no stack answers at ${join(dir, RESTORE_SOCKET)} (is npm run local running with this --dir?): ${err.message}`)));
    sock.on('close', () => (outcome ? resolve(outcome) : reject(new Error('the stack closed the connection before the restore ended'))));
  });
}

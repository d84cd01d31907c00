// Streams that end badly end cleanly: a seed folder missing a file is a clear error with exit
// code 1 (never an unhandled 'error' that crashes the command or hangs a test), a file that
// fails mid-read rejects the load, and an upload cut off mid-body over a real socket leaves no
// transaction, no busy connection and no checked-out client behind while the replica serves on.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_IMPORT_BATCH } from '../../src/http/routes/bulk.js';
import { IMPORT_BATCH } from '../../src/http/routes/csv-upload.js';
import { writeDataset } from '../../src/seed/generator.js';
import { loadSeed } from '../../src/seed/loader.js';
import { ADMIN_KEY, call, REPO_ROOT, startHarness, until, type Harness } from '../support/harness.js';

let h: Harness;
let dir: string;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(h.service, method, path, opts);
const count = async (sql: string) => Number((await h.direct.query<{ n: string }>(sql)).rows[0]!.n);

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'shortstack-streams-'));
});
afterAll(async () => {
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('seed files', () => {
  it('the seed command names a missing file and exits 1, having loaded nothing', async () => {
    const seed = join(dir, 'missing');
    await writeDataset(seed, { users: 5, urls: 5, events: 5 }, 3);
    rmSync(join(seed, 'events.csv'));
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'app/src/seed/cli.ts', '--dir', seed, '--database-url', h.data.directDatabaseUrl], { cwd: REPO_ROOT });
    const failed = await run.then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim()).toBe(`seed failed: cannot read events.csv in ${seed} (a seed folder holds users.csv, urls.csv, events.csv)`);
    expect(await count('SELECT count(*) AS n FROM users')).toBe(0);
  });

  it('a file that fails mid-read (a folder in its place) rejects the load', async () => {
    const seed = join(dir, 'folder');
    await writeDataset(seed, { users: 5, urls: 5, events: 5 }, 4);
    rmSync(join(seed, 'urls.csv'));
    mkdirSync(join(seed, 'urls.csv'));
    await expect(loadSeed(h.direct, seed)).rejects.toMatchObject({ code: 'EISDIR' });
    // The users loaded before the failure kept their ids, and the id sequence moved past them.
    expect(await count('SELECT count(*) AS n FROM users')).toBe(5);
    expect((await api('POST', '/users', { body: { username: 'after-eisdir', email: 'after-eisdir@example.com' } })).body.id).toBe(6);
  });
});

describe('an upload cut off mid-body', () => {
  /** Sends a multipart upload's start with `rows`, waits until `landed`, then drops the socket. */
  async function cutUpload(path: string, header: string, rows: string[], landed: () => Promise<boolean>): Promise<void> {
    const { hostname, port } = new URL(h.service.url);
    const socket = net.connect(Number(port), hostname);
    socket.on('error', () => undefined); // the server may answer into the closing socket
    await once(socket, 'connect');
    const boundary = 'cut-off-boundary';
    socket.write([
      `POST ${path} HTTP/1.1`, 'Host: streams.test', `X-API-Key: ${ADMIN_KEY}`,
      `Content-Type: multipart/form-data; boundary=${boundary}`, `Content-Length: ${64 * 1024 * 1024}`, '', '',
    ].join('\r\n'));
    socket.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\n`);
    socket.write(`${[header, ...rows].join('\n')}\n`);
    await until(`rows of ${path} written before the cut`, landed, 60_000);
    socket.destroy();
  }

  /** Every backend idle outside a transaction, and every client of the replica's pool back in it. */
  async function settled(): Promise<boolean> {
    const busy = await count(`SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND (state <> 'idle' OR xact_start IS NOT NULL)`);
    return busy === 0 && h.service.pool.totalCount === h.service.pool.idleCount;
  }

  it('frees its transaction and connection on both imports; the replica keeps serving', async () => {
    // Three batches' worth: the first is written while the server waits for the rest.
    const rows = 3 * USER_IMPORT_BATCH;
    await cutUpload('/users/bulk', 'username,email', Array.from({ length: rows }, (_, i) => `cut${i},cut${i}@example.com`),
      async () => (await count(`SELECT count(*) AS n FROM users WHERE username LIKE 'cut%'`)) > 0);
    await cutUpload('/urls/bulk', 'original_url', Array.from({ length: 3 * IMPORT_BATCH }, (_, i) => `https://example.com/cut/${i}`),
      async () => (await count(`SELECT count(*) AS n FROM urls WHERE original_url LIKE 'https://example.com/cut/%'`)) > 0);
    await until('no transaction, busy backend or checked-out client left', settled, 60_000);

    // What was acknowledged by no answer may be partly there, but never beyond what was sent.
    expect(await count(`SELECT count(*) AS n FROM users WHERE username LIKE 'cut%'`)).toBeLessThanOrEqual(rows);
    expect((await api('GET', '/health', { key: null })).status).toBe(200);
    const form = new FormData();
    form.set('file', new Blob(['username,email\nafter-cut,after-cut@example.com\ncut0,cut0-again@example.com\n'], { type: 'text/csv' }), 'u.csv');
    const res = await fetch(`${h.service.url}/users/bulk`, { method: 'POST', headers: { 'x-api-key': ADMIN_KEY }, body: form });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ imported: 1, skipped: 1, rejected: [] });
    await until('the import after the cut settled too', settled, 60_000);
  });
});

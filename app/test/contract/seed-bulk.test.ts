// Loading data: the seed CSVs (with their ids), the bulk users import (multipart, streamed),
// the generator's output loaded back, and migrations run by several replicas at once.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_IMPORT_BATCH } from '../../src/http/routes/bulk.js';
import { runMigrations } from '../../src/migrate.js';
import { writeDataset } from '../../src/seed/generator.js';
import { loadSeed } from '../../src/seed/loader.js';
import { sharedPath } from '../../../scripts/shared-dir.js';
import { ADMIN_KEY, call, REPO_ROOT, startHarness, type Harness } from '../support/harness.js';

/** The seed CSVs live beside the repository, never in it: this file fails at once without them. */
const SEED_DIR = sharedPath('seed-data');

let h: Harness;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(h.service, method, path, opts);

function upload(csv: string, field = 'file'): Promise<Response> {
  const form = new FormData();
  form.set(field, new Blob([csv], { type: 'text/csv' }), 'users.csv');
  return fetch(`${h.service.url}/users/bulk`, { method: 'POST', headers: { 'x-api-key': ADMIN_KEY }, body: form });
}

beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

describe('migrations', () => {
  it('several runs at once wait on the lock and leave one schema', async () => {
    const results = await Promise.all([1, 2, 3].map(() => runMigrations(h.data.directDatabaseUrl)));
    expect(results.flat()).toEqual([]); // the harness already migrated: nothing left to apply
    const { rows } = await h.direct.query('SELECT count(*)::int AS n FROM pgmigrations');
    const files = readdirSync(join(REPO_ROOT, 'app/migrations')).filter((f) => f.endsWith('.sql'));
    expect(rows[0].n).toBe(files.length);
  });
});

describe('seed', () => {
  it('loads the shared seed data with its ids, skipping the repeated user', async () => {
    const report = await loadSeed(h.direct, SEED_DIR);
    const usersCsv = readFileSync(join(SEED_DIR, 'users.csv'), 'utf8').trim().split('\n');
    expect(report.users).toMatchObject({ read: usersCsv.length - 1, inserted: usersCsv.length - 2, skipped: 1, rejected: [] });
    expect(report.urls.rejected).toEqual([]);
    expect(report.events.rejected).toEqual([]);
    expect(report.urls.inserted).toBe(2000);

    const [, id, username, email] = /^(\d+),([^,]+),([^,]+),/.exec(usersCsv[1]!)!;
    expect((await api('GET', '/users/1')).body).toMatchObject({ id: Number(id), username, email, created_at: '2025-12-10T08:25:56.000Z' });
    expect((await api('GET', '/users/281')).status).toBe(404);
    // The repeat's links went to the row kept (161, the same person).
    expect((await api('GET', '/urls/644')).body).toMatchObject({ user_id: 161, short_code: 'aQ4y4U' });
    const redirect = await api('GET', '/iRJKKP', { key: null });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://hackstack.io/navy/quartz/1');
    // Sequences moved past the loaded ids.
    const created = await api('POST', '/users', { body: { username: 'after-seed', email: 'after-seed@example.com' } });
    expect(created.body.id).toBeGreaterThan(400);
    const link = await api('POST', '/urls', { body: { original_url: 'https://example.com/after-seed' } });
    expect(link.body.id).toBe(2001);
    expect((await api('GET', '/events?event_type=deleted&per_page=1')).headers.get('x-total-count')).toBe('216');

    // Loading again changes nothing.
    const again = await loadSeed(h.direct, SEED_DIR);
    expect(again.users.inserted + again.urls.inserted + again.events.inserted).toBe(0);
  });

  it('the generate-data and seed commands (the npm scripts\' entry points) write a data set and load it into an empty database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shortstack-gen-'));
    const run = promisify(execFile);
    try {
      await run(process.execPath, ['--import', 'tsx', 'app/src/seed/generate-cli.ts', '--out', dir, '--users', '50', '--urls', '120', '--events', '300', '--seed', '9'], { cwd: REPO_ROOT });
      // The same seed writes the same files.
      await writeDataset(join(dir, 'again'), { users: 50, urls: 120, events: 300 }, 9);
      for (const f of ['users.csv', 'urls.csv', 'events.csv']) expect(readFileSync(join(dir, f), 'utf8')).toBe(readFileSync(join(dir, 'again', f), 'utf8'));

      await h.data.postgres.query('CREATE DATABASE generated');
      const url = h.data.postgres.superUrl('generated');
      await runMigrations(url);
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'app/src/seed/cli.ts', '--dir', dir, '--database-url', url], { cwd: REPO_ROOT });
      expect(stdout).toContain('users: read 50, inserted 50, skipped 0, rejected 0');
      expect(stdout).toContain('urls: read 120, inserted 120, skipped 0, rejected 0');
      expect(stdout).toContain('events: read 300, inserted 300, skipped 0, rejected 0');
      const clicks = await h.data.postgres.query(
        `SELECT (SELECT sum(link_clicks(id)) FROM urls)::int AS counted, (SELECT count(*) FROM all_events WHERE event_type = 'click')::int AS events`, [], 'generated');
      expect(clicks.rows[0].counted).toBe(clicks.rows[0].events);
      expect(clicks.rows[0].events).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bulk import', () => {
  it('imports, skips repeats and present rows, rejects bad rows with their numbers', async () => {
    const csv = [
      'id,username,email,created_at',
      ',bulk1,bulk1@example.com,',
      ',bulk2,bulk2@example.com,2025-01-01 10:00:00',
      ',bulk1,bulk1-again@example.com,', // repeat in the file (username)
      ',calmsignal79,calmsignal79@relay.cloud,', // already in the table (seed)
      ',bulk3,not-an-email,', // rejected
      ',bulk4,bulk4@example.com,yesterday', // rejected
      ',"bulk5",bulk5@example.com,',
    ].join('\n');
    const res = await upload(csv);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      count: 3, imported: 3, skipped: 2, rejected_count: 2,
      rejected: [{ row: 5, error: 'email is not a valid email address' }, { row: 6, error: 'created_at must be a timestamp (YYYY-MM-DD HH:MM:SS, UTC)' }],
    });
    const list = await api('GET', '/users?per_page=1000');
    const names = list.body.map((u: { username: string }) => u.username);
    expect(names).toEqual(expect.arrayContaining(['bulk1', 'bulk2', 'bulk5']));
    expect(list.body.find((u: { username: string }) => u.username === 'bulk2').created_at).toBe('2025-01-01T10:00:00.000Z');
  });

  it('the seed users.csv itself: everything already present is skipped', async () => {
    const res = await upload(readFileSync(join(SEED_DIR, 'users.csv'), 'utf8'));
    expect(await res.json()).toEqual({ count: 0, imported: 0, skipped: 400, rejected: [], rejected_count: 0 });
  });

  it('rejects a row whose id another user holds, with its row number; the same user under its id is skipped', async () => {
    const [, first] = readFileSync(join(SEED_DIR, 'users.csv'), 'utf8').trim().split('\n');
    const [id, username, email] = first!.split(',');
    const csv = [
      'id,username,email',
      `${id},stranger,stranger@example.com`, // id 1 is the seed's first user: someone else's
      `${id},${username},${email}`, // the seed's first user again: present, skipped
      '900001,fresh900001,fresh900001@example.com',
      '900001,other900001,other900001@example.com', // the id the row above just took
    ].join('\n');
    const res = await upload(csv);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      count: 1, imported: 1, skipped: 1, rejected_count: 2,
      rejected: [{ row: 1, error: `id ${id} belongs to another user` }, { row: 4, error: 'id 900001 belongs to another user' }],
    });
    expect((await api('GET', `/users/${id}`)).body.username).toBe(username);
  });

  it('a large file streams through in batches', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `big${i},big${i}@example.com`);
    const res = await upload(['username,email', ...rows].join('\n'));
    expect(await res.json()).toMatchObject({ imported: 5000, skipped: 0, rejected: [] });
  });

  it('the same rules across batches, whichever way each batch is written (COPY, or ON CONFLICT after a clash)', async () => {
    // Four batches: clean with blank ids and dates; a repeat of a row of the first; an id another
    // user holds; clean again.
    const n = 4 * USER_IMPORT_BATCH;
    const lines = Array.from({ length: n }, (_, i) => {
      const row = i + 1;
      if (row === USER_IMPORT_BATCH + 10) return `,multi3,multi3-again@example.com,`; // repeat of row 3: skipped
      if (row === 2 * USER_IMPORT_BATCH + 10) return `1,multi-stranger,multi-stranger@example.com,`; // the seed's user 1
      return row % 2 === 0 ? `,multi${row},multi${row}@example.com,` : `${700_000 + row},multi${row},multi${row}@example.com,2024-02-03 04:05:06`;
    });
    const before = Date.now();
    const sequence = Number((await h.direct.query<{ v: string }>('SELECT last_value AS v FROM users_id_seq')).rows[0]!.v);
    const res = await upload(['id,username,email,created_at', ...lines].join('\n'));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      count: n - 2, imported: n - 2, skipped: 1, rejected_count: 1,
      rejected: [{ row: 2 * USER_IMPORT_BATCH + 10, error: 'id 1 belongs to another user' }],
    });
    const { rows } = await h.direct.query<{ id: string; username: string; created_at: Date }>(
      `SELECT id, username, created_at FROM users WHERE username IN ('multi2', 'multi3', 'multi${n}', 'multi${n - 1}')`);
    const by = Object.fromEntries(rows.map((r) => [r.username, r]));
    expect(Number(by.multi3!.id)).toBe(700_003);
    expect(by.multi3!.created_at.toISOString()).toBe('2024-02-03T04:05:06.000Z');
    expect(Number(by[`multi${n - 1}`]!.id)).toBe(700_000 + n - 1);
    for (const blank of [by.multi2!, by[`multi${n}`]!]) {
      expect(Number(blank.id)).toBeGreaterThan(sequence); // from the sequence
      expect(blank.created_at.getTime()).toBeGreaterThanOrEqual(before - 60_000); // now(), as the column default
    }
    expect((await api('GET', '/users/1')).body.username).not.toBe('multi-stranger');
  });

  it('refuses what is not an import', async () => {
    expect((await upload('nope,columns\n1,2')).status).toBe(400);
    const noFile = await upload('username,email\na,a@b.co', 'other');
    expect(noFile.status).toBe(400);
    expect(await noFile.json()).toMatchObject({ fields: { file: 'is required' } });
    expect((await api('POST', '/users/bulk', { body: { username: 'x' } })).status).toBe(415);
    const csv = await api('POST', '/users/bulk', { raw: 'username,email\na,a@b.co', headers: { 'content-type': 'text/csv' } });
    expect(csv.status).toBe(415);
    expect(csv.body).toEqual({ error: 'unsupported content type: send multipart/form-data with a "file" field' });
    expect(await (await upload('')).json()).toEqual({ error: 'the CSV is empty: expected a header id,username,email,created_at', fields: { file: 'is empty' } });
    // A malformed row is rejected with its line; the rows before it are imported.
    const malformed = await upload('username,email\nok1,ok1@example.com\n"bad"x,z@z.zz\n');
    expect(malformed.status).toBe(201);
    expect(await malformed.json()).toMatchObject({ imported: 1, rejected: [{ row: 2, error: expect.stringContaining('Invalid Closing Quote') }] });
    expect((await api('POST', '/users/bulk', { key: null })).status).toBe(401);
  });
});

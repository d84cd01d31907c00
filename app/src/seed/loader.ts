// Loads a folder of seed CSVs (users.csv, urls.csv, events.csv: the shared/seed-data format)
// with their ids, streamed and in batches, then moves the id sequences past them.
// - A user repeated in users.csv (same username or email as an earlier row) is skipped, and
//   links and events that name the repeat's id are given to the row that was kept (also when
//   the row kept was already in the table).
// - Rows already in the table (same id, or same username/email/code) are skipped: loading twice
//   is harmless.
// - A link or event naming a user or link that does not exist keeps its row, without the link.
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import type pg from 'pg';
import type { Queryable } from '../db/pool.js';
import { resetMarks } from '../page-marks/seal.js';
import { BatchWriter } from '../store/batch-writer.js';
import { resyncSequence } from '../store/sequences.js';
import { parseBool, parseDetails, parseId, parseTimestamp } from './csv-values.js';

export const SEED_BATCH = 5000;

export interface TableReport { read: number; inserted: number; skipped: number; rejected: { row: number; error: string }[] }
export interface SeedReport { users: TableReport; urls: TableReport; events: TableReport }

type Row = Record<string, string | undefined>;

export const SEED_FILES = ['users.csv', 'urls.csv', 'events.csv'] as const;

/** Every seed file readable, or one error naming all that are not: nothing is loaded from half a folder. */
async function assertSeedFiles(dir: string): Promise<void> {
  const missing: string[] = [];
  for (const f of SEED_FILES) await access(join(dir, f), constants.R_OK).catch(() => missing.push(f));
  if (missing.length > 0) throw new Error(`cannot read ${missing.join(', ')} in ${dir} (a seed folder holds ${SEED_FILES.join(', ')})`);
}

/**
 * Streams rows through `judge` into batches given to `insert`; returns the table's report.
 * pipeline, not pipe: a read error (the file gone, a folder in its place) rejects here instead of
 * being an unhandled 'error' event, and a failed insert closes the file.
 */
async function loadTable<T>(file: string, judge: (r: Row) => T | string | null, insert: (batch: T[]) => Promise<number>): Promise<TableReport> {
  const report: TableReport = { read: 0, inserted: 0, skipped: 0, rejected: [] };
  const writer = new BatchWriter<T>(SEED_BATCH, insert, (sent, inserted) => {
    report.inserted += inserted;
    report.skipped += sent - inserted;
  });
  const parser = parse({ bom: true, columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, relax_column_count: true });
  await pipeline(createReadStream(file), parser, async (records: AsyncIterable<Row>) => {
    for await (const record of records) {
      const row = ++report.read;
      const verdict = judge(record);
      if (verdict === null) report.skipped++;
      else if (typeof verdict === 'string') report.rejected.push({ row, error: verdict });
      else await writer.add(verdict);
    }
  });
  await writer.finish();
  return report;
}

interface UserIn { id: number; username: string; email: string; created_at: Date | null }
interface UrlIn { id: number; user_id: number | null; short_code: string; original_url: string; title: string | null; is_active: boolean; created_at: Date | null; updated_at: Date | null }
interface EventIn { id: number; url_id: number | null; user_id: number | null; event_type: string; timestamp: Date | null; details: string }

/** For each skipped user, the id of the row holding its username (else its email). */
async function rememberKeptUsers(db: Queryable, skipped: UserIn[], alias: Map<number, number>): Promise<void> {
  const { rows } = await db.query<{ id: number; username: string; email: string }>(
    'SELECT id, username, email FROM users WHERE username = ANY($1::text[]) OR email = ANY($2::text[])',
    [skipped.map((u) => u.username), skipped.map((u) => u.email)]);
  const byUsername = new Map(rows.map((r) => [r.username, Number(r.id)]));
  const byEmail = new Map(rows.map((r) => [r.email, Number(r.id)]));
  for (const u of skipped) {
    const kept = byUsername.get(u.username) ?? byEmail.get(u.email);
    if (kept !== undefined && kept !== u.id) alias.set(u.id, kept);
  }
}

const column = <T, K extends keyof T>(batch: T[], key: K) => batch.map((r) => r[key]);

const resyncSequences = async (db: Queryable) => {
  for (const table of ['users', 'urls', 'events', 'api_keys'] as const) await resyncSequence(db, table);
};

/**
 * Events keep the ids of the file, which may lie in spans of ids already counted for deep pages:
 * those counts start over (app/src/page-marks/seal.ts).
 */
export async function loadSeed(db: pg.Pool, dir: string): Promise<SeedReport> {
  await assertSeedFiles(dir);
  try {
    const report = await loadTables(db, dir);
    await resyncSequences(db);
    if (report.events.inserted > 0) await resetMarks(db);
    return report;
  } catch (err) {
    // Rows loaded before the failure keep their ids: the next generated id must not be one of them.
    await resyncSequences(db).catch(() => undefined);
    await resetMarks(db).catch(() => undefined);
    throw err;
  }
}

async function loadTables(db: Queryable, dir: string): Promise<SeedReport> {
  // Users skipped because their username or email is already taken (a repeat in the file or a
  // row already in the table): their id -> the id of the row that has them. Only skipped rows
  // are remembered, so memory does not grow with the size of the file.
  const alias = new Map<number, number>();
  const owner = (id: number | null) => (id === null ? null : alias.get(id) ?? id);

  const users = await loadTable<UserIn>(join(dir, 'users.csv'), (r) => {
    const id = parseId(r.id);
    const username = (r.username ?? '').trim();
    const email = (r.email ?? '').trim();
    const created = parseTimestamp(r.created_at);
    if (!id || username === '' || email === '' || created === undefined) return 'needs id, username, email and a valid created_at';
    return { id, username, email, created_at: created };
  }, async (b) => {
    // DO NOTHING also skips a row that repeats an earlier row of the same statement.
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO users (id, username, email, created_at)
       SELECT id, username, email, COALESCE(created_at, now())
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) AS t(id, username, email, created_at)
       ON CONFLICT DO NOTHING RETURNING id`,
      [column(b, 'id'), column(b, 'username'), column(b, 'email'), column(b, 'created_at')]);
    const inserted = new Set(rows.map((r) => Number(r.id)));
    const skipped = b.filter((u) => !inserted.has(u.id));
    if (skipped.length > 0) await rememberKeptUsers(db, skipped, alias);
    return inserted.size;
  });

  const urls = await loadTable<UrlIn>(join(dir, 'urls.csv'), (r) => {
    const id = parseId(r.id);
    const userId = parseId(r.user_id);
    const active = parseBool(r.is_active);
    const created = parseTimestamp(r.created_at);
    const updated = parseTimestamp(r.updated_at);
    const code = (r.short_code ?? '').trim();
    if (!id || userId === undefined || active === undefined || created === undefined || updated === undefined || code === '' || !r.original_url) {
      return 'needs id, short_code, original_url, is_active and valid ids and timestamps';
    }
    return { id, user_id: owner(userId), short_code: code, original_url: r.original_url, title: r.title || null, is_active: active, created_at: created, updated_at: updated };
  }, async (b) => (await db.query(
    `INSERT INTO urls (id, user_id, short_code, original_url, title, is_active, created_at, updated_at)
     SELECT t.id, u.id, t.short_code, t.original_url, t.title, t.is_active, COALESCE(t.created_at, now()), COALESCE(t.updated_at, t.created_at, now())
     FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::timestamptz[], $8::timestamptz[])
       AS t(id, user_id, short_code, original_url, title, is_active, created_at, updated_at)
     LEFT JOIN users u ON u.id = t.user_id
     ON CONFLICT DO NOTHING`,
    [column(b, 'id'), column(b, 'user_id'), column(b, 'short_code'), column(b, 'original_url'), column(b, 'title'), column(b, 'is_active'), column(b, 'created_at'), column(b, 'updated_at')])).rowCount ?? 0);

  const events = await loadTable<EventIn>(join(dir, 'events.csv'), (r) => {
    const id = parseId(r.id);
    const urlId = parseId(r.url_id);
    const userId = parseId(r.user_id);
    const at = parseTimestamp(r.timestamp);
    const details = parseDetails(r.details);
    const type = (r.event_type ?? '').trim();
    if (!id || urlId === undefined || userId === undefined || at === undefined || details === undefined || type === '') {
      return 'needs id, event_type, a JSON object in details and valid ids and timestamp';
    }
    return { id, url_id: urlId, user_id: owner(userId), event_type: type, timestamp: at, details: JSON.stringify(details) };
  }, async (b) => (await db.query(
    `INSERT INTO events (id, url_id, user_id, event_type, "timestamp", details)
     SELECT t.id, u.id, t.user_id, t.event_type, COALESCE(t.ts, now()), t.details
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::timestamptz[], $6::jsonb[])
       AS t(id, url_id, user_id, event_type, ts, details)
     LEFT JOIN urls u ON u.id = t.url_id
     ON CONFLICT DO NOTHING`,
    [column(b, 'id'), column(b, 'url_id'), column(b, 'user_id'), column(b, 'event_type'), column(b, 'timestamp'), column(b, 'details')])).rowCount ?? 0);

  return { users, urls, events };
}

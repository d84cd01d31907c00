// SQL for users. Rows come back in the API's shape (snake_case columns).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { arrayLiteral } from '../db/array-literal.js';
import { copyText } from '../db/copy-text.js';
import { isUniqueViolation } from '../db/errors.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import { listPage, type Page, type PageOf } from './paging.js';

export interface UserRow { id: number; username: string; email: string; created_at: Date }

const COLUMNS = 'id, username, email, created_at';

export async function createUser(db: Queryable, input: { username: string; email: string }): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (username, email) VALUES ($1, $2) RETURNING ${COLUMNS}`, [input.username, input.email]);
  return rows[0]!;
}

export async function getUser(db: Queryable, id: number): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0];
}

export async function userExists(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

export async function listUsers(db: Queryable, page: Page): Promise<PageOf<UserRow>> {
  return listPage<UserRow>(db, { table: 'users', columns: COLUMNS, where: [], args: [] }, page);
}

export async function updateUser(db: Queryable, id: number, patch: { username?: string; email?: string }): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET username = COALESCE($2, username), email = COALESCE($3, email) WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, patch.username ?? null, patch.email ?? null]);
  return rows[0];
}

/**
 * Deletes a user and its keys. Returns the hashes of the keys removed (the caller evicts them
 * from every replica's key cache), or undefined when there was no such user.
 */
export async function deleteUser(pool: pg.Pool, id: number): Promise<string[] | undefined> {
  return inTransaction(pool, async (c) => {
    const keys = await c.query<{ key_hash: string }>('DELETE FROM api_keys WHERE user_id = $1 RETURNING key_hash', [id]);
    const { rowCount } = await c.query('DELETE FROM users WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0 ? keys.rows.map((r) => r.key_hash) : undefined;
  });
}

export interface NewUser { id: number | null; username: string; email: string; createdAt: Date | null }

/**
 * Of these rows with explicit ids, the indexes of those whose id a user with neither the row's
 * username nor its email holds: another person's account under a taken id, not a repeat.
 */
export async function heldByOthers(db: Queryable, rows: Array<{ id: number; username: string; email: string }>): Promise<Set<number>> {
  if (rows.length === 0) return new Set();
  const { rows: held } = await db.query<{ i: string }>(
    `SELECT t.i FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS t(id, username, email, i)
     JOIN users u ON u.id = t.id
     WHERE u.username <> t.username AND u.email <> t.email`,
    [rows.map((r) => r.id), rows.map((r) => r.username), rows.map((r) => r.email)].map(arrayLiteral));
  return new Set(held.map((r) => Number(r.i) - 1));
}

/**
 * Inserts a batch in one statement; rows clashing with an existing username, email or id are
 * left alone. Returns how many were inserted. Explicit ids are kept, so the id sequence is
 * moved past them afterwards (resyncUserSequence).
 */
export async function insertUsersBatch(db: Queryable, users: NewUser[]): Promise<number> {
  if (users.length === 0) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO users (id, username, email, created_at)
     SELECT COALESCE(t.id, nextval((SELECT pg_get_serial_sequence('users', 'id')::regclass))), t.username, t.email, COALESCE(t.created_at, now())
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) AS t(id, username, email, created_at)
     ON CONFLICT DO NOTHING`,
    [users.map((u) => u.id), users.map((u) => u.username), users.map((u) => u.email), users.map((u) => u.createdAt?.toISOString() ?? null)]
      .map(arrayLiteral));
  return rowCount ?? 0;
}

/** One batch's COPY is bounded like a statement (the pool's query_timeout does not cover COPY). */
const COPY_TIMEOUT_MS = 10_000;

/**
 * Writes a batch with one COPY and answers true when none of it clashes with a user present or
 * with another row of the batch (a fresh import, the usual case). COPY is all or nothing: on a
 * clash nothing was written and it answers false, for the caller to take insertUsersBatch's
 * ON CONFLICT path. PostgreSQL spends about two thirds of the time on COPY that it spends on
 * INSERT ... ON CONFLICT over the three unique indexes (measured by bench:import), and the rows
 * need no array literals. Rows without an id or created_at get the sequence's next ids and the
 * database's now(), as the column defaults would give them.
 */
export async function copyUsersBatch(pool: pg.Pool, users: NewUser[]): Promise<boolean> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const missingIds = users.reduce((n, u) => n + (u.id === null ? 1 : 0), 0);
    let ids: unknown[] = [];
    let now = '';
    if (missingIds > 0 || users.some((u) => u.createdAt === null)) {
      const { rows } = await client.query<{ now: Date; ids: unknown[] }>(
        `SELECT now() AS now, ARRAY(SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, $1::int)) AS ids`, [missingIds]);
      ids = rows[0]!.ids;
      now = rows[0]!.now.toISOString();
    }
    let text = '';
    let next = 0;
    for (const u of users) {
      text += `${u.id ?? String(ids[next++])}\t${copyText(u.username)}\t${copyText(u.email)}\t${u.createdAt?.toISOString() ?? now}\n`;
    }
    await pipeline(Readable.from([text]), client.query(copyFrom('COPY users (id, username, email, created_at) FROM STDIN')),
      { signal: AbortSignal.timeout(COPY_TIMEOUT_MS) });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    // A COPY cut short (timeout, lost connection) leaves the connection in an unknown state.
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}

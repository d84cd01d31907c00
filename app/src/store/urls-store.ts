// SQL for short links. Every write records its event in the same statement or transaction, so
// a link and its history never disagree.
import type pg from 'pg';
import { arrayLiteral } from '../db/array-literal.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import type { CachedLink, RedirectType } from '../domain/link.js';
import { keyOf } from '../page-marks/keys.js';
import { fromNearestMark, URL_COUNTS } from '../page-marks/lookup.js';
import { enqueueLinkEvent, linkDeliveriesInsert } from '../webhooks/outbox-sql.js';
import { recordInvalidation } from './link-invalidations-store.js';
import { byEqualities, listPage, type Page, type PageOf } from './paging.js';

export interface UrlRow {
  id: number;
  user_id: number | null;
  short_code: string;
  original_url: string;
  title: string | null;
  is_active: boolean;
  expires_at: Date | null;
  click_count: number;
  created_at: Date;
  updated_at: Date;
  max_visits: number | null;
  valid_since: Date | null;
  fallback_url: string | null;
  redirect_type: RedirectType;
  tags: string[];
}

// click_count is the sum of the link's click_days (migration link-clicks-from-click-days).
const COLUMNS = 'id, user_id, short_code, original_url, title, is_active, expires_at, link_clicks(id) AS click_count, created_at, updated_at, '
  + 'max_visits, valid_since, fallback_url, redirect_type, tags';

/** The second-wave fields; on create, absent = off. */
export interface LinkFeatures {
  maxVisits: number | null;
  validSince: Date | null;
  fallbackUrl: string | null;
  redirectType: RedirectType;
  tags: string[];
}

export interface NewUrl extends LinkFeatures { userId: number | null; code: string; originalUrl: string; title: string | null; expiresAt: Date | null }

/** One statement: the link, its `created` event and its link.created deliveries commit together. */
export async function insertUrl(db: Queryable, u: NewUrl): Promise<UrlRow> {
  const { rows } = await db.query<UrlRow>(
    `WITH u AS (
       INSERT INTO urls (user_id, short_code, original_url, title, expires_at, max_visits, valid_since, fallback_url, redirect_type, tags)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}
     ), e AS (
       INSERT INTO events (url_id, user_id, event_type, details)
       SELECT id, user_id, 'created', jsonb_build_object('short_code', short_code, 'original_url', original_url) FROM u
     ), hooks AS (${linkDeliveriesInsert('link.created', 'u')})
     SELECT ${COLUMNS} FROM u`,
    [u.userId, u.code, u.originalUrl, u.title, u.expiresAt, u.maxVisits, u.validSince, u.fallbackUrl, u.redirectType, u.tags]);
  return rows[0]!;
}

export async function getUrl(db: Queryable, id: number): Promise<UrlRow | undefined> {
  const { rows } = await db.query<UrlRow>(`SELECT ${COLUMNS} FROM urls WHERE id = $1`, [id]);
  return rows[0];
}

/** The cold redirects' read: $1 the codes as an array literal. Exported for app/bench/link-read-costs.ts. */
export const LINKS_BY_CODES_SQL = `SELECT id, user_id, short_code, original_url, is_active, expires_at, max_visits, valid_since, fallback_url, redirect_type
     FROM urls WHERE short_code = ANY($1::text[])`;

/**
 * The links of these codes that exist, by code: one statement for a whole batch of cold
 * redirects (store/link-loader.ts). short_code's unique index answers `= ANY` per element.
 */
export async function findLinksByCodes(db: Queryable, codes: readonly string[]): Promise<Map<string, CachedLink>> {
  const { rows } = await db.query<Pick<UrlRow, 'id' | 'user_id' | 'short_code' | 'original_url' | 'is_active' | 'expires_at' | 'max_visits' | 'valid_since' | 'fallback_url' | 'redirect_type'>>(
    LINKS_BY_CODES_SQL, [arrayLiteral(codes)]);
  return new Map(rows.map((r) => [r.short_code, {
    id: r.id, userId: r.user_id, originalUrl: r.original_url, isActive: r.is_active, expiresAt: r.expires_at?.getTime() ?? null,
    validSince: r.valid_since?.getTime() ?? null, maxVisits: r.max_visits, fallbackUrl: r.fallback_url, redirectType: r.redirect_type,
  }]));
}

/**
 * Reserves one visit of a link with max_visits: true when the visit may be served. One
 * conditional UPDATE of the link's row, so every replica draws on the same counter and the
 * served redirects never exceed max_visits. Clicks recorded by POST /events count too
 * (link_clicks), hence the GREATEST.
 */
export async function reserveVisit(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE urls SET visits = GREATEST(visits, c.n) + 1 FROM (SELECT link_clicks($1) AS n) c
     WHERE id = $1 AND max_visits IS NOT NULL AND GREATEST(visits, c.n) < max_visits`, [id]);
  return rowCount === 1;
}

export interface UrlFilter { userId?: number; isActive?: boolean; tag?: string }

export async function listUrls(db: Queryable, filter: UrlFilter, page: Page): Promise<PageOf<UrlRow>> {
  const { where, args, leading } = byEqualities([
    { column: 'user_id', value: filter.userId, indexed: true },
    { column: 'is_active', value: filter.isActive, indexed: true },
  ]);
  // GIN keeps no order: a tag is a condition, never the page's order.
  if (filter.tag !== undefined) where.push(`tags @> ARRAY[$${args.push(filter.tag)}::text]`);
  // All links and the active or inactive ones are counted per span; a user's are few.
  const counted = filter.userId === undefined && filter.tag === undefined;
  const start = counted ? await fromNearestMark(db, URL_COUNTS, keyOf(['is_active'], { is_active: filter.isActive }), page) : page;
  return listPage<UrlRow>(db, { table: 'urls', columns: COLUMNS, where, args, leading }, start);
}

export interface UrlPatch {
  title?: string | null; isActive?: boolean; originalUrl?: string; expiresAt?: Date | null;
  maxVisits?: number | null; validSince?: Date | null; fallbackUrl?: string | null; redirectType?: RedirectType; tags?: string[];
}

/**
 * Applies a patch and records `updated` (the fields changed) and, when the link goes from
 * active to inactive, `deactivated`. Returns the row before and after, or undefined if absent.
 */
export async function updateUrl(pool: pg.Pool, id: number, patch: UrlPatch): Promise<{ before: UrlRow; after: UrlRow } | undefined> {
  return inTransaction(pool, async (c) => {
    const found = await c.query<UrlRow>(`SELECT ${COLUMNS} FROM urls WHERE id = $1 FOR UPDATE`, [id]);
    const before = found.rows[0];
    if (!before) return undefined;
    const next = {
      title: patch.title !== undefined ? patch.title : before.title,
      is_active: patch.isActive ?? before.is_active,
      original_url: patch.originalUrl ?? before.original_url,
      expires_at: patch.expiresAt !== undefined ? patch.expiresAt : before.expires_at,
      max_visits: patch.maxVisits !== undefined ? patch.maxVisits : before.max_visits,
      valid_since: patch.validSince !== undefined ? patch.validSince : before.valid_since,
      fallback_url: patch.fallbackUrl !== undefined ? patch.fallbackUrl : before.fallback_url,
      redirect_type: patch.redirectType ?? before.redirect_type,
      tags: patch.tags ?? before.tags,
    };
    // clock_timestamp() and GREATEST: updated_at moves forward even within one transaction.
    // A limit set on a link that had none starts from the clicks it already has (visits was
    // not kept while unlimited): clicks still in a replica's buffer at that moment are the only
    // ones it misses.
    const updated = await c.query<UrlRow>(
      `UPDATE urls SET title = $2, is_active = $3, original_url = $4, expires_at = $5,
         max_visits = $6, valid_since = $7, fallback_url = $8, redirect_type = $9, tags = $10,
         visits = CASE WHEN $6::bigint IS NOT NULL THEN GREATEST(visits, link_clicks(id)) ELSE visits END,
         updated_at = GREATEST(clock_timestamp(), updated_at + interval '1 millisecond')
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, next.title, next.is_active, next.original_url, next.expires_at, next.max_visits, next.valid_since, next.fallback_url, next.redirect_type, next.tags]);
    const after = updated.rows[0]!;
    const changed = changedFields(before, after);
    if (changed.length > 0) {
      await insertEvent(c, after, 'updated', { fields: changed, changes: Object.fromEntries(changed.map((f) => [f, jsonValue(after[f])])) });
      await c.query(enqueueLinkEvent('link.updated', id));
      await recordInvalidation(c, after.short_code);
    }
    if (before.is_active && !after.is_active) {
      await insertEvent(c, after, 'deactivated', { short_code: after.short_code });
      await c.query(enqueueLinkEvent('link.deactivated', id));
    }
    return { before, after };
  });
}

const PATCHABLE = ['title', 'is_active', 'original_url', 'expires_at', 'max_visits', 'valid_since', 'fallback_url', 'redirect_type', 'tags'] as const;

function changedFields(before: UrlRow, after: UrlRow): (typeof PATCHABLE)[number][] {
  return PATCHABLE.filter((f) => String(jsonValue(before[f])) !== String(jsonValue(after[f])));
}

function jsonValue(v: unknown): unknown {
  return v instanceof Date ? v.toISOString() : v;
}

async function insertEvent(db: Queryable, url: UrlRow, type: string, details: Record<string, unknown>): Promise<void> {
  await db.query('INSERT INTO events (url_id, user_id, event_type, details) VALUES ($1, $2, $3, $4)',
    [url.id, url.user_id, type, JSON.stringify(details)]);
}

/** Who owns a link, for the authorisation check before a write (undefined: no such link). */
export async function urlOwner(db: Queryable, id: number): Promise<{ user_id: number | null } | undefined> {
  const { rows } = await db.query<{ user_id: number | null }>('SELECT user_id FROM urls WHERE id = $1', [id]);
  return rows[0];
}

export type ImportOutcome = 'inserted' | 'taken' | 'no_user';

/**
 * One batch of imported links in one statement: the links, their `created` events and their
 * link.created deliveries. A short_code already taken (or taken earlier in the batch) is not
 * inserted, nor a row whose user does not exist; the outcome of each row is returned by index.
 */
export async function insertUrlsBatch(db: Queryable, rows: { i: number; u: number | null; c: string; o: string; t: string | null; g: string[]; e: Date | null }[]): Promise<Map<number, ImportOutcome>> {
  const { rows: out } = await db.query<{ i: number; outcome: ImportOutcome }>(
    `WITH x AS (SELECT * FROM json_to_recordset($1::json) AS x(i int, u bigint, c text, o text, t text, g text[], e timestamptz)),
     ok AS (SELECT DISTINCT ON (c) * FROM x WHERE u IS NULL OR EXISTS (SELECT 1 FROM users WHERE users.id = x.u) ORDER BY c, i),
     ins AS (
       INSERT INTO urls (user_id, short_code, original_url, title, tags, expires_at)
       SELECT u, c, o, t, COALESCE(g, '{}'), e FROM ok ORDER BY i
       ON CONFLICT (short_code) DO NOTHING RETURNING ${COLUMNS}),
     ev AS (
       INSERT INTO events (url_id, user_id, event_type, details)
       SELECT id, user_id, 'created', jsonb_build_object('short_code', short_code, 'original_url', original_url) FROM ins),
     hooks AS (${linkDeliveriesInsert('link.created', 'ins u')})
     SELECT x.i, CASE
         WHEN x.u IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE users.id = x.u) THEN 'no_user'
         WHEN ins.short_code IS NOT NULL AND ok.i = x.i THEN 'inserted'
         ELSE 'taken' END AS outcome
     FROM x LEFT JOIN ok ON ok.c = x.c LEFT JOIN ins ON ins.short_code = x.c`,
    [JSON.stringify(rows)]);
  return new Map(out.map((r) => [r.i, r.outcome]));
}

/** Up to `limit` links after id `afterId` (keyset: each page its own short query, no cursor). */
export async function urlsAfter(db: Queryable, userId: number | undefined, afterId: number, limit: number): Promise<(UrlRow)[]> {
  const { rows } = userId === undefined
    ? await db.query<UrlRow>(`SELECT ${COLUMNS} FROM urls WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit])
    : await db.query<UrlRow>(`SELECT ${COLUMNS} FROM urls WHERE user_id = $3 AND id > $1 ORDER BY id LIMIT $2`, [afterId, limit, userId]);
  return rows;
}

// Clicks a service has already stored, written straight into click_batches before a bench's load:
// the flush's rows (a row per link and flush, migration click-batches) of earlier flushes, each a
// Zipf draw over the links, so the table and its three B-trees have the size and shape of a lived
// service's and the load's rows go into indexes of that size. Bench code, not the app's.
import type pg from 'pg';

/** Clicks per earlier flush: about a second of a replica's clicks at the bench's rate. */
export const HISTORY_FLUSH_CLICKS = 5_000;
/** Flushes per statement: a million clicks drawn and grouped at a time. */
const FLUSHES_PER_STATEMENT = 200;

export interface ClickHistory {
  /** Clicks to write (rounded up to whole flushes). */
  clicks: number;
  /** The links' count; rank r is the link with id firstId + r - 1 (loadtest/lib/links.ts). */
  links: number;
  firstId: number;
}

/**
 * `flushes` earlier flushes from the one numbered `from` ($1, $2), their ids from $5 on in flush and
 * link order. A rank is drawn as floor((N + 1)^u), u uniform: P(r) = ln((r + 1) / r) / ln(N + 1),
 * about Zipf(1)'s 1 / (r H_N). The clicks are the bench's (no referrer or agent, a desktop).
 */
export const HISTORY_ROWS = `INSERT INTO click_batches (first_id, url_id, user_id, n, at, referrer, user_agent, bot, device, browser, os, country)
  SELECT $5::bigint + sum(r.n) OVER (ORDER BY r.f, r.rank) - r.n, u.id, u.user_id, r.n,
    array_fill(now() - make_interval(secs => $6::int - r.f), ARRAY[r.n]), array_fill(NULL::text, ARRAY[r.n]), array_fill(NULL::text, ARRAY[r.n]),
    array_fill(false, ARRAY[r.n]), array_fill('desktop'::text, ARRAY[r.n]), array_fill(NULL::text, ARRAY[r.n]), array_fill(NULL::text, ARRAY[r.n]),
    array_fill(NULL::text, ARRAY[r.n])
  FROM (SELECT f, rank, count(*)::int AS n
        FROM (SELECT f, least($3::int, floor(power($3::int + 1.0, random()))::int) AS rank
              FROM generate_series($1::int, $1::int + $2::int - 1) f, generate_series(1, ${HISTORY_FLUSH_CLICKS}) c) d
        GROUP BY f, rank) r
  JOIN urls u ON u.id = $4::bigint + r.rank - 1`;

/** Writes the history, takes its ids from the events' sequence, vacuums the table as a lived one is. Rows written. */
export async function writeClickHistory(client: pg.Client, h: ClickHistory): Promise<number> {
  const flushes = Math.ceil(h.clicks / HISTORY_FLUSH_CLICKS);
  let rows = 0;
  // No clicks are flushed meanwhile (no load yet): the ids after `next` are the history's alone.
  let next = Number((await client.query<{ id: string }>("SELECT nextval('events_id_seq') AS id")).rows[0]!.id);
  for (let f = 0; f < flushes; f += FLUSHES_PER_STATEMENT) {
    const n = Math.min(FLUSHES_PER_STATEMENT, flushes - f);
    rows += (await client.query(HISTORY_ROWS, [f, n, h.links, h.firstId, next, flushes])).rowCount ?? 0;
    next += n * HISTORY_FLUSH_CLICKS;
  }
  await client.query("SELECT setval('events_id_seq', $1::bigint)", [next]);
  await client.query('VACUUM (ANALYZE) click_batches');
  return rows;
}

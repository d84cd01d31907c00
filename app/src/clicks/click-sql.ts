// The SQL of one click batch, as pure functions of the batch (tested without a database).
import type { Click } from './click-buffer.js';
import { clickDeliveriesInsert } from '../webhooks/outbox-sql.js';
import type { Enrich } from './enricher.js';

export interface Statement { text: string; values: unknown[] }

/**
 * Locks the batch's url rows in id order first: two replicas flushing batches that share urls
 * then queue behind each other instead of deadlocking. Urls missing from the table are skipped
 * below (a click of a url that no longer exists must not poison every later batch).
 */
export function lockUrls(urlIds: number[]): Statement {
  return { text: 'SELECT id FROM urls WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', values: [urlIds] };
}

/**
 * One multi-row insert of 'click' events (details {referrer, user_agent, bot, device, browser,
 * os, country}, the traits from `enrich`). The batch travels as one JSON parameter: a native
 * JSON.stringify costs a fraction of pg's per-element escaping of many arrays, and the flusher
 * shares the replica's CPU with the redirects.
 */
export function insertClickEvents(clicks: Click[], enrich: Enrich): Statement & { /** clicks from bots */ bots: number } {
  let bots = 0;
  const rows = clicks.map((c) => {
    const t = enrich(c);
    if (t.bot) bots++;
    return { u: c.urlId, us: c.userId, t: c.at.getTime(), r: c.referrer, a: c.userAgent, b: t.bot, d: t.device, br: t.browser, o: t.os, c: t.country };
  });
  // The batch is parsed once (x) and feeds both inserts: the events, and the link.clicked
  // webhook deliveries that announce them (outbox-sql.ts), committed together.
  return {
    text: `WITH x AS MATERIALIZED (
        SELECT x.* FROM json_to_recordset($1::json) AS x(u bigint, us bigint, t double precision, r text, a text, b boolean, d text, br text, o text, c text)
        JOIN urls ON urls.id = x.u),
      hooks AS (${clickDeliveriesInsert('x')})
      INSERT INTO events (url_id, user_id, event_type, "timestamp", details)
      SELECT x.u, x.us, 'click', to_timestamp(x.t / 1000.0), jsonb_build_object('referrer', x.r, 'user_agent', x.a,
        'bot', x.b, 'device', x.d, 'browser', x.br, 'os', x.o, 'country', x.c)
      FROM x`,
    values: [JSON.stringify(rows)],
    bots,
  };
}

/** Adds each url's clicks of the batch to urls.click_count. */
export function incrementClickCounts(clicks: Click[]): Statement {
  const counts = countByUrl(clicks);
  return {
    text: `UPDATE urls SET click_count = urls.click_count + c.n
      FROM unnest($1::bigint[], $2::bigint[]) AS c(id, n) WHERE urls.id = c.id`,
    values: [[...counts.keys()], [...counts.values()]],
  };
}

/** Clicks per url id, ascending by id. */
export function countByUrl(clicks: Click[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const c of clicks) counts.set(c.urlId, (counts.get(c.urlId) ?? 0) + 1);
  return new Map([...counts].sort((a, b) => a[0] - b[0]));
}

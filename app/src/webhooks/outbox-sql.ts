// SQL that writes webhook deliveries into the outbox, always inside the statement or
// transaction of the change itself. Pure builders: the statements are run by the stores and the
// click flush. A user's webhooks get their own links' events; an admin's (user_id NULL) get all.
import type { Statement } from '../clicks/click-sql.js';

export const WEBHOOK_EVENTS = ['link.created', 'link.updated', 'link.deactivated', 'link.clicked'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** At most this many clicks in one link.clicked delivery: a hot link cannot flood a receiver. */
export const CLICKS_PER_DELIVERY = 100;

/** The link as a delivery's `data` (the API's fields and timestamp format), from a row alias. */
export function linkDataSql(u: string): string {
  return `jsonb_build_object('id', ${u}.id, 'user_id', ${u}.user_id, 'short_code', ${u}.short_code, 'original_url', ${u}.original_url,
    'title', ${u}.title, 'is_active', ${u}.is_active, 'expires_at', iso_utc(${u}.expires_at), 'click_count', link_clicks(${u}.id),
    'created_at', iso_utc(${u}.created_at), 'updated_at', iso_utc(${u}.updated_at), 'max_visits', ${u}.max_visits,
    'valid_since', iso_utc(${u}.valid_since), 'fallback_url', ${u}.fallback_url, 'redirect_type', ${u}.redirect_type, 'tags', to_jsonb(${u}.tags))`;
}

/** INSERT of one delivery per webhook that wants `event` for the link rows of `from` (alias u). */
export function linkDeliveriesInsert(event: WebhookEvent, from: string): string {
  return `INSERT INTO webhook_deliveries (webhook_id, event, data)
    SELECT w.id, '${event}', ${linkDataSql('u')} FROM webhooks w JOIN ${from} ON w.user_id IS NULL OR w.user_id = u.user_id
    WHERE '${event}' = ANY (w.events)`;
}

/** One link event for the link with this id (inside the transaction that changed it). */
export function enqueueLinkEvent(event: WebhookEvent, urlId: number): Statement {
  return { text: `${linkDeliveriesInsert(event, 'urls u')} AND u.id = $1`, values: [urlId] };
}

/**
 * link.clicked for a click batch, as a data-modifying CTE over the batch's rows (alias of a CTE
 * with the columns of insertClickEvents): the clicks are grouped per webhook that wants them and
 * cut into deliveries of at most CLICKS_PER_DELIVERY. With no webhook wanting clicks the join is
 * empty and nothing is written.
 */
export function clickDeliveriesInsert(batch: string): string {
  return `INSERT INTO webhook_deliveries (webhook_id, event, data)
    SELECT webhook_id, 'link.clicked', jsonb_agg(click ORDER BY t) FROM (
      SELECT h.id AS webhook_id, b.t, row_number() OVER (PARTITION BY h.id ORDER BY b.t) - 1 AS k,
        jsonb_build_object('url_id', u.id, 'short_code', u.short_code, 'user_id', u.user_id,
          'clicked_at', iso_utc(to_timestamp(b.t / 1000.0)), 'referrer', b.r, 'user_agent', b.a,
          'bot', b.b, 'device', b.d, 'browser', b.br, 'os', b.o, 'country', b.c) AS click
      FROM ${batch} b
      JOIN urls u ON u.id = b.u
      JOIN webhooks h ON 'link.clicked' = ANY (h.events) AND (h.user_id IS NULL OR h.user_id = u.user_id)
      -- A one-time filter: with no webhook wanting clicks (the usual case) the plan stops here
      -- and the flush pays nothing for the outbox.
      WHERE EXISTS (SELECT 1 FROM webhooks WHERE 'link.clicked' = ANY (events))) c
    GROUP BY webhook_id, k / ${CLICKS_PER_DELIVERY} ORDER BY webhook_id, k / ${CLICKS_PER_DELIVERY}`;
}

// The SQL of one click batch, as pure functions of the batch and its traits (tested without a
// database). The flush writes the events with COPY and adds the batch's own roll-up counts in
// one statement, aggregated here: per link and day, per link and referrer, per link and
// combination of traits. PostgreSQL's roll-up trigger (migration click-rollups) stays for every
// other writer and is told to skip the flush's rows (ROLLED_UP_BY_WRITER).
import type { Click } from './click-buffer.js';
import { clickDeliveriesInsert } from '../webhooks/outbox-sql.js';
import type { ClickTraits } from './enricher.js';
import { arrayLiteral } from '../db/array-literal.js';
import { COPY_NULL, copyText } from '../db/copy-text.js';

export interface Statement { text: string; values: unknown[] }

/** The transaction-local setting that tells the trigger this writer rolls its clicks up itself. */
export const ROLLED_UP_BY_WRITER = 'shortstack.clicks_rolled_up';

/** Whether any webhook wants link.clicked (the statement that writes a batch's counts answers it). */
const WANTS_CLICKS = "EXISTS (SELECT 1 FROM webhooks WHERE 'link.clicked' = ANY (events)) AS webhooks";

/**
 * The key of the transaction-level advisory lock a click flush holds: flushes take their ids one
 * at a time, so a flush's ids are consecutive (takeClickIds) but where another writer took one.
 */
export const CLICK_IDS_LOCK = 7_242_913_002;

/**
 * The flush's transaction id (to resolve an uncertain COMMIT), the trigger told to skip its rows
 * (the previous release's flush wrote clicks as rows of events), the flushes' lock, and the
 * newest link's id (urlsPast): one round trip.
 */
export const beginFlush: Statement = {
  text: `SELECT txid_current()::text AS xid, set_config('${ROLLED_UP_BY_WRITER}', 'on', true), pg_advisory_xact_lock(${CLICK_IDS_LOCK}),`
    + ' (SELECT max(id) FROM urls)::text AS last_url',
  values: [],
};

/** What beginFlush answers. */
export interface FlushStart { xid: string; last_url: string | null }

/**
 * `n` ids from the events' sequence, in this transaction (the page marks take an id as final
 * once the transactions open when it was taken have ended): consecutive from `first`, unless
 * another writer took an id meanwhile, when `ids` lists them all (spansOf).
 */
export function takeClickIds(n: number): Statement {
  return {
    text: `SELECT min(id) AS first, CASE WHEN max(id) - min(id) + 1 = count(*) THEN NULL ELSE array_agg(id) END AS ids
      FROM (SELECT nextval('events_id_seq') AS id FROM generate_series(1, $1::int)) ids`,
    values: [n],
  };
}

/**
 * The batch's url ids that do not exist, from the newest link's id (beginFlush): clicks of a url
 * missing from the table (a restore to an older backup) are dropped, so one cannot poison every
 * later batch. A link's id comes from the urls' sequence and its row is never deleted (DELETE
 * deactivates; migration events-url-id-without-fk), and a click's id is one a replica read from a
 * committed row. So the links a restore lost are the newest: the ids past the newest row's. Once
 * links are created after a restore, a lost link still in the cache (a day at most) has its clicks
 * counted toward the new link that took its id, as a lookup of each id did too; or, for an id the
 * restored sequence skipped (it logs 32 values ahead), toward no link, where a lookup dropped them.
 * The check is one index probe in a statement the flush sends anyway, where a lookup of each of
 * the batch's links (about 2,000 a flush at a million links, 2.1 us a click of PostgreSQL's
 * statement time) was a statement of its own (loadtest/FIGURES.md, twenty-ninth pass).
 */
export function urlsPast(urlIds: readonly number[], lastUrl: string | null): number[] {
  const last = lastUrl === null ? 0 : Number(lastUrl);
  return urlIds.filter((id) => id > last);
}

/**
 * Clicks as rows of events, as the flush wrote them before migration click-batches (and as the
 * previous release's replicas write them during a rollout); app/bench/click-copy-costs.ts
 * measures the flush against it. A click's details in columns of their own (migration click-details-columns), not jsonb:
 * COPY's jsonb parse was 1.4-2.7 us of a click's 5-7 us in PostgreSQL. The API shows the same
 * `details` (event_details() builds it from them).
 */
export const COPY_CLICK_EVENTS = 'COPY events (url_id, user_id, event_type, "timestamp", click_referrer, click_user_agent, '
  + 'click_bot, click_device, click_browser, click_os, click_country) FROM STDIN';

/** COPY text of the trait columns (bot, device, browser, OS, country) per shared traits object. */
const traitColumns = new WeakMap<ClickTraits, string>();

function traitsCopy(t: ClickTraits): string {
  let text = traitColumns.get(t);
  if (text === undefined) {
    text = `${t.bot}\t${copyValue(t.device)}\t${copyValue(t.browser)}\t${copyValue(t.os)}\t${copyValue(t.country)}`;
    traitColumns.set(t, text);
  }
  return text;
}

const copyValue = (v: string | null): string => (v === null ? COPY_NULL : copyText(v));

/** The 'click' events of a batch as COPY text, the columns of COPY_CLICK_EVENTS. */
export function clickEventsCopy(clicks: readonly Click[], traits: readonly ClickTraits[]): string {
  let out = '';
  let lastMs = Number.NaN;
  let lastIso = '';
  for (let i = 0; i < clicks.length; i++) {
    const c = clicks[i]!;
    const ms = c.at.getTime();
    if (ms !== lastMs) { lastMs = ms; lastIso = c.at.toISOString(); } // clicks come in bursts of one millisecond
    out += `${c.urlId}\t${c.userId ?? COPY_NULL}\tclick\t${lastIso}\t${copyValue(c.referrer)}\t${copyValue(c.userAgent)}\t${traitsCopy(traits[i]!)}\n`;
  }
  return out;
}

/** What the batch adds to the roll-ups, one entry per key (the keys as the trigger derives them, in SQL). */
export interface ClickRollups {
  /** The batch's links (not written: the check for missing links reads them). */
  urls: { id: number[] };
  days: { url: number[]; day: string[]; n: number[] };
  referrers: { url: number[]; referrer: (string | null)[]; n: number[] };
  agents: { url: number[]; bot: boolean[]; device: (string | null)[]; browser: (string | null)[]; os: (string | null)[]; country: (string | null)[]; n: number[] };
}

/** Roll-ups of no clicks. */
export const emptyRollups = (): ClickRollups => ({
  urls: { id: [] },
  days: { url: [], day: [], n: [] },
  referrers: { url: [], referrer: [], n: [] },
  agents: { url: [], bot: [], device: [], browser: [], os: [], country: [], n: [] },
});

const DAY_MS = 86_400_000;

interface LinkTally { days: Map<number, number>; referrers: Map<string | null, number>; agents: Map<ClickTraits, number> }

function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/**
 * Pure; per link first (a batch has far fewer links than clicks), then per key within it. Traits
 * are tallied per object (the enricher hands equal clicks one shared object): two equal objects
 * give two entries, which the statement's GROUP BY adds up.
 */
export function aggregateClicks(clicks: readonly Click[], traits: readonly ClickTraits[]): ClickRollups {
  const links = new Map<number, LinkTally>();
  for (let i = 0; i < clicks.length; i++) {
    const c = clicks[i]!;
    let l = links.get(c.urlId);
    if (l === undefined) {
      l = { days: new Map(), referrers: new Map(), agents: new Map() };
      links.set(c.urlId, l);
    }
    bump(l.days, Math.floor(c.at.getTime() / DAY_MS)); // the UTC day
    bump(l.referrers, c.referrer);
    bump(l.agents, traits[i]!);
  }
  const out = emptyRollups();
  for (const [url, l] of links) {
    out.urls.id.push(url);
    for (const [day, n] of l.days) {
      out.days.url.push(url); out.days.day.push(new Date(day * DAY_MS).toISOString().slice(0, 10)); out.days.n.push(n);
    }
    for (const [referrer, n] of l.referrers) {
      out.referrers.url.push(url); out.referrers.referrer.push(referrer); out.referrers.n.push(n);
    }
    const a = out.agents;
    for (const [t, n] of l.agents) {
      a.url.push(url); a.bot.push(t.bot); a.device.push(t.device); a.browser.push(t.browser); a.os.push(t.os); a.country.push(t.country); a.n.push(n);
    }
  }
  return out;
}

/**
 * One statement: the batch's counts added to click_days, click_referrers and click_agents, keys
 * normalised by the same SQL functions the trigger uses (click_referrer_key, click_trait_key) and
 * regrouped after, rows upserted in key order, table after table (two flushes sharing keys wait
 * for each other instead of deadlocking). Answers whether any webhook wants link.clicked.
 */
export function rollUpClicks(r: ClickRollups): Statement {
  return {
    text: `WITH d AS (
        INSERT INTO click_days AS d (url_id, day, clicks)
          SELECT u, day, sum(n) FROM unnest($1::bigint[], $2::date[], $3::bigint[]) AS x(u, day, n) GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (url_id, day) DO UPDATE SET clicks = d.clicks + excluded.clicks),
      r AS (
        INSERT INTO click_referrers AS r (url_id, referrer_md5, referrer, clicks)
          SELECT u, md5(ref)::uuid, min(ref), sum(n)
          FROM (SELECT u, click_referrer_key(ref) AS ref, n FROM unnest($4::bigint[], $5::text[], $6::bigint[]) AS x(u, ref, n)) x
          GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (url_id, referrer_md5) DO UPDATE SET clicks = r.clicks + excluded.clicks),
      a AS (
        INSERT INTO click_agents AS a (url_id, bot, device, browser, os, country, clicks)
          SELECT u, b, click_trait_key(d), click_trait_key(br), click_trait_key(o), click_trait_key(c), sum(n)
          FROM unnest($7::bigint[], $8::boolean[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[]) AS x(u, b, d, br, o, c, n)
          GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (url_id, bot, device, browser, os, country) DO UPDATE SET clicks = a.clicks + excluded.clicks)
      SELECT ${WANTS_CLICKS}`,
    values: [
      r.days.url, r.days.day, r.days.n,
      r.referrers.url, r.referrers.referrer, r.referrers.n,
      r.agents.url, r.agents.bot, r.agents.device, r.agents.browser, r.agents.os, r.agents.country, r.agents.n,
    ].map(arrayLiteral),
  };
}

/** The counts a pending row keeps: the roll-ups without the batch's url list. */
export type PendingCounts = Omit<ClickRollups, 'urls'>;

/**
 * A batch's roll-ups kept for later (migration click-rollups-pending), in the transaction of its
 * events. Answers the row's id and, as rollUpClicks does, whether any webhook wants link.clicked.
 */
export function keepRollups(writer: string, r: ClickRollups): Statement {
  const counts: PendingCounts = { days: r.days, referrers: r.referrers, agents: r.agents };
  return {
    text: `INSERT INTO click_rollups_pending (writer, rollups) VALUES ($1, $2::json) RETURNING id, ${WANTS_CLICKS}`,
    values: [writer, JSON.stringify(counts)],
  };
}

/**
 * The key of the transaction-level advisory lock an applier of kept roll-ups holds: one replica
 * of the cluster applies them at a time (a second would take what the first left, the rows
 * written since, and update the same keys again).
 */
export const KEPT_ROLLUPS_APPLIER_LOCK = 7_242_913_001;

/**
 * Whether this transaction is the cluster's applier (the lock, held until it ends) and whether the
 * oldest kept row has waited `delayMs`.
 */
export function applierTurn(delayMs: number): Statement {
  return {
    text: `SELECT pg_try_advisory_xact_lock(${KEPT_ROLLUPS_APPLIER_LOCK}) AS turn,
        coalesce((SELECT written_at <= now() - make_interval(secs => $1::float8 / 1000) FROM click_rollups_pending ORDER BY id LIMIT 1), false) AS due`,
    values: [delayMs],
  };
}

/**
 * Claims the oldest `limit` kept rows, whoever wrote them: deleted, their counts returned as text
 * (parsed a row at a time by the applier, not all at once by pg). Rows being written are skipped.
 */
export function claimKeptRollups(limit: number): Statement {
  return {
    text: `DELETE FROM click_rollups_pending WHERE id IN (
        SELECT id FROM click_rollups_pending ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING rollups::text AS rollups`,
    values: [limit],
  };
}

/** Which of these rows are still kept (not claimed by any applier). */
export function stillKept(ids: readonly number[]): Statement {
  return { text: 'SELECT id FROM click_rollups_pending WHERE id = ANY ($1::bigint[])', values: [arrayLiteral(ids)] };
}

/**
 * Several batches' roll-ups added up, key by key, in the order keys first appear: the statement
 * then upserts each key once and groups no repeats. Keys are the values as the clicks gave them
 * (null apart from ''); rollUpClicks' GROUP BY still joins those its SQL normalises alike. Keys
 * are found per link (no key strings built: 0.25 us an entry when they were). No I/O.
 */
export class RollupSums {
  private readonly days = new Map<number, Map<string, number>>();
  private readonly referrers = new Map<number, Map<string | null, number>>();
  /** Per link, where its agents' entries are: a link has a few, compared field by field. */
  private readonly agents = new Map<number, number[]>();
  private readonly out = emptyRollups();

  // The three loops are written out: a shared helper taking a closure per new key was a quarter
  // slower (the applier sums about 100,000 entries every delay).
  add({ days, referrers, agents }: PendingCounts): void {
    const { days: d, referrers: r, agents: a } = this.out;
    for (let i = 0; i < days.url.length; i++) {
      const url = days.url[i]!;
      const day = days.day[i]!;
      const at = perLink(this.days, url);
      const k = at.get(day);
      if (k !== undefined) {
        d.n[k] = d.n[k]! + days.n[i]!;
      } else {
        at.set(day, d.n.length);
        d.url.push(url); d.day.push(day); d.n.push(days.n[i]!);
      }
    }
    for (let i = 0; i < referrers.url.length; i++) {
      const url = referrers.url[i]!;
      const referrer = referrers.referrer[i]!;
      const at = perLink(this.referrers, url);
      const k = at.get(referrer);
      if (k !== undefined) {
        r.n[k] = r.n[k]! + referrers.n[i]!;
      } else {
        at.set(referrer, r.n.length);
        r.url.push(url); r.referrer.push(referrer); r.n.push(referrers.n[i]!);
      }
    }
    for (let i = 0; i < agents.url.length; i++) {
      const url = agents.url[i]!;
      let at = this.agents.get(url);
      if (at === undefined) this.agents.set(url, at = []);
      const k = at.find((j) => a.bot[j] === agents.bot[i] && a.device[j] === agents.device[i] && a.browser[j] === agents.browser[i]
        && a.os[j] === agents.os[i] && a.country[j] === agents.country[i]);
      if (k !== undefined) {
        a.n[k] = a.n[k]! + agents.n[i]!;
      } else {
        at.push(a.n.length);
        a.url.push(url); a.bot.push(agents.bot[i]!); a.device.push(agents.device[i]!); a.browser.push(agents.browser[i]!);
        a.os.push(agents.os[i]!); a.country.push(agents.country[i]!); a.n.push(agents.n[i]!);
      }
    }
  }

  /** The sums so far (no url list: the statement needs none). */
  get rollups(): ClickRollups {
    return this.out;
  }
}

/** The link's own map, made on first use. */
function perLink<K>(maps: Map<number, Map<K, number>>, url: number): Map<K, number> {
  let m = maps.get(url);
  if (m === undefined) maps.set(url, m = new Map<K, number>());
  return m;
}

/** Appends `part`'s entries, column by column, to `into` (its url list too when it has one). */
export function appendRollups(into: ClickRollups, part: PendingCounts & Partial<Pick<ClickRollups, 'urls'>>): void {
  for (const table of Object.keys(part) as (keyof ClickRollups)[]) {
    const to = into[table] as unknown as Record<string, unknown[]>;
    const from = part[table] as unknown as Record<string, unknown[]>;
    for (const column of Object.keys(to)) for (const v of from[column]!) to[column]!.push(v);
  }
}

/**
 * The link.clicked webhook deliveries of a batch (only sent when a webhook wants them). The
 * batch travels as one JSON parameter: a native JSON.stringify costs a fraction of pg's
 * per-element escaping of many arrays.
 */
export function clickDeliveries(clicks: readonly Click[], traits: readonly ClickTraits[]): Statement {
  const rows = clicks.map((c, i) => {
    const t = traits[i]!;
    return { u: c.urlId, t: c.at.getTime(), r: c.referrer, a: c.userAgent, b: t.bot, d: t.device, br: t.browser, o: t.os, c: t.country };
  });
  return {
    text: `WITH x AS (SELECT * FROM json_to_recordset($1::json) AS x(u bigint, t double precision, r text, a text, b boolean, d text, br text, o text, c text))
      ${clickDeliveriesInsert('x')}`,
    values: [JSON.stringify(rows)],
  };
}

// npm run bench:reads -- [--events N] [--links N] [--users N] [--hot-share F] [--batched F] [--repeats R]
// The read endpoints whose cost could grow with the data: a link's stats (for a link with many
// clicks, and for an ordinary one) and every list, at three depths: the first page, the page in
// the middle by ?page (OFFSET), and the page just after it by ?cursor (keyset). One replica on
// real PostgreSQL (through PgBouncer); the rows are written by PostgreSQL itself
// (generate_series; events through the same roll-up trigger as every other writer): one
// `created` event per link, the rest clicks, every hotEvery-th on link 1: link 1's clicks all
// come after the links' created events (after 1M events at --links 1000000, the skew that
// misleads the planner). Prints median and worst latency per request (the three depths of a
// list alternated, `repeats` rounds), the median CPU each request cost PostgreSQL (its whole
// cluster) and this process (the replica and the client), which a loaded machine does not
// inflate as it does latency, and each list figure against issue 13's aim 5 (<= LIST_MS_AIM,
// median latency). Writing 10M events takes minutes (the command prints how long it took):
// --events 10000000 --links 1000000 is the aim's size; --events 2000000 --links 1000000 keeps its
// skew in a few minutes.
import { loadavg } from 'node:os';
import { Command } from 'commander';
import pg from 'pg';
import { startDataServices } from '../../infra/loopback/data-services.js';
import { LIST_MS_AIM } from '../../loadtest/lib/aims.js';
import { SLICE } from '../src/clicks/batch-prep.js';
import { encodeCursor } from '../src/http/cursor.js';
import { createPool } from '../src/db/pool.js';
import { runMigrations } from '../src/migrate.js';
import { SEAL_DEFAULTS } from '../src/page-marks/seal.js';
import { sealAll } from './seal-all.js';
import { startBenchService } from './bench-service.js';
import { postmasterPid } from './click-workload.js';
import { clusterCpuNs } from './cluster-cpu.js';
import { readProcs } from '../../loadtest/lib/cpu.js';
import { postgresCpuByRole, ticksButArchiving } from './pg-roles.js';
import { median } from './stats.js';

const PER_PAGE = 100;
/** Click events per INSERT statement: the roll-up trigger's transition table stays this size. */
const CHUNK = 1_000_000;

/**
 * The clicks of ids [$1, $2] moved from events into click_batches as the click flush writes them:
 * per flush ($3 ids) and slice of it ($4 clicks, batch-prep.ts), a row per link, its clicks given
 * consecutive ids. Their roll-ups stay as the trigger counted them (no trigger on DELETE).
 */
const BATCH_CLICKS = `WITH moved AS (
    DELETE FROM events WHERE event_type = 'click' AND id BETWEEN $1 AND $2 RETURNING id, url_id, user_id, "timestamp", details
  ), flushed AS (
    SELECT *, $1 + flush * $3 + row_number() OVER (PARTITION BY flush ORDER BY slice, url_id, id) - 1 AS new_id
    FROM (SELECT *, (id - $1) / $3 AS flush, ((id - $1) % $3) / $4 AS slice FROM moved) m
  )
  INSERT INTO click_batches (first_id, url_id, user_id, n, at, referrer, user_agent, bot, device, browser, os, country)
  SELECT min(new_id), url_id, user_id, count(*), array_agg("timestamp" ORDER BY new_id), array_agg(details->>'referrer' ORDER BY new_id),
    array_agg(details->>'user_agent' ORDER BY new_id), array_fill(false, ARRAY[count(*)::int]), array_fill('desktop'::text, ARRAY[count(*)::int]),
    array_fill(NULL::text, ARRAY[count(*)::int]), array_fill(NULL::text, ARRAY[count(*)::int]), array_fill(NULL::text, ARRAY[count(*)::int])
  FROM flushed GROUP BY flush, url_id, user_id, slice`;
/** Ids a flush of the bench's replicas takes (about a second of clicks); its slices are batch-prep's SLICE. */
const FLUSH_IDS = 5_000;

/** A request's latency, and the CPU it cost PostgreSQL and this process (the replica and the client). */
interface Answer { ms: number; pgMs: number; nodeMs: number; body: unknown; headers: Headers }

/**
 * The counts deep ?page pages of events start from (app/src/page-marks/), made as a replica's job
 * makes them, before any request: what they cost PostgreSQL per event, and how long a replica
 * started on this table takes to catch up.
 */
async function countSpans(databaseUrl: string, postmaster: number): Promise<void> {
  const pool = createPool(databaseUrl, 1);
  try {
    const t = Date.now();
    // Seconds of work: /proc's ticks with what exited children spent (an autovacuum worker that
    // ends mid-count), which clusterCpuNs, made for one request, misses.
    const before = readProcs();
    const spans = await sealAll(pool);
    const events = spans * SEAL_DEFAULTS.spanIds;
    console.log(`counted ${spans.toLocaleString('en')} spans (${events.toLocaleString('en')} ids) for deep pages in ${((Date.now() - t) / 1000).toFixed(1)} s: `
      + `PostgreSQL CPU ${(ticksButArchiving(postgresCpuByRole(before, readProcs(), postmaster)) * 1e4 / Math.max(1, events)).toFixed(2)} us per event`);
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--events <n>', 'events to write (one created event per link, the rest clicks)', '2000000')
    .option('--links <n>', 'links', '10000')
    .option('--users <n>', 'users (links are spread over them); default a tenth of the links')
    .option('--hot-share <f>', 'share of the clicks on link 1', '0.2')
    .option('--repeats <n>', 'requests per figure', '7')
    .option('--batched <f>', 'share of the clicks, the newest, stored as the click flush stores them (click_batches); 0: all as rows of events', '1')
    .parse()
    .opts<{ events: string; links: string; users?: string; hotShare: string; repeats: string; batched: string }>();
  const events = Number(opts.events);
  const links = Number(opts.links);
  const users = Number(opts.users ?? Math.max(1, Math.round(links / 10)));
  const clicks = events - links;
  if (![events, links, users].every((n) => Number.isSafeInteger(n) && n > 0) || clicks < 0) {
    throw new Error('--events, --links and --users must be positive integers, with at least one event per link');
  }
  const batchedShare = Number(opts.batched);
  if (!(batchedShare >= 0 && batchedShare <= 1)) throw new Error('--batched must be a share from 0 to 1');
  const hotEvery = Math.max(1, Math.round(1 / Number(opts.hotShare)));
  const repeats = Number(opts.repeats);

  const data = await startDataServices();
  const direct = new pg.Pool({ connectionString: data.directDatabaseUrl, max: 1 });
  const cleanups: (() => Promise<unknown>)[] = [() => direct.end(), () => data.stop()];
  try {
    await runMigrations(data.directDatabaseUrl);
    let t = Date.now();
    const seconds = () => `${((Date.now() - t) / 1000).toFixed(1)} s`;
    await direct.query(`INSERT INTO users (username, email) SELECT 'u' || g, 'u' || g || '@example.com' FROM generate_series(1, $1::int) g`, [users]);
    // Link g belongs to user 1 + g % users; its created event is event g.
    await direct.query(`INSERT INTO urls (user_id, short_code, original_url)
      SELECT 1 + g % $2, 'b' || g, 'https://example.com/' || g FROM generate_series(1, $1::int) g`, [links, users]);
    await direct.query(`INSERT INTO events (url_id, user_id, event_type, "timestamp", details)
      SELECT g, 1 + g % $2, 'created', now() - interval '91 days', jsonb_build_object('short_code', 'b' || g, 'original_url', 'https://example.com/' || g)
      FROM generate_series(1, $1::int) g`, [links, users]);
    console.log(`wrote ${users.toLocaleString('en')} users, ${links.toLocaleString('en')} links and their created events in ${seconds()}`);
    t = Date.now();
    // Link 1's clicks (every hotEvery-th) over 90 days and 50 referrers; every other link's on one
    // day from one referrer, so the roll-ups stay a row or two per link: writing 10M events takes
    // minutes, not tens of them.
    for (let from = 1; from <= clicks; from += CHUNK) {
      await direct.query(`INSERT INTO events (url_id, user_id, event_type, "timestamp", details)
        SELECT l.url_id, 1 + l.url_id % $3, 'click', now() - (v.spread % 90) * interval '1 day',
          jsonb_build_object('referrer', 'https://ref' || (v.spread % 50) || '.example/', 'user_agent', 'Mozilla/5.0')
        FROM generate_series($1::bigint, $2::bigint) g,
          LATERAL (SELECT CASE WHEN g % $4 = 0 OR $5::bigint = 1 THEN 1 ELSE 2 + g % ($5::bigint - 1) END AS url_id) l,
          LATERAL (SELECT CASE WHEN l.url_id = 1 THEN g ELSE l.url_id END AS spread) v`,
      [from, Math.min(clicks, from + CHUNK - 1), users, hotEvery, links]);
      process.stdout.write(`\r${Math.min(clicks, from + CHUNK - 1).toLocaleString('en')} of ${clicks.toLocaleString('en')} clicks, ${seconds()}`);
    }
    console.log(`\rwrote ${clicks.toLocaleString('en')} click events in ${seconds()}`);
    t = Date.now();
    const batched = Math.round(clicks * batchedShare);
    for (let from = events - batched + 1; from <= events; from += CHUNK) {
      await direct.query(BATCH_CLICKS, [from, Math.min(events, from + CHUNK - 1), FLUSH_IDS, SLICE]);
    }
    if (batched > 0) console.log(`moved the newest ${batched.toLocaleString('en')} clicks into click_batches in ${seconds()}`);
    t = Date.now();
    // As autovacuum would leave an insert-only table: statistics and a visibility map.
    await direct.query('VACUUM ANALYZE');
    console.log(`VACUUM ANALYZE ${seconds()}`);
    await countSpans(data.directDatabaseUrl, postmasterPid(data.postgres.dataDir));

    const { service, adminKey } = await startBenchService(data);
    cleanups.unshift(() => service.stop());
    const postmaster = postmasterPid(data.postgres.dataDir);
    const get = async (path: string): Promise<Answer> => {
      const pgStart = clusterCpuNs(postmaster);
      const nodeStart = process.cpuUsage();
      const start = performance.now();
      const res = await fetch(`${service.url}${path}`, { headers: { 'x-api-key': adminKey } });
      const body: unknown = await res.json();
      const ms = performance.now() - start;
      const node = process.cpuUsage(nodeStart);
      const pgMs = (clusterCpuNs(postmaster) - pgStart) / 1e6;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return { ms, pgMs, nodeMs: (node.user + node.system) / 1000, body, headers: res.headers };
    };
    interface Figures { times: number[]; pg: number[]; node: number[] }
    const figures = (): Figures => ({ times: [], pg: [], node: [] });
    const record = (f: Figures, a: Answer) => { f.times.push(a.ms); f.pg.push(a.pgMs); f.node.push(a.nodeMs); };
    const cell = (n: number) => n.toFixed(1).padStart(9);
    const row = (name: string, f: Figures, answer: string, aim: string) =>
      console.log(`${name.padEnd(58)} ${cell(median(f.times))} ${cell(Math.max(...f.times))} ${cell(median(f.pg))} ${cell(median(f.node))}   ${answer}${aim}`);
    const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
    console.log(`load average ${load()}`);
    console.log(`${'request'.padEnd(58)} ${'median ms'.padStart(9)} ${'worst ms'.padStart(9)} ${'pg cpu ms'.padStart(9)} ${'node cpu'.padStart(9)}`);

    for (const link of [1, 2]) {
      const f = figures();
      let answer = '';
      for (let i = 0; i < repeats; i++) {
        const a = await get(`/urls/${link}/stats`);
        record(f, a);
        answer = `clicks ${(a.body as { clicks: number }).clicks.toLocaleString('en')}`;
      }
      row(`GET /urls/${link}/stats`, f, answer, '');
    }

    // User 2 owns link 1 (the hot one); user 3 and link 2 are ordinary.
    const lists = ['/users', '/urls', '/urls?is_active=true', '/urls?user_id=2', '/events', '/events?url_id=1', '/events?url_id=2',
      '/events?event_type=created', '/events?event_type=click&user_id=2', '/events?user_id=3'];
    const verdicts: boolean[] = [];
    for (const list of lists) {
      const sep = list.includes('?') ? '&' : '?';
      const first = await get(`${list}${sep}per_page=${PER_PAGE}`);
      const total = Number(first.headers.get('x-total-count'));
      // The page in the middle by OFFSET, and the page after it by cursor: the same depth.
      const middle = Math.max(1, Math.ceil(total / 2 / PER_PAGE));
      const mid = await get(`${list}${sep}page=${middle}&per_page=${PER_PAGE}`);
      const lastId = (mid.body as { id: number }[]).at(-1)?.id ?? 0;
      const depths = [
        { name: 'first page', path: `${list}${sep}per_page=${PER_PAGE}`, f: figures() },
        { name: `page ${middle.toLocaleString('en')} (offset)`, path: `${list}${sep}page=${middle}&per_page=${PER_PAGE}`, f: figures() },
        { name: 'next page by cursor', path: `${list}${sep}cursor=${encodeCursor({ afterId: lastId })}&per_page=${PER_PAGE}`, f: figures() },
      ];
      for (let i = 0; i < repeats; i++) {
        for (const d of depths) record(d.f, await get(d.path));
      }
      const estimate = first.headers.get('x-total-count-exact') === 'false' ? ' (estimate)' : '';
      for (const d of depths) {
        const pass = median(d.f.times) <= LIST_MS_AIM;
        verdicts.push(pass);
        row(`GET ${list}, ${d.name}`, d.f, `X-Total-Count ${total.toLocaleString('en')}${estimate}`, `   aim <= ${LIST_MS_AIM} ms: ${pass ? 'PASS' : 'FAIL'}`);
      }
    }
    console.log(`load average ${load()}`);
    const passed = verdicts.filter(Boolean).length;
    console.log(`aim 5 (every list request <= ${LIST_MS_AIM} ms at ${events.toLocaleString('en')} events, ${links.toLocaleString('en')} links): `
      + `${passed} of ${verdicts.length} figures PASS: ${passed === verdicts.length ? 'PASS' : 'FAIL'}`);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

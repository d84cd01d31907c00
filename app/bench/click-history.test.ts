// The benches' earlier clicks (click-history.ts) on real PostgreSQL: whole flushes, the flush's row
// shape, ids of their own from the events' sequence, a Zipf head, and the page marks counted after.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../infra/loopback/data-services.js';
import { ownerOf } from '../../loadtest/lib/link-owners.js';
import { runMigrations } from '../src/migrate.js';
import { SEAL_DEFAULTS, sealRound } from '../src/page-marks/seal.js';
import { HISTORY_FLUSH_CLICKS, writeClickHistory } from './click-history.js';
import { seedBenchLinks } from './click-workload.js';
import { sealAll } from './seal-all.js';

const LINKS = 1_000;
const FLUSHES = 8;
const CLICKS = FLUSHES * HISTORY_FLUSH_CLICKS - 1_000; // rounded up to whole flushes

describe('earlier clicks for the benches', () => {
  let data: DataServices;
  let client: pg.Client;
  let pool: pg.Pool;
  let rows: number;

  beforeAll(async () => {
    data = await startDataServices();
    await runMigrations(data.directDatabaseUrl);
    client = new pg.Client({ connectionString: data.directDatabaseUrl });
    await client.connect();
    pool = new pg.Pool({ connectionString: data.directDatabaseUrl, max: 1 });
    await seedBenchLinks((text, values) => client.query(text, values), LINKS);
    rows = await writeClickHistory(client, { clicks: CLICKS, links: LINKS, firstId: 1 });
  });
  afterAll(async () => {
    await pool?.end();
    await client?.end();
    await data?.stop();
  });

  it('writes whole flushes as the flush writes them: a row per link and flush, its clicks in arrays', async () => {
    const { rows: [t] } = await client.query<{ rows: string; clicks: string; arrays: boolean; links: string }>(
      `SELECT count(*) AS rows, sum(n) AS clicks, count(DISTINCT url_id) AS links,
         bool_and(cardinality(at) = n AND cardinality(referrer) = n AND cardinality(country) = n) AS arrays FROM click_batches`);
    expect(Number(t!.rows)).toBe(rows);
    expect(Number(t!.clicks)).toBe(FLUSHES * HISTORY_FLUSH_CLICKS);
    expect(t!.arrays).toBe(true);
    // A Zipf draw repeats links: far fewer rows than clicks, and not every link drawn in a flush.
    expect(rows).toBeLessThan(FLUSHES * HISTORY_FLUSH_CLICKS / 2);
    expect(rows).toBeLessThan(FLUSHES * LINKS);
  });

  it('gives each click an id of its own, after the earlier events and before the next', async () => {
    const { rows: ids } = await client.query<{ first: string; n: number }>('SELECT first_id AS first, n FROM click_batches ORDER BY first_id');
    for (let i = 1; i < ids.length; i++) expect(Number(ids[i]!.first)).toBe(Number(ids[i - 1]!.first) + ids[i - 1]!.n);
    const last = ids.at(-1)!;
    const { rows: [s] } = await client.query<{ next: string; events: string | null }>(
      "SELECT nextval('events_id_seq') AS next, (SELECT max(id) FROM events) AS events");
    expect(Number(s!.next)).toBeGreaterThan(Number(last.first) + last.n - 1);
    expect(Number(ids[0]!.first)).toBeGreaterThan(Number(s!.events ?? 0));
  });

  it('draws the links by Zipf rank, each row with its link and its link\'s owner', async () => {
    const { rows: byLink } = await client.query<{ url_id: string; user_id: string; rows: string; clicks: string; owner: string }>(
      `SELECT b.url_id, b.user_id, u.user_id AS owner, count(*) OVER (PARTITION BY b.url_id) AS rows, sum(b.n) OVER (PARTITION BY b.url_id) AS clicks
         FROM click_batches b JOIN urls u ON u.id = b.url_id`);
    expect(byLink.length).toBe(rows); // every row's link exists
    for (const r of byLink) expect(r.user_id).toBe(r.owner);
    expect(Number(byLink.find((r) => r.url_id === '1')!.owner)).toBe(1 + ownerOf(1, LINKS));
    const clicksOf = (id: number) => Number(byLink.find((r) => Number(r.url_id) === id)?.clicks ?? 0);
    const rowsOf = (id: number) => Number(byLink.find((r) => Number(r.url_id) === id)?.rows ?? 0);
    // The head link is in every flush, and drawn far more often than one in the middle.
    expect(rowsOf(1)).toBe(FLUSHES);
    expect(clicksOf(1)).toBeGreaterThan(10 * clicksOf(LINKS / 2));
  });

  it('has the page marks count it before any load, as a replica\'s job would', async () => {
    const spans = await sealAll(pool);
    expect(spans).toBe(Math.floor((FLUSHES * HISTORY_FLUSH_CLICKS) / SEAL_DEFAULTS.spanIds));
    const after = await sealRound(pool);
    expect(after.uncounted).toBeLessThan(SEAL_DEFAULTS.spanIds);
  });
});

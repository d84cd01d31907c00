// COPY of generated links and the bench probe's server-connection watch, against real PostgreSQL + PgBouncer.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../infra/loopback/data-services.js';
import { withDb } from '../chaos/probes.js';
import { generatedLink } from '../lib/links.js';
import { copyGeneratedLinks } from '../lib/copy-links.js';
import { LINKS_PER_OWNER } from '../lib/link-owners.js';
import { openStackProbe } from '../lib/stack-probe.js';

let data: DataServices;
beforeAll(async () => {
  data = await startDataServices({ config: { pools: { pgbouncerPoolSize: 3 } } });
  // The columns COPY writes, as the app's migration defines them.
  await withDb(data.directDatabaseUrl, async (c) => {
    await c.query('CREATE TABLE users (id bigserial PRIMARY KEY, username text NOT NULL UNIQUE, email text NOT NULL UNIQUE)');
    await c.query(`CREATE TABLE urls (id bigserial PRIMARY KEY, short_code text NOT NULL UNIQUE, original_url text NOT NULL,
      user_id bigint NULL REFERENCES users (id))`);
    // What the probe waits on: the app's kept click roll-ups (migration click-rollups-pending).
    await c.query('CREATE TABLE click_rollups_pending (id bigserial PRIMARY KEY)');
  });
});
afterAll(async () => {
  await data?.stop();
});

describe('bench scale data', () => {
  it('writes the generated links with COPY, codes and URLs as the load generator expects them', async () => {
    const rate = await copyGeneratedLinks(data.directDatabaseUrl, 'g', 25_000);
    expect(rate).toBeGreaterThan(0);
    const rows = await withDb(data.directDatabaseUrl, async (c) =>
      (await c.query<{ n: string; url: string }>(
        `SELECT (SELECT count(*) FROM urls)::text AS n, (SELECT original_url FROM urls WHERE short_code = $1) AS url`,
        [generatedLink('g', 12_345).code],
      )).rows[0]!);
    expect(rows).toEqual({ n: '25000', url: generatedLink('g', 12_345).originalUrl });
    // Every link owned, each owner's share the seed data's, consecutive links by different owners.
    const owners = await withDb(data.directDatabaseUrl, async (c) =>
      (await c.query<{ links: string; users: string; fewest: string; most: string; same: boolean }>(
        `SELECT count(*) FILTER (WHERE u.user_id IS NOT NULL)::text AS links, count(DISTINCT u.user_id)::text AS users,
           (SELECT min(n) FROM (SELECT count(*) AS n FROM urls GROUP BY user_id) g)::text AS fewest,
           (SELECT max(n) FROM (SELECT count(*) AS n FROM urls GROUP BY user_id) g)::text AS most,
           (SELECT user_id FROM urls WHERE short_code = $1) = (SELECT user_id FROM urls WHERE short_code = $2) AS same
         FROM urls u`, [generatedLink('g', 1).code, generatedLink('g', 2).code])).rows[0]!);
    expect(owners).toEqual({ links: '25000', users: String(25_000 / LINKS_PER_OWNER), fewest: String(LINKS_PER_OWNER), most: String(LINKS_PER_OWNER), same: false });
  });

  it('sees PgBouncer hold PostgreSQL to its pool size however many clients connect', async () => {
    const probe = await openStackProbe(data.directDatabaseUrl);
    const watch = probe.watchServerConnections(50);
    const clients = Array.from({ length: 12 }, () => new pg.Client({ connectionString: data.databaseUrl }));
    await Promise.all(clients.map((c) => c.connect()));
    // Every client busy at once: more than the pool can serve together.
    await Promise.all(clients.map((c) => c.query('SELECT pg_sleep(0.3)')));
    await Promise.all(clients.map((c) => c.end()));
    const max = await watch.stop();
    await probe.close();
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(3);
  });

  it('settles after a warm-up: waits for the kept roll-ups, then vacuums what it wrote', async () => {
    const probe = await openStackProbe(data.directDatabaseUrl);
    try {
      await withDb(data.directDatabaseUrl, (c) => c.query('INSERT INTO click_rollups_pending DEFAULT VALUES'));
      await expect(probe.settled(300)).rejects.toThrow(/not applied/);
      await withDb(data.directDatabaseUrl, (c) => c.query('DELETE FROM click_rollups_pending'));
      const vacuums = () => withDb(data.directDatabaseUrl, async (c) => Number((await c.query<{ n: string }>(
        "SELECT vacuum_count::text AS n FROM pg_stat_user_tables WHERE relname = 'urls'")).rows[0]!.n));
      const before = await vacuums();
      await probe.settled(300);
      // The statistics collector reports a vacuum within its flush interval.
      await expect.poll(vacuums, { timeout: 10_000, interval: 200 }).toBeGreaterThan(before);
    } finally {
      await probe.close();
    }
  });
});

// Link stats come from the click counts a trigger keeps beside the events. Whatever wrote the
// clicks (the seed loader, redirects through the click flusher, POST /events), and when the
// counts were backfilled by the migration, they must equal counting the events themselves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFrom, stepMigrations } from '../../src/migrate.js';
import { writeDataset } from '../../src/seed/generator.js';
import { loadSeed } from '../../src/seed/loader.js';
import { TOP_REFERRERS } from '../../src/store/stats-store.js';
import { call, startHarness, until, type Harness } from '../support/harness.js';

let h: Harness;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(h.service, method, path, opts);

beforeAll(async () => {
  h = await startHarness({ TRUST_PROXY: '127.0.0.1' });
  // The shared seed has no clicks; the generator's dataset (same format) has them, over many
  // days and referrers, some empty.
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-stats-'));
  try {
    await writeDataset(dir, { users: 100, urls: 400, events: 20_000 });
    await loadSeed(h.direct, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(async () => { await h?.stop(); });

type Stats = { clicks: number; clicks_by_day: unknown[]; top_referrers: unknown[]; human_clicks: number; bot_clicks: number;
  by_device: unknown[]; by_browser: unknown[]; by_os: unknown[]; by_country: unknown[] };

/** Clicks per value of one detail, counted from the raw events: most first, ties by name, unknown (null) last. */
const byDetail = (name: string) => `(SELECT COALESCE(json_agg(json_build_object('${name}', v, 'clicks', n) ORDER BY n DESC, v NULLS LAST), '[]')
  FROM (SELECT NULLIF(left(c.details->>'${name}', 64), '') AS v, count(*)::int AS n FROM clicks c WHERE c.url_id = u.url_id GROUP BY 1) x)`;

/** The stats of every link that has clicks, counted from its raw events. */
async function statsFromEvents(): Promise<Map<number, Stats>> {
  const { rows } = await h.direct.query<{ url_id: string; by_day: { day: string; clicks: number }[]; referrers: { referrer: string; clicks: number }[];
    bots: number; by_device: unknown[]; by_browser: unknown[]; by_os: unknown[]; by_country: unknown[] }>(`
    WITH clicks AS (
      SELECT url_id, to_char(date_trunc('day', "timestamp" AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
             COALESCE(NULLIF(details->>'referrer', ''), '(direct)') AS referrer, details
      FROM all_events WHERE event_type = 'click' AND url_id IS NOT NULL)
    SELECT u.url_id,
      (SELECT json_agg(json_build_object('day', day, 'clicks', n) ORDER BY day)
         FROM (SELECT day, count(*)::int AS n FROM clicks c WHERE c.url_id = u.url_id GROUP BY day) d) AS by_day,
      (SELECT json_agg(json_build_object('referrer', referrer, 'clicks', n) ORDER BY n DESC, referrer)
         FROM (SELECT referrer, count(*)::int AS n FROM clicks c WHERE c.url_id = u.url_id
               GROUP BY referrer ORDER BY n DESC, referrer LIMIT ${TOP_REFERRERS}) r) AS referrers,
      (SELECT count(*)::int FROM clicks c WHERE c.url_id = u.url_id AND c.details->>'bot' = 'true') AS bots,
      ${byDetail('device')} AS by_device, ${byDetail('browser')} AS by_browser,
      ${byDetail('os')} AS by_os, ${byDetail('country')} AS by_country
    FROM (SELECT DISTINCT url_id FROM clicks) u`);
  return new Map(rows.map((r) => {
    const clicks = r.by_day.reduce((s, d) => s + d.clicks, 0);
    return [Number(r.url_id), {
      clicks, clicks_by_day: r.by_day, top_referrers: r.referrers, human_clicks: clicks - r.bots, bot_clicks: r.bots,
      by_device: r.by_device, by_browser: r.by_browser, by_os: r.by_os, by_country: r.by_country,
    }];
  }));
}

async function expectStatsToMatchEvents(): Promise<number> {
  const expected = await statsFromEvents();
  for (const [urlId, stats] of expected) {
    const res = await api('GET', `/urls/${urlId}/stats`);
    expect(res.status).toBe(200);
    const { short_code: _code, ...got } = res.body;
    expect({ url_id: urlId, ...stats }).toEqual(got);
  }
  return expected.size;
}

describe('link stats', () => {
  // One stats request per link (400): 15 s on a quiet machine, 60 s seen beside a chaos run.
  it('equal the counts of the loaded events for every link', async () => {
    const links = await expectStatsToMatchEvents();
    expect(links).toBeGreaterThan(100);
  }, 180_000);

  it('count clicks from redirects, POST /events and referrers too long for an index entry', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/stats' } })).body;
    const longReferrer = `https://ref.example/${'ü'.repeat(3_000)}`;
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
    const ipad = 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
    const agents = [chrome, chrome, 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', ipad];
    // The replica trusts X-Forwarded-For from 127.0.0.1 (TRUST_PROXY below), as from nginx.
    const from = ['8.8.8.8', '8.8.8.8', '2a00:1450:4001::1', '127.0.0.1'];
    for (const [i, referer] of ['https://a.example/', 'https://a.example/', 'https://b.example/', undefined].entries()) {
      const headers: Record<string, string> = { 'x-forwarded-for': from[i]! };
      if (referer) headers.referer = referer;
      if (agents[i]) headers['user-agent'] = agents[i]!;
      const res = await api('GET', `/${link.short_code}`, { key: null, headers });
      expect(res.status).toBe(302);
    }
    expect((await api('POST', '/events', { body: { url_id: link.id, event_type: 'click', details: { referrer: longReferrer } } })).status).toBe(201);
    await until('the clicks flushed', async () => (await api('GET', `/urls/${link.id}/stats`)).body.clicks === 5);
    const stats = (await api('GET', `/urls/${link.id}/stats`)).body;
    expect(stats.top_referrers).toEqual([
      { referrer: 'https://a.example/', clicks: 2 },
      { referrer: '(direct)', clicks: 1 },
      { referrer: 'https://b.example/', clicks: 1 },
      { referrer: longReferrer, clicks: 1 },
    ]);
    expect(stats.clicks_by_day).toEqual([{ day: new Date().toISOString().slice(0, 10), clicks: 5 }]);
    // The redirects' traits, worked out in the flush; the POST /events click recorded none.
    expect(stats).toMatchObject({
      human_clicks: 4, bot_clicks: 1,
      by_device: [{ device: 'desktop', clicks: 2 }, { device: 'bot', clicks: 1 }, { device: 'tablet', clicks: 1 }, { device: null, clicks: 1 }],
      by_country: [{ country: 'US', clicks: 2 }, { country: null, clicks: 2 }, { country: 'DE', clicks: 1 }],
    });
    expect(stats.by_browser).toContainEqual({ browser: 'Chrome', clicks: 2 });
    expect(stats.by_browser).toContainEqual({ browser: 'Safari', clicks: 1 });
    expect(stats.by_os).toContainEqual({ os: 'Windows', clicks: 2 });
    expect(stats.by_os).toContainEqual({ os: 'iOS', clicks: 1 });
    await expectStatsToMatchEvents();
  });

  it('are backfilled from the events when the migration runs on a database that has them', async () => {
    const ROLLUPS = '1767484800000_click-rollups';
    // Back to before the roll-ups: every migration from it to the newest goes down, in reverse.
    const since = migrationsFrom(ROLLUPS);
    const migrate = (direction: 'up' | 'down', count: number) => stepMigrations(h.data.directDatabaseUrl, direction, count);
    expect(await migrate('down', since.length)).toEqual([...since].reverse());
    const gone = await h.direct.query(`SELECT to_regclass('click_days') AS t`);
    expect(gone.rows[0].t).toBeNull();
    expect(await migrate('up', since.length)).toEqual(since);
    expect(await expectStatsToMatchEvents()).toBeGreaterThan(100);
  });
});

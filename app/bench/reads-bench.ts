// npm run bench:reads -- [--events N] [--hot-share F] [--repeats R]
// The read endpoints whose cost could grow with the data: a link's stats (for a link with many
// clicks, and for an ordinary one) and event listings with their X-Total-Count. One replica on
// real PostgreSQL (through PgBouncer); the events are written by PostgreSQL itself
// (generate_series, through the same trigger as every other writer). Prints median and worst
// latency per request, and for the listings whether they meet issue 13's aim (<= 20 ms, median,
// whatever the page). Bounded: about 1 minute with the defaults.
import { Command } from 'commander';
import pg from 'pg';
import { startDataServices } from '../../infra/loopback/data-services.js';
import { runMigrations } from '../src/migrate.js';
import { startBenchService } from './bench-service.js';
import { median } from './stats.js';

const LINKS = 10_000;
/** Issue 13: every list request answers within this, whatever the page. */
const LIST_AIM_MS = 20;

async function main(): Promise<void> {
  const opts = new Command()
    .option('--events <n>', 'click events to write', '2000000')
    .option('--hot-share <f>', 'share of them on link 1', '0.2')
    .option('--repeats <n>', 'requests per figure', '7')
    .parse()
    .opts<{ events: string; hotShare: string; repeats: string }>();
  const events = Number(opts.events);
  const hotEvery = Math.max(1, Math.round(1 / Number(opts.hotShare)));
  const repeats = Number(opts.repeats);

  const data = await startDataServices();
  const direct = new pg.Pool({ connectionString: data.directDatabaseUrl, max: 1 });
  const cleanups: (() => Promise<unknown>)[] = [() => direct.end(), () => data.stop()];
  try {
    await runMigrations(data.directDatabaseUrl);
    await direct.query(`INSERT INTO users (username, email) VALUES ('bench', 'bench@example.com')`);
    await direct.query(`INSERT INTO urls (user_id, short_code, original_url)
      SELECT 1, 'b' || g, 'https://example.com/' || g FROM generate_series(1, ${LINKS}) g`);
    let t = Date.now();
    // Clicks over 90 days and 50 referrers; every hotEvery-th on link 1.
    await direct.query(`INSERT INTO events (url_id, user_id, event_type, "timestamp", details)
      SELECT CASE WHEN g % $2 = 0 THEN 1 ELSE 2 + g % ${LINKS - 1} END, 1, 'click', now() - (g % 90) * interval '1 day',
        jsonb_build_object('referrer', 'https://ref' || (g % 50) || '.example/', 'user_agent', 'Mozilla/5.0')
      FROM generate_series(1, $1::int) g`, [events, hotEvery]);
    const writeMs = Date.now() - t;
    t = Date.now();
    await direct.query('VACUUM ANALYZE');
    console.log(`wrote ${events.toLocaleString('en')} click events in ${(writeMs / 1000).toFixed(1)} s (vacuum ${((Date.now() - t) / 1000).toFixed(1)} s)`);

    const { service, adminKey } = await startBenchService(data);
    cleanups.unshift(() => service.stop());

    const figures: [string, string][] = [
      [`stats of link 1 (~${Math.round(events / hotEvery).toLocaleString('en')} clicks)`, '/urls/1/stats'],
      [`stats of link 2 (~${Math.round((events - events / hotEvery) / (LINKS - 1)).toLocaleString('en')} clicks)`, '/urls/2/stats'],
      ['GET /events, first page', '/events?per_page=100'],
      ['GET /events?url_id=1, first page', '/events?url_id=1&per_page=100'],
      ['GET /events, page 5,000 (offset)', '/events?page=5000&per_page=100'],
      [`GET /events?after=${Math.floor(events / 2)} (keyset, mid-table)`, `/events?after=${Math.floor(events / 2)}&per_page=100`],
      [`GET /events?url_id=1&after=${Math.floor(events / 2)} (keyset)`, `/events?url_id=1&after=${Math.floor(events / 2)}&per_page=100`],
    ];
    console.log(`${'request'.padEnd(48)} ${'median ms'.padStart(10)} ${'worst ms'.padStart(9)}   answer`);
    for (const [name, path] of figures) {
      const times: number[] = [];
      let answer = '';
      for (let i = 0; i < repeats; i++) {
        const start = performance.now();
        const res = await fetch(`${service.url}${path}`, { headers: { 'x-api-key': adminKey } });
        const body = await res.json() as { clicks?: number };
        times.push(performance.now() - start);
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
        answer = body.clicks !== undefined ? `clicks ${body.clicks}`
          : `X-Total-Count ${res.headers.get('x-total-count')}${res.headers.get('x-total-count-exact') === 'false' ? ' (estimate)' : ''}`;
      }
      const aim = path.startsWith('/events') ? `   aim <= ${LIST_AIM_MS} ms: ${median(times) <= LIST_AIM_MS ? 'PASS' : 'FAIL'}` : '';
      console.log(`${name.padEnd(48)} ${median(times).toFixed(1).padStart(10)} ${Math.max(...times).toFixed(1).padStart(9)}   ${answer}${aim}`);
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

// npm run bench:clicks -- [--links 10000] [--clicks 50000] [--rounds 5] [--batch 1000] [--varied] [--rollup-delay-ms 5000]
// PostgreSQL's CPU per recorded click: the replica's real click flush (ClickBuffer, through
// PgBouncer in transaction mode) writes Zipf-drawn clicks over N links, as `npm run bench`'s
// cached redirect sends them (one client, no referrer, no User-Agent), or with --varied as the
// mixed scenario's (desktop, phone, tablet and crawler agents, 50 referrers, five client
// addresses: more roll-up rows per link). The CPU time of every PostgreSQL process
// (/proc utime + stime, the postmaster and its children: backends, WAL writer, checkpointer,
// autovacuum, and the workers that exited within the round, from the postmaster's reaped time)
// over each round is divided by the clicks written. Medians of the rounds; the
// flushing process's own CPU per click is printed beside it. A command that prints figures, not a
// test. Bounded: about 30 s with the defaults on an idle machine. The batches' roll-up counts wait
// as a loaded replica's do (CLICK_ROLLUP_DELAY_MS; 0: each batch adds its own): a round written
// faster than the delay has them added once, at its drain.
import { Command } from 'commander';
import pg from 'pg';
import { pino } from 'pino';
import { startDataServices } from '../../infra/loopback/data-services.js';
import { PG_US_PER_CLICK_AIM } from '../../loadtest/lib/aims.js';
import { cpuByProgram, readProcs, TICKS_PER_SECOND } from '../../loadtest/lib/cpu.js';
import { ClickBuffer } from '../src/clicks/click-buffer.js';
import { openCountryLookup } from '../src/clicks/country.js';
import { createEnricher } from '../src/clicks/enricher.js';
import { createPool } from '../src/db/pool.js';
import { APP_DEFAULTS } from '../src/config-defaults.js';
import { createMetrics } from '../src/metrics/metrics.js';
import { runMigrations } from '../src/migrate.js';
import { clickSource, postmasterPid, seedBenchLinks } from './click-workload.js';
import { median } from './stats.js';



async function main(): Promise<void> {
  const opts = new Command()
    .option('--links <n>', 'links the clicks are drawn from (Zipf, exponent 1)', '10000')
    .option('--clicks <n>', 'clicks per round', '50000')
    .option('--rounds <n>', 'rounds (medians are taken over them)', '5')
    .option('--batch <n>', "the flush's batch size (CLICK_FLUSH_BATCH)", String(APP_DEFAULTS.clickFlushBatch))
    .option('--varied', 'agents, referrers and addresses of the mixed scenario')
    .option('--rollup-delay-ms <n>', 'how long the counts of a batch wait (CLICK_ROLLUP_DELAY_MS; 0: not at all)', String(APP_DEFAULTS.clickRollupDelayMs))
    .parse()
    .opts<{ links: string; clicks: string; rounds: string; batch: string; varied?: boolean; rollupDelayMs: string }>();
  const links = Number(opts.links);
  const perRound = Number(opts.clicks);
  const rounds = Number(opts.rounds);
  const batchSize = Number(opts.batch);

  const data = await startDataServices({ config: { pools: { pgbouncerPoolSize: 4 } } });
  const pool = createPool(data.databaseUrl, 4);
  const direct = new pg.Pool({ connectionString: data.directDatabaseUrl, max: 1 });
  try {
    await runMigrations(data.directDatabaseUrl);
    await seedBenchLinks((text, values) => direct.query(text, values), links);
    const postmaster = postmasterPid(data.postgres.dataDir);

    const metrics = createMetrics({ version: 'bench', commit: 'bench' });
    const enrich = createEnricher(await openCountryLookup());
    const click = clickSource(links, opts.varied);

    const pgUs: number[] = [];
    const nodeUs: number[] = [];
    // A first round warms caches and plans; it is not counted.
    for (let round = 0; round <= rounds; round++) {
      const buffer = new ClickBuffer({
        pool, metrics, logger: pino({ level: 'warn' }), enrich, flushIntervalMs: 60_000, batchSize, maxBuffered: perRound * 2,
        rollupDelayMs: Number(opts.rollupDelayMs), rollupDelayFrom: APP_DEFAULTS.clickRollupDelayFrom,
      });
      const clicks = Array.from({ length: perRound }, click);
      const before = readProcs();
      const cpu = process.cpuUsage();
      // Fed a batch at a time as redirects would: record() starts a flush at each full batch.
      for (let i = 0; i < clicks.length; i += batchSize) {
        for (const c of clicks.slice(i, i + batchSize)) buffer.record(c);
        await new Promise((r) => setImmediate(r));
      }
      await buffer.drain(120_000);
      const nodeCpu = process.cpuUsage(cpu);
      const afterProcs = readProcs();
      // Workers that exited within the round (autovacuum) are in the postmaster's reaped time.
      const ticks = cpuByProgram(before, afterProcs, postmaster, { rootLabel: 'postgres' }).postgres ?? 0;
      if (process.env.DIAG) {
        const start = new Map(before.map((p) => [p.pid, p.ticks]));
        for (const p of afterProcs) {
          if (p.ppid !== postmaster) continue;
          const d = p.ticks - (start.get(p.pid) ?? 0);
          if (d > 0) process.stderr.write(`  ${d} ticks ${p.title}\n`);
        }
      }
      if (buffer.depth > 0) throw new Error(`round ${round}: ${buffer.depth} clicks not written`);
      if (round === 0) continue;
      pgUs.push((ticks / TICKS_PER_SECOND) * 1e6 / perRound);
      nodeUs.push((nodeCpu.user + nodeCpu.system) / perRound);
      process.stderr.write(`round ${round}: PostgreSQL ${pgUs.at(-1)!.toFixed(1)} us/click, flushing process ${nodeUs.at(-1)!.toFixed(1)} us/click\n`);
    }
    const written = (await direct.query<{ n: number }>(`SELECT count(*)::int AS n FROM all_events WHERE event_type = 'click'`)).rows[0]!.n;
    if (written !== perRound * (rounds + 1)) throw new Error(`${written} click events written, ${perRound * (rounds + 1)} recorded`);

    const pgMedian = median(pgUs);
    console.log(`click flush: ${perRound.toLocaleString('en')} clicks per round over ${links.toLocaleString('en')} links (Zipf 1), `
      + `${opts.varied ? 'varied agents, referrers and addresses' : "the bench's redirects (no referrer, no agent)"}, batches of ${batchSize}, roll-ups delayed ${opts.rollupDelayMs} ms, medians of ${rounds} rounds`);
    console.log(`PostgreSQL CPU per recorded click: ${pgMedian.toFixed(1)} us (rounds: ${pgUs.map((v) => v.toFixed(1)).join(' / ')}); aim <= ${PG_US_PER_CLICK_AIM}: ${pgMedian <= PG_US_PER_CLICK_AIM ? 'PASS' : 'FAIL'}`);
    console.log(`flushing process CPU per click: ${median(nodeUs).toFixed(1)} us (enrichment, encoding, the pg client)`);
    console.log(`every click written: ${written.toLocaleString('en')} events`);
  } finally {
    await pool.end();
    await direct.end();
    await data.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

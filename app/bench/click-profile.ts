// npx tsx app/bench/click-profile.ts [--links 10000] [--batches 30] [--batch 5000] [--varied] [--setup SQL] [--explain] [--perf FILE]
// Where PostgreSQL's CPU per click goes, statement by statement: the click flush's own
// statements (click-sql.ts, in the flush's order, one transaction per batch) sent on one direct
// connection, and the CPU its backend spent on each read from /proc/PID/schedstat (nanoseconds,
// not 10 ms ticks). The whole cluster's CPU over the run is printed beside it (every process,
// exited ones through the postmaster's reaped-children time): what the backend does not see
// (WAL writer, checkpointer, autovacuum), and the WAL bytes each statement wrote. --setup runs SQL after the migrations, to measure a
// variant (a dropped index or trigger) against the same clicks; --explain prints EXPLAIN
// (ANALYZE, BUFFERS) of one batch's roll-up; --perf FILE records the backend with Linux perf over
// the measured batches (`perf report -i FILE --no-children`). A command that prints figures, not a test.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { Command } from 'commander';
import { from as copyFrom } from 'pg-copy-streams';
import { copyLines, prepareBatch } from '../src/clicks/batch-prep.js';
import { COPY_CLICK_BATCHES, spansOf, type TakenIds } from '../src/clicks/batch-rows.js';
import { ClickBatch } from '../src/clicks/click-queue.js';
import { beginFlush, rollUpClicks, takeClickIds, type Statement } from '../src/clicks/click-sql.js';
import { openCountryLookup } from '../src/clicks/country.js';
import { createEnricher } from '../src/clicks/enricher.js';
import { cpuNs } from './cluster-cpu.js';
import { benchDatabase, clickSource, postmasterPid, walPosition } from './click-workload.js';
import { TICKS_PER_SECOND } from '../../loadtest/lib/cpu.js';


/** The cluster's CPU ticks: the postmaster, its live children and every child it has reaped. */
function clusterTicks(postmaster: number): number {
  let ticks = 0;
  const stat = (pid: number) => {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return line.slice(line.lastIndexOf(')') + 2).split(' ');
  };
  const own = stat(postmaster);
  // utime, stime, cutime, cstime are fields 14-17 (11-14 after the name).
  ticks += Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const child of readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(' ').filter(Boolean)) {
    try {
      const s = stat(Number(child));
      ticks += Number(s[11]) + Number(s[12]);
    } catch {
      // exited between the listing and the read: counted once reaped
    }
  }
  return ticks;
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--links <n>', 'links (Zipf, exponent 1)', '10000')
    .option('--batches <n>', 'batches measured (after 3 unmeasured)', '30')
    .option('--batch <n>', 'clicks per batch', '5000')
    .option('--varied', 'agents, referrers and addresses of the mixed scenario')
    .option('--setup <sql>', 'SQL run after the migrations (a variant)')
    .option('--explain', 'EXPLAIN (ANALYZE, BUFFERS) of one batch roll-up')
    .option('--perf <file>', 'perf record of the backend over the measured batches')
    .parse()
    .opts<{ links: string; batches: string; batch: string; varied?: boolean; setup?: string; explain?: boolean; perf?: string }>();
  const links = Number(opts.links);
  const batchSize = Number(opts.batch);
  const batches = Number(opts.batches);

  const { data, client, stop } = await benchDatabase(links);
  try {
    if (opts.setup) await client.query(opts.setup);
    const postmaster = postmasterPid(data.postgres.dataDir);
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

    const enrich = createEnricher(await openCountryLookup());
    const click = clickSource(links, opts.varied);

    const spent = new Map<string, number>();
    // WAL bytes each statement wrote: the WAL writer's work and, where WAL is archived, each
    // segment's archive_command (pgBackRest compresses and checksums every 16 MiB).
    const walBytes = new Map<string, number>();
    const timed = async <T>(name: string, fn: () => Promise<T>, measured: boolean): Promise<T> => {
      const lsn = measured ? await walPosition(client) : 0n;
      const start = cpuNs(backend);
      const out = await fn();
      if (measured) {
        spent.set(name, (spent.get(name) ?? 0) + cpuNs(backend) - start);
        walBytes.set(name, (walBytes.get(name) ?? 0) + Number((await walPosition(client)) - lsn));
      }
      return out;
    };
    const run = (s: Statement) => client.query(s.text, s.values);
    const copy = async (text: string) => {
      const stream = client.query(copyFrom(COPY_CLICK_BATCHES));
      stream.end(text);
      await finished(stream);
    };

    let clusterStart = 0;
    let measuredClicks = 0;
    let perf: ChildProcess | undefined;
    for (let b = -3; b < batches; b++) {
      const measured = b >= 0;
      if (b === 0) {
        clusterStart = clusterTicks(postmaster);
        if (opts.perf) {
          perf = spawn('perf', ['record', '-q', '-F', '999', '-g', '-p', String(backend), '-o', opts.perf], { stdio: 'inherit' });
          await new Promise((r) => setTimeout(r, 500)); // attached before the first measured batch
        }
      }
      const prepared = await prepareBatch(ClickBatch.of(Array.from({ length: batchSize }, click)), enrich);
      await timed('BEGIN + txid, newest link', async () => { await client.query('BEGIN'); await run(beginFlush); }, measured);
      const spans = await timed('ids', async () => spansOf((await run(takeClickIds(batchSize))).rows[0] as TakenIds, batchSize), measured);
      await timed('COPY click_batches', () => copy(copyLines(prepared, spans).join('')), measured);
      const rollup = rollUpClicks(prepared.rollups);
      if (opts.explain && b === Math.floor(batches / 2)) {
        const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, WAL) ${rollup.text}`, rollup.values);
        process.stdout.write(`${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
        // Counted once, by the EXPLAIN; the statement itself is not sent again.
      } else {
        await timed('roll-ups', () => run(rollup), measured);
      }
      await timed('COMMIT', () => client.query('COMMIT'), measured);
      if (measured) measuredClicks += batchSize;
    }
    const clusterUs = ((clusterTicks(postmaster) - clusterStart) / TICKS_PER_SECOND) * 1e6 / measuredClicks;
    if (perf) {
      perf.kill('SIGINT');
      await once(perf, 'exit');
    }
    const backendUs = [...spent.values()].reduce((a, v) => a + v, 0) / 1000 / measuredClicks;
    console.log(`${batches} batches of ${batchSize} over ${links} links${opts.varied ? ', varied' : ''}${opts.setup ? `, setup: ${opts.setup}` : ''}`);
    const perClick = (bytes: number) => `${(bytes / measuredClicks).toFixed(0).padStart(5)} WAL bytes/click`;
    for (const [name, ns] of spent) console.log(`  ${name.padEnd(18)} ${(ns / 1000 / measuredClicks).toFixed(2).padStart(7)} us/click  ${perClick(walBytes.get(name) ?? 0)}`);
    console.log(`  ${'backend'.padEnd(18)} ${backendUs.toFixed(2).padStart(7)} us/click  ${perClick([...walBytes.values()].reduce((a, v) => a + v, 0))}`);
    console.log(`  ${'cluster'.padEnd(18)} ${clusterUs.toFixed(2).padStart(7)} us/click (every PostgreSQL process, 10 ms ticks)`);
    // Row writes per click and how many updates were HOT (no index entry): what the roll-ups cost in rows.
    await client.query('SELECT pg_stat_force_next_flush()');
    const tables = await client.query<{ relname: string; ins: string; upd: string; hot: string; vac: string; an: string }>(
      `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot, autovacuum_count AS vac, autoanalyze_count AS an
       FROM pg_stat_user_tables WHERE relname IN ('events', 'urls', 'click_days', 'click_referrers', 'click_agents') ORDER BY relname`);
    const all = measuredClicks + 3 * batchSize;
    for (const t of tables.rows) {
      console.log(`  ${t.relname.padEnd(16)} inserts ${(Number(t.ins) / all).toFixed(3)}/click, updates ${(Number(t.upd) / all).toFixed(3)}/click`
        + ` (${t.hot} of ${t.upd} HOT), autovacuums ${t.vac}, autoanalyzes ${t.an}`);
    }
  } finally {
    await stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

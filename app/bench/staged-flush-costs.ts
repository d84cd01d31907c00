// npx tsx app/bench/staged-flush-costs.ts [--history 10000000] [--merge-every 30] [--rounds 4] [--links 10000] [--batch 5000]
// A design measured, not built: the click flush writing its rows into an unindexed staging table,
// and one statement merging every --merge-every flushes into click_batches a row per link (the
// staged rows' arrays concatenated, in id order), against the flush as it is (its rows straight
// into click_batches, a row per link and flush). In a grown table (--history clicks of earlier
// flushes, click-history.ts) each row's two non-sequential index entries cost a B-tree descent
// through pages no longer in the CPU's caches; the merge makes about a sixth of the rows. Both
// sides commit (the table grows as in service) and run in turn in each round on one backend, whose
// CPU is read from /proc/PID/schedstat. A command that prints figures (loadtest/FIGURES.md,
// twenty-seventh pass).
import { finished } from 'node:stream/promises';
import { Command } from 'commander';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { nonNegativeInt, positiveInt } from '../../loadtest/lib/cli-args.js';
import { prepareBatch, type PreparedBatch } from '../src/clicks/batch-prep.js';
import { batchCopy, COPY_CLICK_BATCHES } from '../src/clicks/batch-rows.js';
import { ClickBatch } from '../src/clicks/click-queue.js';
import { noCountry } from '../src/clicks/country.js';
import { createEnricher } from '../src/clicks/enricher.js';
import { writeClickHistory } from './click-history.js';
import { cpuNs } from './cluster-cpu.js';
import { benchDatabase, clickSource } from './click-workload.js';
import { median } from './stats.js';

const o = new Command()
  .option('--history <clicks>', 'clicks of earlier flushes in click_batches first', nonNegativeInt, 10_000_000)
  .option('--merge-every <flushes>', 'flushes staged per merge (15 s of two replicas at 1 s each: 30)', positiveInt, 30)
  .option('--rounds <n>', 'rounds, each side in turn', positiveInt, 4)
  .option('--links <n>', 'links, Zipf-drawn', positiveInt, 10_000)
  .option('--batch <n>', 'clicks per flush', positiveInt, 5_000)
  .parse()
  .opts<{ history: number; mergeEvery: number; rounds: number; links: number; batch: number }>();

const STAGED = 'click_batches_staged';
const COLUMNS = ['at', 'referrer', 'user_agent', 'bot', 'device', 'browser', 'os', 'country'];
/** The staged rows of each link and owner as one row of click_batches, its ids from $1 on; the staging table emptied. */
const MERGE = [
  `INSERT INTO click_batches (first_id, url_id, user_id, n, ${COLUMNS.join(', ')})
    SELECT $1::bigint + sum(sum(n)) OVER (ORDER BY url_id, user_id) - sum(n), url_id, user_id, sum(n),
      ${COLUMNS.map((c) => `array_cat_agg(${c} ORDER BY first_id)`).join(', ')}
    FROM ${STAGED} GROUP BY url_id, user_id`,
  `TRUNCATE ${STAGED}`,
];

async function copyRows(client: pg.Client, table: string, p: PreparedBatch, first: number): Promise<void> {
  const stream = client.query(copyFrom(COPY_CLICK_BATCHES.replace('click_batches', table)));
  stream.end(batchCopy(p.rows, [{ first, n: p.batch.length }])!.join(''));
  await finished(stream);
}

async function main(): Promise<void> {
  const { client, stop } = await benchDatabase(o.links);
  try {
    if (o.history > 0) await writeClickHistory(client, { clicks: o.history, links: o.links, firstId: 1 }); // seedBenchLinks' ids
    // Logged, as it would have to be: a staged click has been flushed, and a crash of PostgreSQL must not lose it.
    await client.query(`CREATE TABLE ${STAGED} (LIKE click_batches INCLUDING DEFAULTS)`);
    await client.query('CREATE AGGREGATE array_cat_agg(anycompatiblearray) (SFUNC = array_cat, STYPE = anycompatiblearray)');
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const enrich = createEnricher(noCountry);
    const draw = clickSource(o.links);
    const flushes: PreparedBatch[] = [];
    for (let f = 0; f < o.mergeEvery; f++) flushes.push(await prepareBatch(ClickBatch.of(Array.from({ length: o.batch }, draw)), enrich));
    const clicks = o.mergeEvery * o.batch;
    const rows = flushes.reduce((n, p) => n + p.rows.length, 0);
    // Ids past every earlier one; the sequence is not asked per flush (both sides alike).
    let first = Number((await client.query<{ n: string }>("SELECT nextval('events_id_seq') AS n")).rows[0]!.n);
    const sides = { straight: [] as number[], staged: [] as number[], merge: [] as number[] };
    const timed = async (work: () => Promise<void>) => {
      const start = cpuNs(backend);
      await work();
      return (cpuNs(backend) - start) / 1000 / clicks;
    };
    for (let r = 0; r < o.rounds; r++) {
      sides.straight.push(await timed(async () => {
        for (const p of flushes) {
          await client.query('BEGIN');
          await copyRows(client, 'click_batches', p, first);
          await client.query('COMMIT');
          first += p.batch.length;
        }
      }));
      const idsFrom = first;
      sides.staged.push(await timed(async () => {
        for (const p of flushes) {
          await client.query('BEGIN');
          await copyRows(client, STAGED, p, first);
          await client.query('COMMIT');
          first += p.batch.length;
        }
      }));
      sides.merge.push(await timed(async () => {
        await client.query('BEGIN');
        await client.query(MERGE[0]!, [idsFrom]);
        await client.query(MERGE[1]!);
        await client.query('COMMIT');
      }));
      console.error(`round ${r + 1}/${o.rounds}: straight ${sides.straight.at(-1)!.toFixed(2)}, staged ${sides.staged.at(-1)!.toFixed(2)} + merge ${sides.merge.at(-1)!.toFixed(2)} us/click`);
    }
    const { rows: [merged] } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM click_batches WHERE first_id >= $1`, [first - clicks]);
    console.log(`${o.mergeEvery} flushes of ${o.batch.toLocaleString('en')} Zipf clicks over ${o.links.toLocaleString('en')} links, into click_batches holding `
      + `${o.history.toLocaleString('en')} earlier clicks; backend CPU per click, medians of ${o.rounds} rounds:`);
    console.log(`  straight: a row per link and flush (${(rows / clicks).toFixed(3)} a click)   ${median(sides.straight).toFixed(2)} us`);
    console.log(`  staged, then merged (${(Number(merged!.n) / clicks).toFixed(3)} rows a click)         ${(median(sides.staged) + median(sides.merge)).toFixed(2)} us `
      + `(staging ${median(sides.staged).toFixed(2)}, merge ${median(sides.merge).toFixed(2)})`);
  } finally {
    await stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

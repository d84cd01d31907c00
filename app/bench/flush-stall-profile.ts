// npx tsx app/bench/flush-stall-profile.ts [--batch 20000] [--links 10000] [--varied] [--rounds 30]
// How long the click flush's JS holds the replica's event loop (every redirect queued behind it
// waits that long): the batch's traits, COPY text and roll-ups in one piece, against
// prepareBatch's slices (the longest stretch between two turns of the loop), and the roll-up
// statement's parameters (click-sql.ts rollUpClicks), which are built in one piece. Wall
// milliseconds, what a queued request waits (the thread's own CPU clock ticks in 4 ms here): on a
// busy machine preemption adds to them, so the minimum is printed beside the median; each side keeps its enricher across batches, as a replica
// does (agents parsed once). Prints figures.
import { Command } from 'commander';
import { prepareBatch } from '../src/clicks/batch-prep.js';
import { ClickBatch } from '../src/clicks/click-queue.js';
import { batchRows } from '../src/clicks/batch-rows.js';
import { aggregateClicks, rollUpClicks } from '../src/clicks/click-sql.js';
import { noCountry } from '../src/clicks/country.js';
import { createEnricher } from '../src/clicks/enricher.js';
import { APP_DEFAULTS } from '../src/config-defaults.js';
import { clickSource } from './click-workload.js';
import { median } from './stats.js';

const o = new Command()
  .option('--batch <n>', 'clicks per batch (CLICK_FLUSH_BATCH)', String(APP_DEFAULTS.clickFlushBatch))
  .option('--links <n>', 'links the clicks are drawn over (Zipf)', '10000')
  .option('--varied', "the mixed scenario's agents, referrers and addresses, not none")
  .option('--rounds <n>', 'batches measured (the first five warm the JIT and are left out)', '30')
  .parse()
  .opts<{ batch: string; links: string; varied?: boolean; rounds: string }>();
const WARM = 5;

const ms = () => performance.now();

const onePiece: number[] = [];
const sliced: number[] = [];
const rollUp: number[] = [];
const next = clickSource(Number(o.links), o.varied);
const enrichWhole = createEnricher(noCountry);
const enrichSliced = createEnricher(noCountry);
for (let round = 0; round < Number(o.rounds) + WARM; round++) {
  const clicks = Array.from({ length: Number(o.batch) }, () => next());
  let t = ms();
  const traits = clicks.map(enrichWhole);
  batchRows(clicks, traits);
  aggregateClicks(clicks, traits);
  const whole = ms() - t;

  const columns = ClickBatch.of(clicks); // as the flush takes its batch from the queue
  // A turn of the loop is an immediate callback; the longest CPU stretch between two is the stall.
  let last = ms();
  let longest = 0;
  let ticking = true;
  const tick = () => {
    const now = ms();
    longest = Math.max(longest, now - last);
    last = now;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const prepared = await prepareBatch(columns, enrichSliced);
  ticking = false;
  t = ms();
  rollUpClicks(prepared.rollups);
  const statement = ms() - t;
  if (round < WARM) continue;
  onePiece.push(whole);
  sliced.push(longest);
  rollUp.push(statement);
}

const row = (label: string, ms: number[]) =>
  `${label.padEnd(52)} ${median(ms).toFixed(2).padStart(7)} ${Math.min(...ms).toFixed(2).padStart(7)} ${Math.max(...ms).toFixed(2).padStart(7)}`;
console.log([
  `== click flush stalls: ${o.batch} clicks per batch over ${o.links} links (Zipf)${o.varied ? ', varied agents and referrers' : ''}, ${o.rounds} batches`,
  `${'ms holding the event loop (wall)'.padEnd(52)} ${'median'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}`,
  row('traits + COPY text + roll-ups in one piece', onePiece),
  row('prepareBatch: longest stretch between loop turns', sliced),
  row('rollUpClicks (the statement\'s parameters, one piece)', rollUp),
].join('\n'));

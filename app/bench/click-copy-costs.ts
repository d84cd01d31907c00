// npx tsx app/bench/click-copy-costs.ts [--events 200000] [--batch 5000] [--repeats 8]
// What one click event costs PostgreSQL's backend to write, taken apart: the flush's COPY of a
// batch into events as it is, and with one part taken away at a time inside the transaction
// (the roll-up trigger, each index, the trait columns, the sequence, the text format), each
// rolled back so every variant meets the same table (--events rows already in it); and the same
// rows in the order they came (as the flush wrote them before it put them in link order,
// app/src/clicks/batch-prep.ts), or in link order per slice of 500 only. Variants run interleaved, repeated, and the backend's CPU is read from /proc/PID/schedstat; medians.
// The difference to the flush's figure is what that part costs. A command that prints figures.
import { readFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { Command } from 'commander';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { ownerOf } from '../../loadtest/lib/link-owners.js';
import { seededRng } from '../../loadtest/lib/rng.js';
import { zipfSampler } from '../../loadtest/lib/zipf.js';
import type { Click } from '../src/clicks/click-buffer.js';
import { prepareBatch } from '../src/clicks/batch-prep.js';
import { ClickBatch } from '../src/clicks/click-queue.js';
import { beginFlush, clickEventsCopy, COPY_CLICK_EVENTS } from '../src/clicks/click-sql.js';
import { createEnricher } from '../src/clicks/enricher.js';
import { noCountry } from '../src/clicks/country.js';
import { benchDatabase } from './click-workload.js';
import { median } from './stats.js';

/** The flush's COPY column list, as COPY_CLICK_EVENTS names it. */
const CLICK_COLUMNS = COPY_CLICK_EVENTS.slice(COPY_CLICK_EVENTS.indexOf('(') + 1, COPY_CLICK_EVENTS.indexOf(')'));
const cpuNs = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);

interface Variant { name: string; setup: string[]; copy: string; data: 'text' | 'no-traits' | 'binary' | 'text-with-ids' | 'arrival' | 'by-slice' | 'by-owner' }

async function main(): Promise<void> {
  const opts = new Command()
    .option('--events <n>', 'click events in the table before measuring', '200000')
    .option('--links <n>', 'links', '10000')
    .option('--batch <n>', 'rows per COPY', '5000')
    .option('--repeats <n>', 'COPYs per variant', '8')
    .parse()
    .opts<{ events: string; links: string; batch: string; repeats: string }>();
  const batch = Number(opts.batch);
  const links = Number(opts.links);

  const { client, stop } = await benchDatabase(links);
  try {
    await client.query('BEGIN');
    await client.query(beginFlush.text);
    await client.query(`INSERT INTO events (url_id, user_id, event_type, click_bot, click_device)
      SELECT u.id, u.user_id, 'click', false, 'other' FROM generate_series(1, $1::int) g JOIN urls u ON u.id = 1 + (g::bigint * 7919) % $2::int`,
    [Number(opts.events), links]);
    await client.query('COMMIT');
    await client.query('VACUUM ANALYZE events');
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

    const rng = seededRng(13);
    const zipf = zipfSampler(links, 1, rng);
    const enrich = createEnricher(noCountry);
    const clicks: Click[] = Array.from({ length: batch }, () => {
      const urlId = zipf.sample();
      return { urlId, userId: 1 + ownerOf(urlId, links), at: new Date(), referrer: null, userAgent: null, ip: null };
    });
    // The flush's own COPY text: its rows in link order.
    const text = Buffer.concat((await prepareBatch(ClickBatch.of(clicks), enrich)).copyText).toString();
    const arrival = clickEventsCopy(clicks, clicks.map(enrich));
    const maxId = Number((await client.query<{ n: string }>('SELECT max(id) AS n FROM events')).rows[0]!.n);
    const textWithIds = text.split('\n').filter(Boolean).map((l, i) => `${maxId + 1_000_000 + i}\t${l}`).join('\n') + '\n';
    // The trait columns (bot, device, browser, OS, country) all NULL: what writing them costs.
    const noTraits = text.split('\n').filter(Boolean).map((l) => `${l.split('\t').slice(0, 6).join('\t')}\t\\N\t\\N\t\\N\t\\N\t\\N`).join('\n') + '\n';
    // The same rows in binary, as PostgreSQL itself writes them, in the flush's order (the ids it
    // just gave them ascending: a descending read would hand the binary COPY its rows backwards).
    await client.query('BEGIN');
    await client.query(beginFlush.text);
    await copyIn(client, COPY_CLICK_EVENTS, text);
    const chunks: Buffer[] = [];
    const out = client.query(copyTo(`COPY (SELECT ${CLICK_COLUMNS} FROM (SELECT * FROM events ORDER BY id DESC LIMIT ${batch}) last ORDER BY id) TO STDOUT (FORMAT binary)`));
    out.on('data', (c: Buffer) => chunks.push(c));
    await finished(out);
    await client.query('ROLLBACK');
    const binary = Buffer.concat(chunks);
    const arrivalLines = arrival.split('\n').filter(Boolean);
    const byLink = (part: string[]) => part.sort((a, b) => Number(a.split('\t', 1)[0]) - Number(b.split('\t', 1)[0]));
    const bySlice = Array.from({ length: Math.ceil(arrivalLines.length / 500) }, (_, i) => byLink(arrivalLines.slice(i * 500, i * 500 + 500)).join('\n')).join('\n') + '\n';
    // Owner order: each user's rows together (links in order within), so the (user_id, id) index's
    // entries land together instead of the (url_id, id) index's.
    const field = (l: string, i: number) => Number(l.split('\t', i + 1)[i]);
    const byOwner = text.split('\n').filter(Boolean).sort((a, b) => field(a, 1) - field(b, 1) || field(a, 0) - field(b, 0)).join('\n') + '\n';
    const payload = { text, 'no-traits': noTraits, arrival, 'by-slice': bySlice, 'by-owner': byOwner, binary, 'text-with-ids': textWithIds };

    const variants: Variant[] = [
      { name: 'the flush as it is', setup: [], copy: COPY_CLICK_EVENTS, data: 'text' },
      { name: 'no roll-up trigger', setup: ['DROP TRIGGER events_roll_up_clicks ON events'], copy: COPY_CLICK_EVENTS, data: 'text' },
      { name: 'no (url_id, id) index', setup: ['DROP INDEX events_url_id_id_idx'], copy: COPY_CLICK_EVENTS, data: 'text' },
      { name: 'no (user_id, id) index', setup: ['DROP INDEX events_user_id_id_idx'], copy: COPY_CLICK_EVENTS, data: 'text' },
      { name: 'no partial type index', setup: ['DROP INDEX events_other_type_id_idx'], copy: COPY_CLICK_EVENTS, data: 'text' },
      { name: 'no primary key', setup: ['ALTER TABLE events DROP CONSTRAINT events_pkey'], copy: COPY_CLICK_EVENTS, data: 'text' },
      { name: 'rows in arrival order', setup: [], copy: COPY_CLICK_EVENTS, data: 'arrival' },
      { name: 'link order per 500 rows', setup: [], copy: COPY_CLICK_EVENTS, data: 'by-slice' },
      { name: 'rows in owner order', setup: [], copy: COPY_CLICK_EVENTS, data: 'by-owner' },
      { name: 'trait columns NULL', setup: [], copy: COPY_CLICK_EVENTS, data: 'no-traits' },
      { name: 'ids given (no nextval)', setup: [], copy: `COPY events (id, ${CLICK_COLUMNS}) FROM STDIN`, data: 'text-with-ids' },
      { name: 'binary format', setup: [], copy: `${COPY_CLICK_EVENTS} (FORMAT binary)`, data: 'binary' },
      { name: 'no indexes, no trigger', setup: ['DROP TRIGGER events_roll_up_clicks ON events', 'DROP INDEX events_url_id_id_idx', 'DROP INDEX events_user_id_id_idx',
        'DROP INDEX events_other_type_id_idx', 'ALTER TABLE events DROP CONSTRAINT events_pkey'], copy: COPY_CLICK_EVENTS, data: 'text' },
    ];
    const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    for (let r = 0; r < Number(opts.repeats); r++) {
      for (const v of variants) {
        await client.query('BEGIN');
        await client.query(beginFlush.text);
        for (const s of v.setup) await client.query(s);
        const start = cpuNs(backend);
        await copyIn(client, v.copy, payload[v.data]);
        samples.get(v.name)!.push((cpuNs(backend) - start) / 1000 / batch);
        await client.query('ROLLBACK');
      }
      await client.query('VACUUM events'); // the rolled-back rows' index entries gone before the next round
    }
    const base = median(samples.get(variants[0]!.name)!);
    console.log(`COPY of ${batch} click events into events holding ${Number(opts.events).toLocaleString('en')}, backend CPU, medians of ${opts.repeats}`);
    for (const v of variants) {
      const m = median(samples.get(v.name)!);
      console.log(`  ${v.name.padEnd(26)} ${m.toFixed(2).padStart(6)} us/row${v === variants[0] ? '' : `  (${(base - m).toFixed(2)} us less)`}`);
    }
  } finally {
    await stop();
  }
}

async function copyIn(client: pg.Client, sql: string, body: string | Buffer): Promise<void> {
  const stream = client.query(copyFrom(sql));
  stream.end(body);
  await finished(stream);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

// npx tsx app/bench/click-copy-costs.ts [--events 200000] [--batch 5000] [--repeats 8] [--history 0] [--pg name=value ...]
// What one click costs PostgreSQL's backend to write, taken apart. The flush writes a row of
// click_batches per link (migration click-batches); before, it wrote each click as a row of
// events, and that COPY is the base here, with one part taken away at a time inside the
// transaction (the roll-up trigger, each index, the trait columns, the sequence, the text
// format); the same rows in the order they came, in link order per slice of 500 only, in owner
// order; runs of ids per link in place of the link and owner indexes; and the flush's own rows of
// click_batches, as text (as it sends them) and in binary. Each variant is rolled
// back so every one meets the same table (--events rows already in it). Variants run
// interleaved, repeated, and the backend's CPU is read from /proc/PID/schedstat; medians. The
// difference to the base is what that part costs. With --history N, click_batches first holds N
// clicks of earlier flushes (click-history.ts), and the flush's rows also go into a new, empty twin
// of it in the same rounds: what the table's size costs the flush; and into a twin partitioned by
// id range whose partition for the flush's ids is new, as a lived table partitioned by time would
// have it (issue 13's partitioned events): what routing the rows costs beside that. A command
// that prints figures.
import { finished } from 'node:stream/promises';
import { Command } from 'commander';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { nameValue } from '../../loadtest/lib/cli-args.js';
import { ownerOf } from '../../loadtest/lib/link-owners.js';
import { seededRng } from '../../loadtest/lib/rng.js';
import { zipfSampler } from '../../loadtest/lib/zipf.js';
import type { Click } from '../src/clicks/click-buffer.js';
import { clicksInOrder, prepareBatch } from '../src/clicks/batch-prep.js';
import { batchCopy, COPY_CLICK_BATCHES } from '../src/clicks/batch-rows.js';
import { ClickBatch } from '../src/clicks/click-queue.js';
import { beginFlush, clickEventsCopy, COPY_CLICK_EVENTS } from '../src/clicks/click-sql.js';
import { createEnricher } from '../src/clicks/enricher.js';
import { noCountry } from '../src/clicks/country.js';
import { writeClickHistory } from './click-history.js';
import { cpuNs } from './cluster-cpu.js';
import { benchDatabase } from './click-workload.js';
import { median } from './stats.js';

/** The flush's COPY column list, as COPY_CLICK_EVENTS names it. */
const CLICK_COLUMNS = COPY_CLICK_EVENTS.slice(COPY_CLICK_EVENTS.indexOf('(') + 1, COPY_CLICK_EVENTS.indexOf(')'));
/** The same of COPY_CLICK_BATCHES. */
const BATCH_COLUMNS = COPY_CLICK_BATCHES.slice(COPY_CLICK_BATCHES.indexOf('(') + 1, COPY_CLICK_BATCHES.indexOf(')'));

interface Variant {
  name: string; setup: string[]; copy: string;
  /** A statement after the COPY, measured with it. */
  then?: { text: string; values: unknown[] };
  data: 'text' | 'no-traits' | 'binary' | 'text-with-ids' | 'arrival' | 'by-slice' | 'by-owner' | 'batches' | 'batches-binary' }

async function main(): Promise<void> {
  const opts = new Command()
    .option('--events <n>', 'click events in the table before measuring', '200000')
    .option('--links <n>', 'links', '10000')
    .option('--batch <n>', 'rows per COPY', '5000')
    .option('--repeats <n>', 'COPYs per variant', '8')
    .option('--history <n>', 'clicks of earlier flushes in click_batches before measuring (0: none)', '0')
    .option('--pg <name=value>', 'a PostgreSQL setting for this run (repeatable)', nameValue, {})
    .parse()
    .opts<{ events: string; links: string; batch: string; repeats: string; history: string; pg: Record<string, string> }>();
  const history = Number(opts.history);
  const batch = Number(opts.batch);
  const links = Number(opts.links);

  const { client, stop } = await benchDatabase(links, undefined, opts.pg);
  try {
    await client.query('BEGIN');
    await client.query(beginFlush.text);
    await client.query(`INSERT INTO events (url_id, user_id, event_type, click_bot, click_device)
      SELECT u.id, u.user_id, 'click', false, 'other' FROM generate_series(1, $1::int) g JOIN urls u ON u.id = 1 + (g::bigint * 7919) % $2::int`,
    [Number(opts.events), links]);
    await client.query('COMMIT');
    await client.query('VACUUM ANALYZE events');
    for (const q of RUNS_TABLE) await client.query(q);
    if (history > 0) {
      const rows = await writeClickHistory(client, { clicks: history, links, firstId: 1 }); // seedBenchLinks' ids
      await client.query(`CREATE TABLE ${NEW_BATCHES} (LIKE click_batches INCLUDING ALL)`);
      await client.query(`CREATE TABLE ${PARTED_BATCHES} (LIKE click_batches INCLUDING ALL) PARTITION BY RANGE (first_id)`);
      const { rows: sizes } = await client.query<{ mb: string }>("SELECT (pg_total_relation_size('click_batches') / 1048576)::text AS mb");
      console.log(`click_batches holds ${rows.toLocaleString('en')} rows of ${history.toLocaleString('en')} earlier clicks (${sizes[0]!.mb} MB with its indexes); ${NEW_BATCHES} none`);
    }
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

    const rng = seededRng(13);
    const zipf = zipfSampler(links, 1, rng);
    const enrich = createEnricher(noCountry);
    const clicks: Click[] = Array.from({ length: batch }, () => {
      const urlId = zipf.sample();
      return { urlId, userId: 1 + ownerOf(urlId, links), at: new Date(), referrer: null, userAgent: null, ip: null };
    });
    // The flush's own rows of click_batches, and the same clicks as rows of events in link order
    // (as the flush wrote them before migration click-batches).
    const prepared = await prepareBatch(ClickBatch.of(clicks), enrich);
    const text = clickEventsCopy(clicksInOrder(prepared), prepared.traits);
    const arrival = clickEventsCopy(clicks, clicks.map(enrich));
    // Above the history's ids too: the flush's ids come last in every index on them.
    const maxId = Number((await client.query<{ n: string }>("SELECT nextval('events_id_seq') AS n")).rows[0]!.n);
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
    const batches = batchCopy(prepared.rows, [{ first: maxId + 2_000_000, n: batch }])!.join('');
    if (history > 0) {
      // The earlier ids' partition (empty: a COPY of the flush's rows never touches it) and the flush's own, new.
      await client.query(`CREATE TABLE ${PARTED_BATCHES}_earlier PARTITION OF ${PARTED_BATCHES} FOR VALUES FROM (MINVALUE) TO (${maxId + 2_000_000})`);
      await client.query(`CREATE TABLE ${PARTED_BATCHES}_current PARTITION OF ${PARTED_BATCHES} FOR VALUES FROM (${maxId + 2_000_000}) TO (MAXVALUE)`);
    }
    // The flush's rows in binary, as PostgreSQL writes them back: what parsing the arrays' text costs.
    await client.query('BEGIN');
    await copyIn(client, COPY_CLICK_BATCHES, batches);
    const batchChunks: Buffer[] = [];
    const batchesOut = client.query(copyTo(`COPY (SELECT ${BATCH_COLUMNS} FROM click_batches WHERE first_id >= ${maxId + 2_000_000} ORDER BY first_id) TO STDOUT (FORMAT binary)`));
    batchesOut.on('data', (c: Buffer) => batchChunks.push(c));
    await finished(batchesOut);
    await client.query('ROLLBACK');
    const batchesBinary = Buffer.concat(batchChunks);
    const payload = { text, 'no-traits': noTraits, arrival, 'by-slice': bySlice, 'by-owner': byOwner, binary, 'text-with-ids': textWithIds, batches, 'batches-binary': batchesBinary };

    const variants: Variant[] = [
      { name: 'clicks as rows of events', setup: [], copy: COPY_CLICK_EVENTS, data: 'text' },
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
      // A link's clicks of one flush indexed once, as a run of ids (the events between its first
      // and last id), instead of an entry per click in each of the link and owner indexes, which
      // keep the other types' events only. Made by a trigger from the statement's rows, or by the
      // writer, which knows its rows' links (given ids here). Runs of the events already there.
      { name: 'link runs by a trigger', setup: [...RUNS_SETUP, ...RUNS_TRIGGER], copy: COPY_CLICK_EVENTS, data: 'text' },
      { name: 'link runs by the writer', setup: RUNS_SETUP, copy: COPY_CLICK_EVENTS, data: 'text', then: runsInsert(text, maxId + 1_000_000) },
      // The flush as it is (migration click-batches): a row per link, its clicks' columns arrays
      // (ids as offsets from the row's first): a heap row and three index entries per link, not per click.
      { name: 'the flush: click_batches', setup: [], copy: COPY_CLICK_BATCHES, data: 'batches' },
      { name: 'click_batches, binary', setup: [], copy: `${COPY_CLICK_BATCHES} (FORMAT binary)`, data: 'batches-binary' },
      ...(history > 0 ? [
        { name: 'click_batches, new table', setup: [], copy: COPY_CLICK_BATCHES.replace('click_batches', NEW_BATCHES), data: 'batches' as const },
        { name: 'partitioned, new partition', setup: [], copy: COPY_CLICK_BATCHES.replace('click_batches', PARTED_BATCHES), data: 'batches' as const },
        // Which of the grown table's indexes costs the flush more than the new table's.
        { name: 'no (url_id, first_id) index', setup: ['DROP INDEX click_batches_url_id_first_id_idx'], copy: COPY_CLICK_BATCHES, data: 'batches' as const },
        { name: 'no (user_id, first_id) index', setup: ['DROP INDEX click_batches_user_id_first_id_idx'], copy: COPY_CLICK_BATCHES, data: 'batches' as const },
        { name: 'no primary key (first_id)', setup: ['ALTER TABLE click_batches DROP CONSTRAINT click_batches_pkey'], copy: COPY_CLICK_BATCHES, data: 'batches' as const },
      ] : []),
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
        if (v.then) await client.query(v.then.text, v.then.values);
        samples.get(v.name)!.push((cpuNs(backend) - start) / 1000 / batch);
        await client.query('ROLLBACK');
      }
      // The rolled-back rows' index entries gone before the next round.
      await client.query(`VACUUM events, click_runs, click_batches${history > 0 ? `, ${NEW_BATCHES}, ${PARTED_BATCHES}` : ''}`);
    }
    const base = median(samples.get(variants[0]!.name)!);
    console.log(`COPY of ${batch} clicks, events holding ${Number(opts.events).toLocaleString('en')}, backend CPU, medians of ${opts.repeats}`);
    for (const v of variants) {
      const m = median(samples.get(v.name)!);
      console.log(`  ${v.name.padEnd(26)} ${m.toFixed(2).padStart(6)} us/click${v === variants[0] ? '' : `  (${(base - m).toFixed(2)} us less)`}`);
    }
  } finally {
    await stop();
  }
}

/** click_batches' empty twin (--history): the same columns, constraints and indexes. */
const NEW_BATCHES = 'click_batches_new';
/** click_batches' twin partitioned by id range (--history). */
const PARTED_BATCHES = 'click_batches_parted';

/** The runs of the events already there, one per click: made once, and vacuumed with events between rounds. */
const RUNS_TABLE = [
  'CREATE TABLE click_runs (url_id bigint, user_id bigint, first_id bigint NOT NULL, last_id bigint NOT NULL)',
  "INSERT INTO click_runs SELECT url_id, user_id, id, id FROM events WHERE event_type = 'click'",
  'CREATE INDEX ON click_runs (url_id, last_id)',
  'CREATE INDEX ON click_runs (user_id, last_id)',
];

const RUNS_SETUP = [
  'DROP INDEX events_url_id_id_idx',
  'DROP INDEX events_user_id_id_idx',
  "CREATE INDEX ON events (url_id, id) WHERE event_type <> 'click'",
  "CREATE INDEX ON events (user_id, id) WHERE event_type <> 'click'",
];

const RUNS_TRIGGER = [
  `CREATE FUNCTION click_runs_of() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
     INSERT INTO click_runs SELECT url_id, user_id, min(id), max(id) FROM new_events WHERE event_type = 'click' GROUP BY url_id, user_id, id / 65536;
     RETURN NULL; END $$`,
  'CREATE TRIGGER events_click_runs AFTER INSERT ON events REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION click_runs_of()',
];

/** The runs of COPY text in link order, its ids from `firstId` on: a row per link. */
function runsInsert(text: string, firstId: number): { text: string; values: unknown[] } {
  const cols: [number[], (number | null)[], number[], number[]] = [[], [], [], []];
  text.split('\n').filter(Boolean).forEach((line, i) => {
    const [url, user] = line.split('\t', 2).map((f) => (f === '\\N' ? null : Number(f)));
    const last = cols[0].length - 1;
    if (last >= 0 && cols[0][last] === url) cols[3][last] = firstId + i;
    else { cols[0].push(url!); cols[1].push(user!); cols[2].push(firstId + i); cols[3].push(firstId + i); }
  });
  return { text: 'INSERT INTO click_runs SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[])', values: cols };
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

// npm run bench:pg -- [--links 10000] [--duration 8] [--rounds 3] [--connections 64] [--top 12] [--pg name=value ...] [--perf]
//   [--history 0]
// Where PostgreSQL's CPU per recorded click goes in the whole loopback stack (nginx, two replicas,
// PgBouncer) under `npm run bench`'s cached redirect load: what aim 2 of issue 13 measures, taken
// apart. Per round, the CPU of every PostgreSQL process by role (the app's backends, autovacuum,
// WAL writer, checkpointer, ...; /proc, 10 ms ticks), and over the measured rounds every statement of the
// app's time (pg_stat_statements, preloaded for this run only, nested statements too) per click, and
// the WAL and checkpoints the measured rounds made (pg_stat_wal, pg_stat_bgwriter). `--pg` runs the
// cluster with a setting of its own (repeatable), to measure one against the defaults. `--perf`
// samples the whole machine through the measured rounds (`perf record -a`, root or a permissive
// perf_event_paranoid) and takes PostgreSQL's CPU apart by what it was doing (pg-perf.ts).
// `--history N` writes N clicks of earlier flushes into click_batches first (click-history.ts): the
// load's rows then go into a table and indexes of a lived service's size, not a new one's. The
// replicas work as in production: their flush, the kept roll-ups' applies, the page-marks job. A
// command that prints figures, not a test. Bounded: about two minutes with the defaults.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import pg from 'pg';
import { PostgresServer } from '../../infra/loopback/servers/postgres.js';
import { startStack } from '../../infra/loopback/stack.js';
import { LOAD_GENERATOR_STACK_CONFIG } from '../../infra/loopback/load-generator.js';
import { nameValue, nonNegativeInt, positiveInt, positiveNumber } from '../../loadtest/lib/cli-args.js';
import { copyGeneratedLinks } from '../../loadtest/lib/copy-links.js';
import { readProcs, TICKS_PER_SECOND } from '../../loadtest/lib/cpu.js';
import { generatedLinkSet } from '../../loadtest/lib/links.js';
import { CLICKS_WRITTEN_MS } from '../../loadtest/lib/stack-probe.js';
import { drive, newRunTag } from '../../loadtest/lib/load.js';
import { steady } from '../../loadtest/lib/schedule.js';
import { REDIRECTS_ONLY } from '../../loadtest/lib/traffic.js';
import { warmUp } from '../../loadtest/lib/warm.js';
import { AUTOVACUUM_LOG_SETTINGS, autovacuumWork } from './autovacuum-log.js';
import { writeClickHistory } from './click-history.js';
import { attribute, perfScriptStacks, renderShares } from './pg-perf.js';
import { sealAll } from './seal-all.js';
import { postgresCpuByRole, PG_STAT_STATEMENTS_SETTINGS, statementLabel, ticksButArchiving } from './pg-roles.js';
import { median } from './stats.js';

const BLOCK_BYTES = 8192; // PostgreSQL's page
const PERF_HZ = 999;

const o = new Command()
  .name('bench:pg')
  .option('--links <n>', 'links, Zipf-drawn as in npm run bench', positiveInt, 10_000)
  .option('--duration <s>', 'seconds of load per round', positiveNumber, 8)
  .option('--rounds <n>', 'measured rounds (a warm-up round first)', positiveInt, 3)
  .option('--connections <n>', 'load connections', positiveInt, 64)
  .option('--top <n>', 'statements listed', positiveInt, 12)
  .option('--pg <name=value>', 'a PostgreSQL setting for this run (repeatable)', nameValue, {})
  .option('--perf', 'sample the measured rounds with perf and take PostgreSQL\'s CPU apart by what it did')
  .option('--history <clicks>', 'clicks of earlier flushes stored before the load (0: a new table)', nonNegativeInt, 0)
  .parse()
  .opts<{ links: number; duration: number; rounds: number; connections: number; top: number; pg: Record<string, string>; perf?: boolean; history: number }>();
if (o.perf && spawnSync('perf', ['--version']).status !== 0) {
  console.error('--perf needs perf (Debian: apt-get install linux-perf)');
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const dir = mkdtempSync(join(tmpdir(), 'shortstack-bench-pg-'));
chmodSync(dir, 0o755); // PostgreSQL and PgBouncer run as their own user
const own = Object.entries(o.pg).map(([k, v]) => `${k}=${v}`).join(', ');
log(`starting a loopback stack (2 replicas, pg_stat_statements preloaded${own ? `; ${own}` : ''}) ...`);
const stack = await startStack({
  replicas: 2, observability: false, dir: join(dir, 'stack'), config: LOAD_GENERATOR_STACK_CONFIG,
  postgresSettings: { ...PG_STAT_STATEMENTS_SETTINGS, ...AUTOVACUUM_LOG_SETTINGS, ...o.pg },
});
const server = stack.services.postgres;
/** PostgreSQL's log, where autovacuum says what it did (a server of our own: the loopback stack's). */
const serverLog = server instanceof PostgresServer ? server.logFile : undefined;
/** The app's database and role, as its own URL names them. */
const app = new URL(stack.directDatabaseUrl);
// pg_stat_statements' reset and its extension are the superuser's.
/** The machine-wide sampling of the measured rounds (--perf), stopped however the run ends. */
let perf: Recording | undefined;
const admin = new pg.Client({ connectionString: server instanceof PostgresServer ? server.superUrl(app.pathname.slice(1)) : stack.directDatabaseUrl });
try {
  await admin.connect();
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  log(`COPY ${o.links.toLocaleString('en')} links, then every link twice through the stack ...`);
  await copyGeneratedLinks(stack.directDatabaseUrl, 'b', o.links);
  const links = generatedLinkSet('b', o.links);
  if (o.history > 0) await writeHistory(admin, links.id(1)!); // a generated set knows its ids
  await warmUp(stack.url, links, { passes: 2, concurrency: 16 });
  const postmaster = stack.postgresPid!;
  const runTag = newRunTag();
  const perRole = new Map<string, number[]>();
  /** Every process but the archiver's children (archive_command): aim 2's figure, as `npm run bench` counts it. */
  const totals: number[] = [];
  let clicks = 0;
  /** Where the measured rounds' part of PostgreSQL's log starts. */
  let logFrom = 0;
  let walFrom: WalCounters | undefined;
  /** PostgreSQL's CPU over the measured rounds, archiving aside, us: what the perf samples share. */
  let postgresUs = 0;
  for (let round = 0; round <= o.rounds; round++) {
    if (round === 1) {
      await admin.query('SELECT pg_stat_statements_reset()');
      if (serverLog) logFrom = statSync(serverLog).size;
      walFrom = await walCounters(admin);
      if (o.perf) perf = record(join(dir, 'perf.data'));
    }
    const before = readProcs();
    const { summary } = await drive({
      url: stack.url, links, runTag, unknownShare: 0,
      scenario: { name: 'redirects', mix: REDIRECTS_ONLY, phases: steady(o.duration, o.connections) },
    });
    await new Promise((r) => setTimeout(r, CLICKS_WRITTEN_MS));
    const ticks = postgresCpuByRole(before, readProcs(), postmaster);
    if (round === 0) continue; // JIT, plans, caches
    clicks += summary.ok;
    const us = (t: number) => (t / TICKS_PER_SECOND) * 1e6 / summary.ok;
    for (const [role, t] of Object.entries(ticks)) perRole.set(role, [...(perRole.get(role) ?? []), us(t)]);
    postgresUs += (ticksButArchiving(ticks) / TICKS_PER_SECOND) * 1e6;
    const total = us(ticksButArchiving(ticks));
    totals.push(total);
    log(`round ${round}/${o.rounds}: ${summary.ok.toLocaleString('en')} clicks (${Math.round(summary.okThroughput).toLocaleString('en')}/s), PostgreSQL ${total.toFixed(2)} us/click`);
  }
  console.log(`PostgreSQL CPU per recorded click, us, by process (medians of ${o.rounds} rounds of ${o.duration} s at ${o.connections} connections, ${o.links.toLocaleString('en')} links):`);
  for (const [role, v] of [...perRole].sort((a, b) => median(b[1]) - median(a[1]))) {
    if (median(v) >= 0.005) console.log(`  ${role.padEnd(42)} ${median(v).toFixed(2).padStart(6)}`);
  }
  console.log(`  ${'all but archive_command (aim 2, idle in)'.padEnd(42)} ${median(totals).toFixed(2).padStart(6)}`);
  if (perf) {
    if (!(await perf.stop())) throw new Error('perf record ended before the rounds did (as root, or with kernel.perf_event_paranoid <= 0)');
    console.log(`\nPostgreSQL's CPU over the measured rounds by what it did (perf, ${PERF_HZ} Hz; us per recorded click, shared out by the`);
    console.log('samples; % of its samples; a stack goes to the work a frame of it names and the part its innermost known frame names):');
    for (const line of perfBreakdown(join(dir, 'perf.data'), postgresUs / clicks)) console.log(line);
  }
  const wal = walDelta(walFrom!, await walCounters(admin));
  console.log(`\nWAL over the measured rounds, per recorded click: ${(wal.bytes / clicks).toFixed(0)} bytes, ${(wal.records / clicks).toFixed(2)} records, `
    + `${(wal.fpiBytes / clicks).toFixed(0)} bytes at most of it full-page images (${wal.fpi.toLocaleString('en')} images); `
    + `${wal.checkpoints} checkpoints (${wal.requested} asked for by WAL volume), ${(wal.buffersWritten / clicks).toFixed(3)} buffers written per click`);
  // The log's autovacuum runs that ended in the measured rounds (one still running at the end is
  // in the process figures above, not here).
  const work = serverLog ? autovacuumWork(readFileSync(serverLog).subarray(logFrom).toString()) : [];
  console.log('\nAutovacuum by table over the measured rounds, CPU per recorded click (its own log lines):');
  console.log(`  ${'us/click'.padStart(8)} ${'runs'.padStart(5)}  what`);
  const perClick = (w: { cpuS: number }) => w.cpuS * 1e6 / clicks;
  const shown = work.filter((w) => perClick(w) >= 0.0005); // the log's 10 ms resolution: most runs read 0
  for (const w of shown) console.log(`  ${perClick(w).toFixed(3).padStart(8)} ${String(w.runs).padStart(5)}  ${w.kind} ${w.table}`);
  const rest = work.filter((w) => !shown.includes(w)).reduce((n, w) => n + w.runs, 0);
  console.log(work.length === 0 ? '  (none)' : `  and ${rest} more runs under 0.0005 us/click each`);
  const { rows } = await admin.query<{ calls: string; rows: string; ms: number; planMs: number; query: string }>(
    `SELECT calls, rows, total_exec_time AS ms, total_plan_time AS "planMs", query FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND userid = (SELECT oid FROM pg_roles WHERE rolname = $2)
      ORDER BY total_exec_time + total_plan_time DESC LIMIT $1`, [o.top, decodeURIComponent(app.username)]);
  // Planning is timed only with --pg pg_stat_statements.track_planning=on (off by default: it adds to the figures above).
  const planned = rows.some((r) => r.planMs > 0);
  console.log('\nThe app\'s statements by time in the server over the measured rounds, per recorded click (pg_stat_statements: wall');
  console.log('time, not CPU; a COPY\'s includes waiting for the replica\'s data; nested statements count in their callers too):');
  console.log(`  ${'us/click'.padStart(8)} ${planned ? `${'planning'.padStart(8)} ` : ''}${'calls'.padStart(7)} ${'rows'.padStart(9)}  statement`);
  const perClickUs = (ms: number) => (ms * 1000 / clicks).toFixed(3).padStart(8);
  for (const r of rows) {
    console.log(`  ${perClickUs(r.ms)} ${planned ? `${perClickUs(r.planMs)} ` : ''}${Number(r.calls).toLocaleString('en').padStart(7)} ${Number(r.rows).toLocaleString('en').padStart(9)}  ${statementLabel(r.query)}`);
  }
} finally {
  await perf?.stop();
  await admin.end().catch(() => undefined);
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** --history: the earlier clicks, the page marks' count of them, and what the table then holds. */
async function writeHistory(client: pg.Client, firstId: number): Promise<void> {
  const started = Date.now();
  log(`writing ${o.history.toLocaleString('en')} clicks of earlier flushes into click_batches ...`);
  const rows = await writeClickHistory(client, { clicks: o.history, links: o.links, firstId });
  const pool = new pg.Pool({ connectionString: stack.directDatabaseUrl, max: 1 }); // the app's role: the count waits for its transactions
  try {
    const spans = await sealAll(pool);
    log(`history: ${rows.toLocaleString('en')} rows in ${((Date.now() - started) / 1000).toFixed(0)} s; its page marks counted (${spans} spans here, the rest by the replicas' own job)`);
  } finally {
    await pool.end();
  }
  const { rows: sizes } = await client.query<{ name: string; mb: number }>(
    `SELECT c.relname AS name, pg_relation_size(c.oid) / 1048576.0 AS mb FROM pg_class c
      WHERE c.oid = 'click_batches'::regclass OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'click_batches'::regclass) ORDER BY 1`);
  console.log(`click_batches before the load: ${rows.toLocaleString('en')} rows of ${o.history.toLocaleString('en')} earlier clicks; `
    + sizes.map((r) => `${r.name} ${Number(r.mb).toFixed(0)} MB`).join(', '));
}

/** The cluster's WAL and checkpoint counters since its start (or their last reset). */
interface WalCounters { bytes: number; records: number; fpi: number; checkpoints: number; requested: number; buffersWritten: number }

async function walCounters(client: pg.Client): Promise<WalCounters> {
  const { rows: [r] } = await client.query<Record<keyof WalCounters, string>>(
    `SELECT w.wal_bytes AS bytes, w.wal_records AS records, w.wal_fpi AS fpi,
        b.checkpoints_timed + b.checkpoints_req AS checkpoints, b.checkpoints_req AS requested,
        b.buffers_checkpoint + b.buffers_clean + b.buffers_backend AS "buffersWritten"
      FROM pg_stat_wal w, pg_stat_bgwriter b`);
  return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)])) as unknown as WalCounters;
}

/** What the rounds added; a full-page image counted at a block's size (it is at most that, less a hole, before compression). */
function walDelta(from: WalCounters, to: WalCounters): WalCounters & { fpiBytes: number } {
  const d = Object.fromEntries(Object.keys(to).map((k) => [k, to[k as keyof WalCounters] - from[k as keyof WalCounters]])) as unknown as WalCounters;
  return { ...d, fpiBytes: d.fpi * BLOCK_BYTES };
}

interface Recording {
  /** Stops the recording (its file then written); whether it was still recording until then. */
  stop(): Promise<boolean>;
}

/** `perf record` of every CPU into `file`, until stopped. */
function record(file: string): Recording {
  const child = spawn('perf', ['record', '-a', '-g', '-F', String(PERF_HZ), '-o', file], { stdio: 'ignore' });
  // Settles either way: a perf that could not start (an 'error') has ended too.
  const exited = once(child, 'exit').then(() => undefined, () => undefined);
  return {
    async stop() {
      const running = child.exitCode === null && child.signalCode === null;
      if (running) child.kill('SIGINT'); // perf writes its file and exits
      await exited;
      return running;
    },
  };
}

/** The postgres processes' samples in a perf file, by work and part, `usPerClick` shared out among them. */
function perfBreakdown(file: string, usPerClick: number): string[] {
  const script = join(dir, 'perf.txt');
  const out = openSync(script, 'w');
  try {
    spawnSync('perf', ['script', '-i', file, '--comm', 'postgres', '-F', 'comm,ip,sym'], { stdio: ['ignore', out, 'ignore'] });
  } finally {
    closeSync(out);
  }
  const stacks = perfScriptStacks(readFileSync(script, 'utf8'), 'postgres');
  return renderShares(attribute(stacks), stacks.length > 0 ? usPerClick / stacks.length : 0);
}

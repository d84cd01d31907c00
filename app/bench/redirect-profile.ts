// npm run bench:profile -- [--baseline DIR ...] [--rate 2000] [--duration 10] [--rounds 3]
//   [--links 10000] [--varied] [--cold] [--together] [--profile DIR]
// A replica's CPU per cached redirect, from /proc (every thread of the process) and, with
// --profile, from a V8 CPU profile cut to the load windows: self time by function and by package,
// per redirect, and folded stacks for a flame graph. The replica (`node --import tsx
// app/src/main.ts`, as the loopback stack runs it) is loaded straight, at a fixed request rate,
// with the headers nginx adds (X-Request-Id, X-Forwarded-For, ...), so every side serves the same
// requests whatever its speed: CPU per request compares code, not throughput. Its click flush
// (up to two flush intervals after the load) counts: it runs on the same core.
// Sides, alternated round by round: this checkout's replica, each --baseline DIR's (another
// commit's checkout, its own migrations, its own data services), and the bare Fastify server of
// `npm run bench`'s proxy ceiling (aim 3 of issue 13 is a multiple of its CPU per redirect).
// With --together each round loads every side at once instead: on this shared VM a side's CPU per
// request moved by a fifth from one run to the next, and run after run a side's place in the
// order moved the medians more than a change of a few us did (the same two commits came out
// 55 against 70 us one way round, 57 against 52 the other); at once, the swings fall on every side
// alike. Either way the figures end with each side against the first and the bare server, round
// by round. Not with --cold, whose CPU by program would count every side's data services at once.
// Each replica's event-loop delay over each run (p99 and max, from its /metrics: prom-client's
// monitorEventLoopDelay, reset at every scrape) shows what stalls the loop, such as a click flush:
// every request queued behind a stall pays for it in the tail latency.
// --cold: every request asks for a code its side has not served yet, so each is an LRU and Redis
// miss read from PostgreSQL through PgBouncer (a replica just started, a crawler on the long tail);
// the CPU counted is then the replica's and its data services', by program, and the bare server
// (a Map, no cold path) is left out.
// A command that prints figures, not a test.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Command } from 'commander';
import { startDataServices, type DataServices } from '../../infra/loopback/data-services.js';
import { CommandServer } from '../../infra/loopback/servers/command.js';
import { freePorts } from '../../infra/loopback/servers/ports.js';
import { copyGeneratedLinks } from '../../loadtest/lib/copy-links.js';
import { APP_CPU_RATIO_AIM } from '../../loadtest/lib/aims.js';
import { LOAD_GENERATOR, readProcs, TICKS_PER_SECOND, withCpu } from '../../loadtest/lib/cpu.js';
import { generatedLink } from '../../loadtest/lib/links.js';
import { seededRng } from '../../loadtest/lib/rng.js';
import { LOAD_AGENTS } from '../../loadtest/lib/traffic.js';
import { zipfSampler } from '../../loadtest/lib/zipf.js';
import { APP_DEFAULTS } from '../src/config-defaults.js';
import { areaOf, foldedStacks, frameLabel, sampledUs, sliceProfile, timesBy, whereOf, type CallFrame, type CpuProfile, type TimeEntry, type Window } from './cpu-profile.js';
import { flameGraphSvg } from './flame-graph.js';
import { median } from './stats.js';

const LINK_PREFIX = 'b';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');
/** The replica writes a run's last clicks up to one flush interval after it: twice that covers the flush too. */
const SETTLE_MS = 2 * APP_DEFAULTS.clickFlushIntervalMs;
const IDLE_WINDOW_MS = 5_000;
const TOP = 25;

const o = new Command()
  .name('bench:profile')
  .option('--baseline <dir>', "another checkout (a worktree of another commit): its replica is measured alternately with this one's (repeatable)", (dir: string, dirs: string[]) => [...dirs, dir], [] as string[])
  .option('--rate <n>', 'requests per second sent to each side', '2000')
  .option('--connections <n>', 'load connections', '64')
  .option('--duration <s>', 'seconds per run', '10')
  .option('--rounds <n>', 'alternated rounds (medians are reported)', '3')
  .option('--links <n>', 'links in the database, Zipf-drawn (exponent 1)', '10000')
  .option('--varied', "browser, phone and crawler User-Agents and referrers (the mixed scenario's), not none")
  .option('--cold', 'every request a code not served before: the cold path (database and Redis) by program; no bare server')
  .option('--together', 'load every side at the same time in each round (each at --rate), not one after another: the host\'s swings in speed then fall on all sides alike (not with --cold)')
  .option('--profile <dir>', 'run the servers under node --cpu-prof and write each side\'s profile (cut to the load windows), folded stacks and tables here')
  .option('--interval <us>', 'the profiler\'s sampling interval', '500')
  .parse()
  .opts<{ baseline: string[]; rate: string; connections: string; duration: string; rounds: string; links: string; varied?: boolean; cold?: boolean; together?: boolean; profile?: string; interval: string }>();
if (o.together && o.cold) throw new Error('--together with --cold: the cold figures are CPU by program, which would count every side\'s data services at once');
const rate = Number(o.rate);
const connections = Number(o.connections);
const durationS = Number(o.duration);
const rounds = Number(o.rounds);
// Cold: enough links that no run (nor the JIT warm-up) serves a code twice.
const links = o.cold ? Math.max(Number(o.links), Math.ceil(Number(o.rate) * Number(o.duration) * (Number(o.rounds) + 1) * 1.2)) : Number(o.links);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Side {
  name: string;
  /** The checkout whose code it runs, for the profile's file names. */
  root: string;
  server: CommandServer;
  dir: string;
  pid: () => number;
  url: string;
  data?: DataServices;
  cpuUs: number[];
  /** Runs that reached less than 90% of the rate (an overloaded machine). */
  shortRuns: number;
  requests: number;
  windows: Window[];
  idleCores: number;
  /** The replica's metrics endpoint (none for the bare server). */
  metricsUrl?: string;
  /** Event-loop delay per run, in ms. */
  lagP99Ms: number[];
  lagMaxMs: number[];
  /** Cold: the next link this side has not served, and CPU us per redirect by program, per run. */
  nextCold: number;
  programUs: Record<string, number[]>;
  /** The load's p99 latency per run, in ms. */
  p99Ms: number[];
}

/** A gauge's value in a Prometheus text exposition (unlabelled series only). */
function gaugeValue(exposition: string, name: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

/** The event-loop delay since the previous scrape (prom-client resets its histogram on every scrape). */
async function eventLoopDelay(metricsUrl: string): Promise<{ p99Ms: number; maxMs: number }> {
  const text = await (await fetch(metricsUrl)).text();
  return { p99Ms: gaugeValue(text, 'nodejs_eventloop_lag_p99_seconds') * 1000, maxMs: gaugeValue(text, 'nodejs_eventloop_lag_max_seconds') * 1000 };
}

const hrUs = () => Number(process.hrtime.bigint() / 1000n);

function ticksOf(pid: number): number {
  return readProcs().find((p) => p.pid === pid)?.ticks ?? Number.NaN;
}

/** `node --import tsx FILE` of a checkout, to completion (migrations). */
async function runTs(root: string, file: string, env: Record<string, string>, logFile: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(root, file)], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const [code] = (await once(child, 'exit')) as [number | null];
  writeFileSync(logFile, out);
  if (code !== 0) throw new Error(`${file} in ${root} exited with ${code}: ${out.slice(-2000)}`);
}

function nodeArgs(dir: string): string[] {
  return o.profile ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${o.interval}`] : [];
}

async function startReplica(name: string, root: string, base: string): Promise<Side> {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(dir, 'data'));
  const data = await startDataServices({ dir: join(dir, 'data'), config: { pools: { pgbouncerPoolSize: 10 } } });
  try {
    await runTs(root, 'app/src/migrate.ts', { MIGRATE_DATABASE_URL: data.directDatabaseUrl, DATABASE_URL: data.directDatabaseUrl, LOG_LEVEL: 'warn' }, join(dir, 'migrate.log'));
    await copyGeneratedLinks(data.directDatabaseUrl, LINK_PREFIX, links);
    const [port, metricsPort] = (await freePorts(2)) as [number, number];
    const server = new CommandServer({
      name, port, dir, command: process.execPath, readyPath: '/health', readyTimeoutMs: 90_000,
      args: [...nodeArgs(dir), '--import', TSX_LOADER, join(root, 'app/src/main.ts')],
      // As the loopback stack's replicas (infra/loopback/replicas.ts), quieter.
      env: {
        ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort),
        DATABASE_URL: data.databaseUrl, REDIS_URL: data.redisUrl, ADMIN_API_KEYS: randomBytes(16).toString('hex'),
        PUBLIC_BASE_URL: 'http://short.bench.invalid', TRUST_PROXY: '127.0.0.1', LOG_LEVEL: 'warn',
      },
    });
    await server.start();
    return {
      name, root, server, dir, data, pid: () => server.pid ?? Number.NaN, url: `http://127.0.0.1:${port}`, cpuUs: [], shortRuns: 0, requests: 0, windows: [], idleCores: 0,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, lagP99Ms: [], lagMaxMs: [], nextCold: 1, programUs: {}, p99Ms: [],
    };
  } catch (err) {
    await data.stop();
    throw err;
  }
}

async function startBare(base: string): Promise<Side> {
  const dir = join(base, 'bare');
  mkdirSync(dir, { recursive: true });
  const [port] = (await freePorts(1)) as [number];
  const server = new CommandServer({
    name: 'bare', port, dir, command: process.execPath, readyPath: '/health', readyTimeoutMs: 90_000,
    args: [...nodeArgs(dir), '--import', TSX_LOADER, join(REPO_ROOT, 'loadtest/bench/bare-server.ts')],
    env: { ...process.env, PORT: String(port), LINK_PREFIX, LINK_COUNT: String(links) },
  });
  await server.start();
  return { name: 'bare', root: REPO_ROOT, server, dir, pid: () => server.pid ?? Number.NaN, url: `http://127.0.0.1:${port}`, cpuUs: [], shortRuns: 0, requests: 0, windows: [], idleCores: 0, lagP99Ms: [], lagMaxMs: [], nextCold: 1, programUs: {}, p99Ms: [] };
}

/** Requests as nginx forwards them, the same for every side: Zipf-drawn links, or every link in turn from `from` (then `sent` counts them). */
function requestMaker(order: 'zipf' | 'each', from = 1, sent = { n: 0 }): () => { path: string; headers: Record<string, string> } {
  const zipf = zipfSampler(links, 1, seededRng(7));
  let n = 0;
  return () => {
    n += 1;
    sent.n = n;
    const headers: Record<string, string> = {
      host: 'short.bench.invalid', 'x-request-id': `${(0x1000000 + n).toString(16)}${'0'.repeat(24)}`,
      'x-real-ip': '127.0.0.1', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http',
    };
    if (o.varied) {
      headers['user-agent'] = LOAD_AGENTS[n % LOAD_AGENTS.length]!;
      if (n % 3 !== 0) headers.referer = `https://ref${n % 50}.example/`;
    }
    return { path: `/${generatedLink(LINK_PREFIX, order === 'zipf' ? zipf.sample() : ((from - 1 + n - 1) % links) + 1).code}`, headers };
  };
}

/**
 * A fixed-rate load for `seconds` (or, with `amount`, every link once at full speed); the count
 * of answers by status. `cold`: every link in turn from the side's nextCold, moved past the ones sent.
 */
function load(url: string, seconds: number, overallRate: number, amount?: number, cold?: Pick<Side, 'nextCold'>): Promise<{ answered: number; redirects: number; errors: number; p99Ms: number }> {
  const sent = { n: 0 };
  const next = cold ? requestMaker('each', cold.nextCold, sent) : requestMaker(amount === undefined ? 'zipf' : 'each');
  return new Promise((done, fail) => {
    autocannon({
      url, connections, pipelining: 1, timeout: 10,
      ...(amount === undefined ? { duration: seconds, overallRate } : { amount }),
      requests: [{ setupRequest: (req) => ({ ...req, method: 'GET', ...next() }) }],
    }, (err, r) => {
      if (cold) cold.nextCold += sent.n;
      if (err) return fail(err as Error); // autocannon types its error as any
      const stats = r.statusCodeStats ?? {};
      const answered = Object.values(stats).reduce((sum, s) => sum + (s.count ?? 0), 0);
      done({ answered, redirects: stats['302']?.count ?? 0, errors: r.errors + r.timeouts, p99Ms: r.latency.p99 });
    });
  });
}

/** One run: CPU of the side's process over the load and its settle time, less its idle CPU. */
async function measure(side: Side): Promise<void> {
  const t0 = Date.now();
  const ticks0 = ticksOf(side.pid());
  if (side.metricsUrl) await eventLoopDelay(side.metricsUrl); // starts its histogram afresh
  const from = hrUs();
  // Cold: CPU by program of this process's children (the replicas and their data services) over the load.
  const run = o.cold ? await withCpu(() => load(side.url, durationS, rate, undefined, side)) : { result: await load(side.url, durationS, rate), seconds: {} };
  const r = run.result;
  const to = hrUs();
  if (side.metricsUrl) {
    const lag = await eventLoopDelay(side.metricsUrl);
    side.lagP99Ms.push(lag.p99Ms);
    side.lagMaxMs.push(lag.maxMs);
  }
  if (r.errors > 0 || r.redirects !== r.answered) throw new Error(`${side.name}: ${r.answered - r.redirects} answers not 302, ${r.errors} errors`);
  if (side.name !== 'bare') await new Promise((w) => setTimeout(w, SETTLE_MS));
  const ticks = ticksOf(side.pid()) - ticks0;
  for (const [program, seconds] of Object.entries(run.seconds)) {
    if (program !== LOAD_GENERATOR) (side.programUs[program] ??= []).push(seconds * 1e6 / r.answered);
  }
  const windowS = (Date.now() - t0) / 1000;
  side.windows.push({ fromUs: from, toUs: side.name === 'bare' ? to : to + SETTLE_MS * 1000 });
  side.requests += r.answered;
  side.p99Ms.push(r.p99Ms);
  side.cpuUs.push((ticks / TICKS_PER_SECOND - side.idleCores * windowS) * 1e6 / r.answered);
  // Below the rate the sides are not serving the same load, and CPU per request moves with it.
  if (r.answered < 0.9 * rate * durationS) side.shortRuns += 1;
  const lag = side.metricsUrl ? `, event-loop delay p99 ${(side.lagP99Ms.at(-1) ?? 0).toFixed(1)} ms, max ${(side.lagMaxMs.at(-1) ?? 0).toFixed(1)} ms` : '';
  log(`  ${side.name}: ${r.answered} redirects, ${(r.answered / durationS).toFixed(0)}/s, ${(side.cpuUs.at(-1) ?? 0).toFixed(1)} us CPU each${lag}`);
}

/** `a`'s CPU per redirect over `b`'s, round by round, and their median. */
function pairedLine(a: Side, b: Side): string {
  const ratios = a.cpuUs.map((us, round) => us / b.cpuUs[round]!);
  return `${a.name} / ${b.name}, round by round: ${ratios.map((r) => r.toFixed(2)).join(' / ')} (median ${median(ratios).toFixed(2)})`;
}

/** Cold: CPU us per redirect by program, medians over the runs, each side a column. */
function coldTable(): string[] {
  const programs = [...new Set(sides.flatMap((s) => Object.keys(s.programUs)))].sort();
  const cell = (v: number) => v.toFixed(1).padStart(14);
  const total = (s: Side) => median(s.cpuUs.map((_, run) => programs.reduce((sum, p) => sum + (s.programUs[p]?.[run] ?? 0), 0)));
  return [
    'cold redirects: CPU us per redirect by program (medians)',
    `${'program'.padEnd(28)}${sides.map((s) => s.name.padStart(14)).join('')}`,
    ...programs.map((p) => `${p.padEnd(28)}${sides.map((s) => cell(median(s.programUs[p] ?? [0]))).join('')}`),
    `${'all of them'.padEnd(28)}${sides.map((s) => cell(total(s))).join('')}`,
    `${'latency p99 ms'.padEnd(28)}${sides.map((s) => cell(median(s.p99Ms))).join('')}`,
  ];
}

function latestProfile(dir: string): CpuProfile | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  const file = files.at(-1);
  return file ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile) : undefined;
}

const fmt = (us: number) => us.toFixed(2).padStart(8);

function table(title: string, entries: TimeEntry[], requests: number, top = TOP): string {
  const rows = entries.slice(0, top).map((e) => `${fmt(e.selfUs / requests)} ${fmt(e.totalUs / requests)}  ${e.label}`);
  return [title, `${'self'.padStart(8)} ${'total'.padStart(8)}  (us per redirect)`, ...rows].join('\n');
}

/** Self time per function (no line numbers: they move between commits), side against side. */
function diffTable(a: Side, b: Side, pa: CpuProfile, pb: CpuProfile): string {
  const key = (root: string) => (f: CallFrame) => `${f.functionName || '(anonymous)'} ${whereOf(f.url, root)}`;
  const ta = new Map(timesBy(pa, key(a.root)).map((e) => [e.label, e.selfUs / a.requests]));
  const tb = new Map(timesBy(pb, key(b.root)).map((e) => [e.label, e.selfUs / b.requests]));
  const labels = [...new Set([...ta.keys(), ...tb.keys()])];
  const rows = labels.map((l) => ({ l, a: ta.get(l) ?? 0, b: tb.get(l) ?? 0 })).sort((x, y) => Math.abs(y.a - y.b) - Math.abs(x.a - x.b));
  return [
    `self time per redirect, ${a.name} against ${b.name}, largest differences first`,
    `${'A'.padStart(8)} ${'B'.padStart(8)} ${'A - B'.padStart(8)}  function (A: ${a.name}, B: ${b.name})`,
    ...rows.slice(0, TOP).map((r) => `${fmt(r.a)} ${fmt(r.b)} ${fmt(r.a - r.b)}  ${r.l}`),
  ].join('\n');
}

const base = mkdtempSync(join(tmpdir(), 'shortstack-profile-'));
// PostgreSQL and PgBouncer run as their own user and must reach their folders below this one.
chmodSync(base, 0o755);
const sides: Side[] = [];
try {
  log(`starting ${1 + o.baseline.length} replica(s) (this checkout${o.baseline.map((d) => `, ${d}`).join('')}), each on its own data services, and the bare server ...`);
  sides.push(await startReplica('this', REPO_ROOT, base));
  for (const dir of o.baseline) {
    const root = resolve(dir);
    if (!existsSync(join(root, 'app/src/main.ts'))) throw new Error(`--baseline ${root}: no app/src/main.ts there`);
    sides.push(await startReplica(basename(root), root, base));
  }
  if (!o.cold) sides.push(await startBare(base));

  if (o.cold) {
    log('warming up the JIT at the rate, on links of its own ...');
    for (const side of sides) await load(side.url, Math.min(durationS, 5), rate, undefined, side);
  } else {
    log('warming up (every link into the caches, then the JIT at the rate) ...');
    for (const side of sides) await load(side.url, 0, 0, links);
    for (const side of sides) await load(side.url, Math.min(durationS, 5), rate);
  }
  for (const side of sides) {
    const before = ticksOf(side.pid());
    await new Promise((w) => setTimeout(w, IDLE_WINDOW_MS / sides.length));
    side.idleCores = (ticksOf(side.pid()) - before) / TICKS_PER_SECOND / (IDLE_WINDOW_MS / sides.length / 1000);
  }
  log(`idle CPU cores: ${sides.map((s) => `${s.name} ${s.idleCores.toFixed(3)}`).join(', ')}`);

  for (let round = 1; round <= rounds; round++) {
    log(`round ${round}/${rounds}`);
    // At once, a side whose load started first came out ahead (the same two commits 5% or 19%
    // apart by which went first): the first place moves round by round.
    if (o.together) await Promise.all(sides.map((_, i) => measure(sides[(i + round - 1) % sides.length]!)));
    // Reversed every other round: no side always runs right after the same neighbour.
    else for (const side of round % 2 === 1 ? sides : [...sides].reverse()) await measure(side);
  }

  const lines = [
    `== redirect CPU: ${rate} req/s, ${connections} connections, ${durationS} s x ${rounds} ${o.together ? 'rounds, every side loaded at once' : 'alternated rounds'}, ${links} links (${o.cold ? 'each served once: cold' : 'Zipf'})${o.varied ? ', varied agents' : ''}${o.profile ? ', under the profiler' : ''}`,
    `${'side'.padEnd(14)} ${'CPU us/redirect (median)'.padStart(24)}   runs`,
    ...sides.map((s) => `${s.name.padEnd(14)} ${median(s.cpuUs).toFixed(1).padStart(24)}   ${s.cpuUs.map((c) => c.toFixed(1)).join(' / ')}`),
  ];
  const bare = sides.find((s) => s.name === 'bare');
  if (bare) {
    for (const s of sides.filter((x) => x !== bare)) {
      const ratio = median(s.cpuUs) / median(bare.cpuUs);
      lines.push(`${s.name}: ${ratio.toFixed(2)}x the bare server's CPU per redirect (aim <= ${APP_CPU_RATIO_AIM}): ${ratio <= APP_CPU_RATIO_AIM ? 'PASS' : 'FAIL'}`);
    }
  }
  // Round by round, each side against the first and the bare server: pairs measured side by side
  // in time (at once with --together) vary less than the medians of separate runs.
  for (const s of sides.slice(1).filter((x) => x !== bare)) lines.push(pairedLine(s, sides[0]!));
  if (bare) for (const s of sides.filter((x) => x !== bare)) lines.push(pairedLine(s, bare));
  for (const s of sides.filter((x) => x.metricsUrl)) {
    lines.push(`${s.name}: event-loop delay over the load, p99 ${median(s.lagP99Ms).toFixed(1)} ms (runs ${s.lagP99Ms.map((l) => l.toFixed(1)).join(' / ')}), max ${median(s.lagMaxMs).toFixed(1)} ms (runs ${s.lagMaxMs.map((l) => l.toFixed(1)).join(' / ')})`);
  }
  if (o.cold) lines.push('', ...coldTable());
  lines.push('Event-loop delay: prom-client\'s monitorEventLoopDelay (10 ms resolution: an idle loop reads about 10 ms).');
  lines.push('CPU: /proc utime + stime of the side\'s process (all its threads) over each run and its click flush, less its idle CPU.');
  const short = sides.filter((s) => s.shortRuns > 0);
  if (short.length > 0) lines.push(`WARNING: below 90% of ${rate} req/s in ${short.map((s) => `${s.shortRuns} run(s) of ${s.name}`).join(', ')}: the machine was overloaded; lower --rate`);

  // Profiles are written when the processes exit.
  for (const s of sides) await s.server.stop();
  if (o.profile) {
    const out = resolve(o.profile);
    mkdirSync(out, { recursive: true });
    const cut = new Map<Side, CpuProfile>();
    for (const s of sides) {
      const whole = latestProfile(s.dir);
      if (!whole) throw new Error(`${s.name}: no .cpuprofile written in ${s.dir}`);
      const p = sliceProfile(whole, s.windows);
      cut.set(s, p);
      writeFileSync(join(out, `${s.name}.cpuprofile`), JSON.stringify(p));
      writeFileSync(join(out, `${s.name}.folded`), foldedStacks(p, s.root));
      writeFileSync(join(out, `${s.name}.svg`), flameGraphSvg(p, {
        title: `${s.name}: CPU per redirect at ${rate}/s (main thread, ${s.requests} redirects)`, label: (f) => frameLabel(f, s.root), perUs: 1 / s.requests, unit: 'us per redirect',
      }));
      const idle = timesBy(p, (f) => f.functionName).find((e) => e.label === '(idle)')?.selfUs ?? 0;
      const detail = [
        `-- ${s.name}: main thread sampled ${((sampledUs(p) - idle) / s.requests).toFixed(1)} us per redirect (idle left out)`,
        table(`${s.name}: by package or folder`, timesBy(p, (f) => areaOf(f, s.root)), s.requests, 15),
        table(`${s.name}: by function`, timesBy(p, (f) => frameLabel(f, s.root)), s.requests),
      ].join('\n\n');
      writeFileSync(join(out, `${s.name}.txt`), `${detail}\n`);
      lines.push('', detail);
    }
    const self = sides[0]!;
    for (const other of sides.filter((x) => x !== self && x !== bare)) lines.push('', diffTable(self, other, cut.get(self)!, cut.get(other)!));
    lines.push('', `profiles (Chrome DevTools, speedscope), flame graphs (.svg), folded stacks (flamegraph.pl) and tables: ${out}`);
  }
  console.log(lines.join('\n'));
} finally {
  await Promise.allSettled(sides.map((s) => s.server.stop()));
  await Promise.allSettled(sides.flatMap((s) => (s.data ? [s.data.stop()] : [])));
  rmSync(base, { recursive: true, force: true });
}

// npm run bench -- [--replicas 2] [--connections 64] [--duration 15] [--rounds 3] [--json FILE]
//   [--large 1000000 | --huge] [--skip-scale] [--baseline DIR]
// Measures, with the same load generator, connections and duration, alternating the targets
// round after round (the machine is shared and noisy; medians are reported):
//   1 nginx answering a static 302 itself, 2 the same nginx in front of N bare Fastify processes,
//   3 Shortstack's cached redirect, 4 the same with the in-process cache off, 5 link creation;
// then the redirect figure with 10 thousand and with 1 (or 10) million links: flat out and at one
// fixed rate with the large set's caches seconds old, then flat out with them as a day of
// traffic (the links' cache TTL) leaves them; and PostgreSQL's server connections against PgBouncer's pool size.
// With --baseline DIR (a worktree of another commit, after npm ci), that commit's own stack serves
// figure 3 and aim 4's cold pairs too, in the same rounds, and aims 1-4 and each program's CPU
// per redirect are printed before (DIR) and after (this checkout).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { APP_DEFAULTS } from '../../app/src/config-defaults.js';
import { appliedWithinMs } from '../../app/src/clicks/pending-rollups.js';
import { LINK_CACHE_ENTRY_BYTES, LINK_CACHE_TTL_S } from '../../app/src/cache/link-cache.js';
import { startStack } from '../../infra/loopback/stack.js';
import { LOAD_GENERATOR_STACK_CONFIG } from '../../infra/loopback/load-generator.js';
import { parseStackConfig } from '../../infra/topology/config.js';
import { positiveInt, positiveNumber } from '../lib/cli-args.js';
import { baselineCores, netOfIdle, TICKS_PER_SECOND, withCpu, type Attribution } from '../lib/cpu.js';
import { generatedLinkSet, rankedSubset, type LinkSet } from '../lib/links.js';
import { drive, newRunTag } from '../lib/load.js';
import { steady } from '../lib/schedule.js';
import { REDIRECTS_ONLY, TRAFFIC_ZIPF_EXPONENT, type Mix } from '../lib/traffic.js';
import { seededRng } from '../lib/rng.js';
import { touchedRanks } from '../lib/touched.js';
import { warmUp } from '../lib/warm.js';
import { warmRedis, type CacheWarmth } from '../lib/warm-cache.js';
import { fmtInt, fmtMs, fmtRate } from '../lib/table.js';
import { startProxyCeiling, startStaticNginx, type Running } from './ceilings.js';
import { ARCHIVE_COMMAND, PROGRAM, SCALE_P99_AIM } from '../lib/aims.js';
import { aims, atMost, combine, FIGURES, HOST_MOVED_BEYOND, hostMoved, judged, median, ratios, renderAims, renderBeforeAfter, renderBench, roundCpuRatios, roundHostRatios, roundP99Ratios, sampleOf, scaleP99Ratio, stackUsPerRequest, type FigureResult, type Sample } from './plan.js';
import { copyGeneratedLinks } from '../lib/copy-links.js';
import { baselineRoot, startBaselineStack, type MeasuredStack } from './baseline-stack.js';
import { CLICKS_WRITTEN_MS, openStackProbe, type StackProbe } from '../lib/stack-probe.js';

// A run as long as the click roll-up delay holds one period of the roll-ups' apply, as sustained
// load does. A shorter run is a burst: the apply of nearly every link it clicked, the same cost
// whatever the run's length, falls on fewer clicks (loadtest/FIGURES.md, eighteenth pass).
const DEFAULT_DURATION_S = APP_DEFAULTS.clickRollupDelayMs / 1000;

const o = new Command()
  .name('bench')
  .description('Shortstack against the machine\'s own ceilings, measured in the same run')
  .option('--replicas <n>', 'app replicas (and bare Fastify processes)', positiveInt, 2)
  .option('--connections <n>', 'load connections for every figure', positiveInt, 64)
  .option('--duration <seconds>', 'length of each measured run (default: the click roll-up delay)', positiveNumber, DEFAULT_DURATION_S)
  .option('--rounds <n>', 'alternated rounds (medians reported)', positiveInt, 3)
  .option('--links <n>', 'links of the main figures', positiveInt, 10_000)
  .option('--large <n>', 'links of the large scale figure', positiveInt, 1_000_000)
  .option('--huge', 'the large scale figure with 10 million links (COPY takes minutes)')
  .option('--skip-scale', 'leave out the scale figures')
  .option('--json <file>', 'write the figures and ratios as JSON')
  .option('--baseline <dir>', "another commit's checkout (a worktree, after npm ci): its stack serves figure 3 and aim 4's cold pairs in the same rounds, aims 1-4 printed before and after")
  .parse()
  .opts<{ replicas: number; connections: number; duration: number; rounds: number; links: number; large: number;
    huge?: boolean; skipScale?: boolean; json?: string; baseline?: string }>();
const baselineDir = o.baseline === undefined ? undefined : baselineRoot(o.baseline);

const large = o.huge ? 10_000_000 : o.large;
const log = (line: string) => process.stderr.write(`${line}\n`);
const STATIC_LOCATION = 'https://example.com/static';
const CREATE_ONLY: Mix = { redirect: 0, create: 1, read: 0 };
const runTag = newRunTag();
const startedAt = new Date().toISOString();

interface Target {
  id: keyof typeof FIGURES;
  url: string;
  links: LinkSet;
  mix: Mix;
  adminKey?: string;
  /**
   * The stack it loads (none for the ceilings): its server connections are watched straight at
   * PostgreSQL during the run, and its cluster is PROGRAM.postgres in the run's CPU, the other
   * stack's apart.
   */
  stack?: MeasuredStack;
}

/**
 * The cached stack's Redis holds every link of the scale figures, as a stack sized for its links
 * does (RedisMemoryNearMaxEvicting asks for it): at the default 256 MB, 1,000,000 links' hour of
 * traffic (the TTL then) evicted a quarter of what it cached, and the steady figure measured an undersized cache.
 */
const redisMaxMemoryMb = Math.max(parseStackConfig(LOAD_GENERATOR_STACK_CONFIG).cache.redisMaxMemoryMb,
  o.skipScale ? 0 : Math.ceil((large + o.links) * LINK_CACHE_ENTRY_BYTES / 2 ** 20));
const cachedStackConfig = { ...LOAD_GENERATOR_STACK_CONFIG, cache: { redisMaxMemoryMb } };

/** Both stacks run side by side (their processes all named postgres): each run's CPU counts its own stack's cluster. */
const OTHER_POSTGRES = `${PROGRAM.postgres} (other stack)`;
let stacks: MeasuredStack[] = [];
/** Each stack's probe: the bench's own backend in its cluster, counted apart (PROGRAM.benchProbe). */
const probes = new Map<MeasuredStack, StackProbe>();
function attribution(own: MeasuredStack | undefined): Attribution {
  const subtrees = new Map<number, string>();
  for (const s of stacks) {
    // By process, not by name: an older commit's replica (a --baseline) ran as plain `node`.
    for (const r of s.replicas) if (r.pid !== undefined) subtrees.set(r.pid, PROGRAM.replica);
    const pid = s.postgresPid;
    if (pid !== undefined) subtrees.set(pid, s === own ? PROGRAM.postgres : OTHER_POSTGRES);
    const probe = probes.get(s);
    if (probe) subtrees.set(probe.backendPid, s === own ? PROGRAM.benchProbe : OTHER_POSTGRES);
  }
  return { subtrees, reapedAs: [ARCHIVE_COMMAND] };
}

/** Every link twice (nginx spreads them over the replicas' own caches), 16 at a time. */
const CACHED_WARM = { passes: 2, concurrency: 16 } as const;
/** Concurrent redirects of the large set's head through the stack, warming the replicas' LRUs. */
const WARM_CONCURRENCY = 32;
/** The idle rate is the median of several windows (baselineCores): 30 s in all. */
const IDLE_WINDOW_MS = 5_000;
const IDLE_WINDOWS = 6;
// A replica writes a run's last clicks up to one flush interval after it, and under load adds
// their roll-up counts a delay after that: the CPU figures of a stack's run wait for both (the
// flush twice over, then every kept count applied) so its clicks' whole cost is its own, not
// the next run's. The idle rate taken off (netOfIdle) covers the longer window.
const ROLLUPS_SETTLE_MS = 2 * appliedWithinMs(APP_DEFAULTS.clickRollupDelayMs);
/** The warm-up's roll-ups: every link it asked for, an apply of up to millions of keys. */
const WARM_SETTLE_MS = 10 * ROLLUPS_SETTLE_MS;
const settleClicks = (probe: StackProbe) => async () => {
  await sleep(CLICKS_WRITTEN_MS);
  if (!await probe.keptRollupsApplied(ROLLUPS_SETTLE_MS)) {
    log(`warning: kept click roll-ups not applied ${ROLLUPS_SETTLE_MS / 1000} s after a run; its CPU figures miss them`);
  }
};

/** CPU cores each program uses with no load at all (measured once the stacks are up). */
let idleCores: Record<string, number> = {};

/** One run of a target; at most `rate` requests a second when given (autocannon's overall rate), else as fast as it answers. */
async function measure(t: Pick<Target, 'url' | 'links' | 'mix' | 'adminKey' | 'stack'>, durationS: number, connections = o.connections, rate?: number): Promise<Sample> {
  const probe = t.stack && probes.get(t.stack);
  const watch = probe?.watchServerConnections();
  const { result, cores, seconds, windowS } = await withCpu(() => drive({
    url: t.url, links: t.links, adminKey: t.adminKey, runTag, unknownShare: 0, rate,
    scenario: { name: 'redirects', mix: t.mix, phases: steady(durationS, connections) },
  }), TICKS_PER_SECOND, probe ? settleClicks(probe) : 0, attribution(t.stack));
  return sampleOf(result.summary, await watch?.stop(), cores, netOfIdle(seconds, idleCores, windowS));
}

/** `list` with the places of `a` and `b` exchanged. */
const swapped = (list: readonly Target[], a: Target['id'], b: Target['id']): Target[] =>
  list.map((t) => (t.id === a ? list.find((x) => x.id === b)! : t.id === b ? list.find((x) => x.id === a)! : t));

const describe = (label: string, s: Sample) =>
  `${label}: ${fmtRate(s.okRps)} ok req/s, p50 ${fmtMs(s.p50)} ms, p99 ${fmtMs(s.p99)} ms, ${fmtInt(s.failed)} failed` +
  (s.pgServerConnections === undefined ? '' : `, pg server connections max ${s.pgServerConnections}`);

const dir = mkdtempSync(join(tmpdir(), 'shortstack-bench-'));
// PostgreSQL and PgBouncer run as their own user and must reach their folders below this one.
chmodSync(dir, 0o755);
const cleanups: (() => Promise<void>)[] = [];
try {
  log(`starting ${baselineDir ? 'three' : 'two'} loopback stacks (${o.replicas} replicas; the first's Redis ${fmtInt(redisMaxMemoryMb)} MB; the second with CACHE_LRU_ENABLED=false`
    + `${baselineDir ? `; the third ${baselineDir}'s, its Redis as the first's` : ''}) and the ceilings ...`);
  const [cachedStack, lruOffStack, baselineStack] = await Promise.all([
    startStack({ replicas: o.replicas, observability: false, dir: join(dir, 'stack-cached'), config: cachedStackConfig }),
    startStack({ replicas: o.replicas, observability: false, dir: join(dir, 'stack-lru-off'), config: LOAD_GENERATOR_STACK_CONFIG, appEnv: { CACHE_LRU_ENABLED: 'false' } }),
    baselineDir ? startBaselineStack(baselineDir, { replicas: o.replicas, dir: join(dir, 'stack-baseline'), redisMaxMemoryMb }) : undefined,
  ]);
  cleanups.push(() => cachedStack.stop(), () => lruOffStack.stop(), ...(baselineStack ? [() => baselineStack.stop()] : []));
  stacks = [cachedStack, lruOffStack, ...(baselineStack ? [baselineStack] : [])];
  for (const s of stacks) {
    const probe = await openStackProbe(s.directDatabaseUrl);
    probes.set(s, probe);
    cleanups.push(() => probe.close());
  }
  baselineStack?.withPostmasterOf(probes.get(baselineStack)!.backendPid);
  const ceilings: [Running, Running] = [
    await startStaticNginx(join(dir, 'nginx-static'), STATIC_LOCATION),
    await startProxyCeiling(join(dir, 'proxy-ceiling'), o.replicas, 'b', o.links),
  ];
  cleanups.push(...ceilings.map((c) => () => c.stop()));
  log(`COPY ${fmtInt(o.links)} links into each stack ...`);
  await Promise.all(stacks.map((s) => copyGeneratedLinks(s.directDatabaseUrl, 'b', o.links)));

  const links = generatedLinkSet('b', o.links);
  const staticLinks: LinkSet = { ...links, location: () => STATIC_LOCATION };
  const targets: Target[] = [
    { id: 'nginxStatic', url: ceilings[0].url, links: staticLinks, mix: REDIRECTS_ONLY },
    { id: 'proxyCeiling', url: ceilings[1].url, links, mix: REDIRECTS_ONLY },
    ...(baselineStack ? [{ id: 'baseline', url: baselineStack.url, links, mix: REDIRECTS_ONLY, stack: baselineStack } as const] : []),
    { id: 'cached', url: cachedStack.url, links, mix: REDIRECTS_ONLY, stack: cachedStack },
    { id: 'lruOff', url: lruOffStack.url, links, mix: REDIRECTS_ONLY, stack: lruOffStack },
    { id: 'create', url: cachedStack.url, links, mix: CREATE_ONLY, adminKey: cachedStack.adminKey, stack: cachedStack },
  ];

  const target = (id: Target['id']) => targets.find((t) => t.id === id)!;

  // Every link through each stack twice (nginx spreads them over the replicas' own caches),
  // so figures 3 and 4 measure cached links rather than first touches; then each target runs
  // briefly so the JIT has compiled the hot paths.
  log(`warming the caches: every link twice through each stack ...`);
  await Promise.all(stacks.map((s) => warmUp(s.url, links, CACHED_WARM)));
  log('warming up every target (JIT) ...');
  for (const t of targets) await measure(t, 2);

  // Both stacks and the ceilings idle: their background (polling, timers, autovacuum) is taken
  // off each run's CPU seconds, so per-request CPU figures are the requests' own.
  // Both stacks are alike: the cached stack's idle cluster stands for either as PROGRAM.postgres.
  const idleWindows: Record<string, number>[] = [];
  for (let w = 0; w < IDLE_WINDOWS; w++) {
    idleWindows.push((await withCpu(() => new Promise((r) => setTimeout(r, IDLE_WINDOW_MS)), TICKS_PER_SECOND, 0, attribution(cachedStack))).cores);
  }
  idleCores = baselineCores(idleWindows);
  log(`idle CPU cores by program: ${Object.entries(idleCores).filter(([, c]) => c >= 0.0005).map(([p, c]) => `${p} ${c.toFixed(3)}`).join(', ') || 'none'}`);
  const samples = new Map<string, Sample[]>(targets.map((t) => [t.id, []]));
  for (let round = 1; round <= o.rounds; round++) {
    // Before and after swap places every other round: neither always runs right after the ceilings.
    const order = baselineStack && round % 2 === 0 ? swapped(targets, 'baseline', 'cached') : targets;
    for (const t of order) {
      const s = await measure(t, o.duration);
      samples.get(t.id)!.push(s);
      log(`round ${round}/${o.rounds} ${describe(FIGURES[t.id], s)}`);
    }
  }
  const figures: FigureResult[] = targets.map((t) => combine(t.id, FIGURES[t.id], samples.get(t.id)!));
  const byId = Object.fromEntries(figures.map((f) => [f.id, f]));
  const rt = ratios(byId);
  const extra: string[] = [];
  const poolSize = cachedStack.config.pools.pgbouncerPoolSize;

  // PgBouncer holds PostgreSQL to its pool however many clients pile on: creations at 4x the connections.
  const burstConns = o.connections * 4;
  const burst = await measure(target('create'), o.duration, burstConns);
  log(describe(`creation burst at ${burstConns} connections`, burst));
  extra.push(`PostgreSQL server connections: max ${burst.pgServerConnections} with ${burstConns} client connections (x${o.replicas} app pools) vs PgBouncer pool size ${poolSize}: ${burst.pgServerConnections! <= poolSize ? 'held' : 'EXCEEDED'}`);

  type ScalePair = { small: FigureResult; large: FigureResult; p99Ratio: number; roundRatios: number[] };
  let scale: ScalePair & {
    copyRowsPerS: number; fixedRate: ScalePair & { rate: number };
    steadyCaches: ScalePair & { draws: number; touched: number; warm: CacheWarmth };
  } | undefined;
  /** The before side's aim 4 (--baseline): the same pairs, in the same rounds. */
  let baselineScale: { flatOut: ScalePair; fixedRate: ScalePair } | undefined;
  if (!o.skipScale) {
    log(`COPY ${fmtInt(large)} more links into the cached stack${baselineStack ? ', then into the --baseline stack' : ''} ...`);
    const copyRowsPerS = await copyGeneratedLinks(cachedStack.directDatabaseUrl, 'm', large);
    log(`  ${fmtInt(copyRowsPerS)} rows/s`);
    if (baselineStack) await copyGeneratedLinks(baselineStack.directDatabaseUrl, 'm', large);
    const bigLinks = generatedLinkSet('m', large);
    /** A stack's small and large link sets; `label` names it in the figures when there are two. */
    interface ScaleSide { label: string; tag: string; small: Target; big: Target }
    const sideOf = (t: Target, label: string, tag: string): ScaleSide => ({ label, tag, small: t, big: { ...t, links: bigLinks } });
    const thisSide = sideOf(target('cached'), '', '');
    const sides = [thisSide, ...(baselineStack ? [sideOf(target('baseline'), 'before: ', ':baseline')] : [])];
    for (const side of sides) await measure(side.big, 2);
    // The two link sets alternated round by round; at most `rate` requests a second when given.
    // The small set is warmed again before each of its rounds, as before the main figures: the
    // large set's round before it leaves each LRU holding its own links. With `reference`, that
    // target runs in every round too: the host's speed in these rounds. With a --baseline, its
    // stack's pair runs in the same rounds, the two stacks' places swapped every other round.
    const pair = async (how: { rate?: number; caches?: string; tag: string; reference?: Target }, pairSides: readonly ScaleSide[] = [thisSide]): Promise<ScalePair[]> => {
      const at = how.rate === undefined ? '' : ` at ${fmtInt(how.rate)} req/s`;
      const runs = pairSides.map(() => ({ s: [] as Sample[], l: [] as Sample[] }));
      const r: Sample[] = [];
      for (let round = 1; round <= o.rounds; round++) {
        const order = pairSides.map((_, i) => i);
        for (const i of round % 2 === 0 ? order.reverse() : order) {
          const side = pairSides[i]!;
          await warmUp(side.small.url, side.small.links, CACHED_WARM);
          for (const [samples, target, n] of [[runs[i]!.s, side.small, o.links], [runs[i]!.l, side.big, large]] as const) {
            samples.push(await measure(target, o.duration, o.connections, how.rate));
            log(`scale round ${round}/${o.rounds} ${side.label}${describe(`${fmtInt(n)} links${at}${how.caches ? `, ${how.caches}` : ''}`, samples.at(-1)!)}`);
          }
        }
        if (how.reference) {
          r.push(await measure(how.reference, o.duration));
          log(`scale round ${round}/${o.rounds} ${describe(FIGURES[how.reference.id], r.at(-1)!)}`);
        }
      }
      const head = `${how.rate === undefined ? 'redirect, cached' : `redirect at ${fmtInt(how.rate)} req/s`}${how.caches ? ` (${how.caches})` : ''}`;
      const results = pairSides.map((side, i) => {
        const { s, l } = runs[i]!;
        const smallFig = combine(`scale:${o.links}${how.tag}${side.tag}`, `${side.label}${head}, ${fmtInt(o.links)} links`, s);
        const largeFig = combine(`scale:${large}${how.tag}${side.tag}`, `${side.label}${head}, ${fmtInt(large)} links (+${fmtInt(o.links)})`, l);
        figures.push(smallFig, largeFig);
        const p99Ratio = scaleP99Ratio(smallFig, largeFig);
        const roundRatios = roundP99Ratios(s, l);
        const scaleJudged = judged(p99Ratio, 2, SCALE_P99_AIM, atMost);
        const stackUs = (samples: readonly Sample[]) => median(samples.flatMap((x) => stackUsPerRequest(x) ?? []));
        extra.push(`${side.label}scale${at}${how.caches ? `, ${how.caches}` : ''}: p99 with ${fmtInt(large)} links / with ${fmtInt(o.links)} links`
          + ` = ${scaleJudged.figure} (aim <= ${SCALE_P99_AIM.toFixed(2)}): ${scaleJudged.pass ? 'PASS' : 'FAIL'}`
          + `; round by round ${roundRatios.map((x) => x.toFixed(2)).join(', ')}`,
        // What a request cost the stack, beside what it waited: flat out, the p99 follows it.
        `  the stack's CPU per ok request, us: ${stackUs(l).toFixed(1)} with ${fmtInt(large)} links, ${stackUs(s).toFixed(1)} with ${fmtInt(o.links)};`
          + ` round by round ${roundCpuRatios(s, l).map((x) => x.toFixed(2)).join(', ')}`,
        // The control: the load generator does the same work for a request of either set.
        `  the load generator's CPU per request, ${fmtInt(large)} links / ${fmtInt(o.links)} (the host's speed; * moved past ${(HOST_MOVED_BEYOND * 100).toFixed(0)}%):`
          + ` round by round ${roundHostRatios(s, l).map((x) => `${x.toFixed(2)}${hostMoved(x) ? '*' : ''}`).join(', ')}`);
        return { small: smallFig, large: largeFig, p99Ratio, roundRatios };
      });
      // Under the ratios it puts in context.
      if (how.reference) {
        const ref = combine(`scale:${how.reference.id}${how.tag}`, FIGURES[how.reference.id], r);
        extra.push(`  ${FIGURES[how.reference.id]} in the same rounds: ${fmtRate(ref.okRps)} ok req/s, p99 ${fmtMs(ref.p99)} ms`
          + ` (${fmtRate(byId[how.reference.id]!.okRps)} and ${fmtMs(byId[how.reference.id]!.p99)} in the main rounds)`);
      }
      return results;
    };
    // First with the large set's caches seconds old: a cold start, where a share of every round
    // is links never asked for before (loadtest/FIGURES.md, fourteenth pass).
    const coldStart = 'caches seconds old';
    const [flatOut, flatOutBefore] = await pair({ caches: coldStart, tag: '' }, sides);
    const rate = Math.round(flatOut!.small.okRps / 2);
    const [fixedRatePair, fixedRateBefore] = await pair({ rate, caches: coldStart, tag: `@${rate}` }, sides);
    const fixedRate = { rate, ...fixedRatePair! };
    if (flatOutBefore && fixedRateBefore) baselineScale = { flatOut: flatOutBefore, fixedRate: fixedRateBefore };
    // Then flat out with the caches as steady traffic leaves them: a link stays in Redis (and in
    // a replica's LRU, within its bound) for the links' cache TTL after it was read, so a service
    // that has run that long holds every link that the TTL's worth of traffic (at the rate the
    // small set reached) asked for. Those links go into Redis as the replicas' cold reads write
    // them, the least popular first; the head through the stack; then one unmeasured run of the
    // traffic itself.
    const draws = Math.round(byId.cached!.okRps * LINK_CACHE_TTL_S);
    const touched = touchedRanks(large, TRAFFIC_ZIPF_EXPONENT, draws, seededRng(large));
    log(`warming the caches as ${LINK_CACHE_TTL_S} s of traffic at ${fmtInt(byId.cached!.okRps)} req/s leaves them:`
      + ` ${fmtInt(touched.length)} of the ${fmtInt(large)} links into Redis ...`);
    const warmth = await warmRedis(cachedStack, rankedSubset(bigLinks, touched));
    const mem = warmth.redis;
    log(`  ${warmth.seconds.toFixed(0)} s; Redis holds ${fmtInt(warmth.held)} of them, ${mem.usedMb.toFixed(0)} of ${mem.maxMb.toFixed(0)} MB`
      + ` (${fmtInt(Math.round(mem.usedMb * 2 ** 20 / Math.max(1, warmth.held)))} bytes a link), ${fmtInt(mem.evictedKeys)} keys evicted`);
    // The head through the stack, twice, the least popular first: each replica's LRU is left
    // holding the most asked-for links, as steady traffic leaves it.
    const lruMax = cachedStack.config.cache.lruMax;
    const head = rankedSubset(bigLinks, touched.subarray(Math.max(0, touched.length - lruMax)));
    log(`  the ${fmtInt(head.size)} most asked-for through the stack (each replica's LRU holds ${fmtInt(lruMax)}) ...`);
    await warmUp(cachedStack.url, head, { ...CACHED_WARM, concurrency: WARM_CONCURRENCY });
    // Their clicks' roll-ups applied and the tables they grew vacuumed, as a service that has
    // run a day has them, not a fresh million-row autovacuum in the measured rounds.
    await probes.get(cachedStack)!.settled(WARM_SETTLE_MS);
    log('  settled');
    await measure(thisSide.big, o.duration);
    const steady = 'caches as steady traffic leaves them';
    const [steadyPair] = await pair({ caches: steady, tag: '@steady', reference: target('proxyCeiling') });
    const steadyCaches = { draws, touched: touched.length, warm: warmth, ...steadyPair! };
    scale = { ...flatOut!, copyRowsPerS, fixedRate, steadyCaches };
  }

  console.log(`\n== bench: ${o.replicas} replicas, ${o.connections} connections, ${o.duration}s x ${o.rounds} alternated rounds (medians)`);
  console.log(renderBench(figures, rt, extra));
  // Aims 2 and 3 are CPU time per request (/proc), which holds on a busy machine; aim 1 is throughput.
  const aimResults = aims(byId);
  console.log(['', "issue 13's aims (this run):", ...renderAims(aimResults)].join('\n'));
  if (baselineDir) {
    const sets = `p99 with ${fmtInt(large)} links / with ${fmtInt(o.links)}`;
    const scaleRows = scale && baselineScale ? [
      { name: `4 flat out, caches seconds old: ${sets}`, before: baselineScale.flatOut.p99Ratio, after: scale.p99Ratio },
      { name: `4 at ${fmtInt(scale.fixedRate.rate)} req/s, caches seconds old: ${sets}`, before: baselineScale.fixedRate.p99Ratio, after: scale.fixedRate.p99Ratio },
    ] : [];
    console.log(['', ...renderBeforeAfter(byId, baselineDir, scaleRows)].join('\n'));
    // The steady caches are written into Redis in this checkout's entry format (warmRedis).
    if (scale) console.log("  (aim 4 with steady caches is this checkout's only: they are warmed in this code's Redis format)");
  }
  if (o.duration * 1000 < APP_DEFAULTS.clickRollupDelayMs) {
    // A short run is a burst: its one apply and the background it sets off (page-marks rounds,
    // autovacuum) weigh on few clicks. Sustained load spreads them.
    console.log(`  (runs of ${o.duration} s, shorter than the ${APP_DEFAULTS.clickRollupDelayMs / 1000} s roll-up delay, measure aim 2 on bursts; ` +
      `--duration ${APP_DEFAULTS.clickRollupDelayMs / 1000} or npm run bench:pg measure it under sustained load)`);
  }
  if (o.json) {
    writeFileSync(o.json, `${JSON.stringify({
      startedAt, replicas: o.replicas, connections: o.connections, durationS: o.duration, rounds: o.rounds,
      figures, ratios: rt, aims: aimResults, scale,
      ...(baselineDir ? { baseline: { dir: baselineDir, aims: aims({ ...byId, cached: byId.baseline }), scale: baselineScale } } : {}), pgbouncer: { poolSize, burstConnections: burstConns, serverConnectionsMax: burst.pgServerConnections },
    }, null, 2)}\n`);
    console.log(`\njson: ${o.json}`);
  }
} finally {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

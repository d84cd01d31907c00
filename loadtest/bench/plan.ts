// The benchmark's figures, their medians over alternated rounds, the ratios against the
// ceilings, and the table: pure, so the arithmetic is tested apart from the noisy measuring.
import type { Summary } from '../lib/aggregate.js';
import { APP_CPU_RATIO_AIM, CACHED_OVER_PROXY_AIM, CACHED_P99_OVER_PROXY_AIM, PG_US_PER_CLICK_AIM, PROGRAM, SCALE_P99_AIM } from '../lib/aims.js';
import { LOAD_GENERATOR } from '../lib/cpu.js';
import { fmtInt, fmtMs, fmtRate, formatTable } from '../lib/table.js';

export const FIGURES = {
  nginxStatic: '1 nginx answering a static 302 itself',
  proxyCeiling: '2 nginx -> bare Fastify (Map)',
  cached: '3 Shortstack redirect, cached',
  lruOff: '4 Shortstack redirect, in-process cache off',
  create: '5 Shortstack link creation',
  /** With --baseline: figure 3 served by another commit's stack, in the same rounds. */
  baseline: "3 before: the --baseline checkout's redirect, cached",
} as const;
export type FigureId = keyof typeof FIGURES | `scale:${string}`;

/** What one measured run contributes. */
export interface Sample {
  okRps: number;
  p50: number;
  p99: number;
  failed: number;
  requests: number;
  /** Most PostgreSQL server connections seen during the run (stack runs only). */
  pgServerConnections?: number | undefined;
  /** CPU cores used during the run, by program (load generator, nginx, node, postgres, ...). */
  cores?: Record<string, number> | undefined;
  /** CPU seconds by program over the run and the settle time after it (its clicks' flush), less the idle background. */
  cpuSeconds?: Record<string, number> | undefined;
}

export function sampleOf(s: Summary, pgServerConnections?: number, cores?: Record<string, number>, cpuSeconds?: Record<string, number>): Sample {
  return { okRps: s.okThroughput, p50: s.latency.p50, p99: s.latency.p99, failed: s.failed, requests: s.requests, pgServerConnections, cores, cpuSeconds };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface FigureResult {
  id: FigureId;
  label: string;
  rounds: number;
  okRps: number;
  p50: number;
  p99: number;
  /** Across every round: failures are reported, never averaged away. */
  failed: number;
  requests: number;
  pgServerConnectionsMax?: number | undefined;
  /** Median cores per program over the rounds. */
  cores: Record<string, number>;
  samples: Sample[];
}

function medianCores(samples: readonly Sample[]): Record<string, number> {
  const programs = new Set(samples.flatMap((s) => Object.keys(s.cores ?? {})));
  return Object.fromEntries([...programs].map((p) => [p, median(samples.map((s) => s.cores?.[p] ?? 0))]));
}

export function combine(id: FigureId, label: string, samples: readonly Sample[]): FigureResult {
  const pg = samples.map((s) => s.pgServerConnections).filter((n): n is number => n !== undefined);
  return {
    id, label, rounds: samples.length,
    okRps: median(samples.map((s) => s.okRps)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
    failed: samples.reduce((n, s) => n + s.failed, 0),
    requests: samples.reduce((n, s) => n + s.requests, 0),
    pgServerConnectionsMax: pg.length ? Math.max(...pg) : undefined,
    cores: medianCores(samples),
    samples: [...samples],
  };
}

export interface Ratios {
  /** 3/2: how close Shortstack comes to the proxy ceiling (aim >= 0.8). */
  cachedOverProxy: number;
  /** 4/2 */
  lruOffOverProxy: number;
  /** 3/1 */
  cachedOverNginx: number;
}

export function ratios(figs: Record<string, FigureResult | undefined>): Ratios {
  const r = (a?: FigureResult, b?: FigureResult) => (a && b && b.okRps > 0 ? a.okRps / b.okRps : 0);
  return {
    cachedOverProxy: r(figs.cached, figs.proxyCeiling),
    lruOffOverProxy: r(figs.lruOff, figs.proxyCeiling),
    cachedOverNginx: r(figs.cached, figs.nginxStatic),
  };
}

/** p99 of the larger link set over the smaller one's (aim <= 1.2). */
export function scaleP99Ratio(small: FigureResult, large: FigureResult): number {
  return small.p99 > 0 ? large.p99 / small.p99 : 0;
}

/**
 * The same ratio round by round: the two sets run back to back in each round, so a round's pair
 * meets the same host, and the spread shows what the medians' ratio hides when the host changes
 * speed between rounds.
 */
export function roundP99Ratios(small: readonly Sample[], large: readonly Sample[]): number[] {
  return roundRatios(large, small, (s) => s.p99);
}

/**
 * A figure of each round of `over` against one of the same round of `under`, over the rounds both
 * ran (0 where either has no figure): each round's pair met the same host.
 */
function roundRatios(over: readonly Sample[], under: readonly Sample[], figure: (s: Sample) => number | undefined, underFigure = figure): number[] {
  return over.slice(0, under.length).map((s, i) => {
    const a = figure(s);
    const b = underFigure(under[i]!);
    return a && b ? a / b : 0;
  });
}

/**
 * Another stack's programs, idle meanwhile, with what their servers run (`postgres (other stack):
 * archive_command`): never in a stack's CPU figures.
 */
const NOT_THE_TARGETS = / \(other stack\)(?::|$)/;
/** The instrument: the bench's own processes. */
const INSTRUMENT: readonly string[] = [LOAD_GENERATOR, PROGRAM.benchProbe];
/** Whether a program's CPU is the stack's under test (not another stack's, not the instrument's). */
const isStackProgram = (p: string): boolean => !NOT_THE_TARGETS.test(p) && !INSTRUMENT.includes(p);

/**
 * The stack's own CPU microseconds per ok request in one round: every program the run measured
 * but the instrument (the load generator, the bench's probe) and another stack's processes.
 * Undefined when the round measured no CPU.
 */
export function stackUsPerRequest(s: Sample): number | undefined {
  const ok = s.requests - s.failed;
  if (!s.cpuSeconds || ok <= 0) return undefined;
  const seconds = Object.entries(s.cpuSeconds).filter(([p]) => isStackProgram(p)).reduce((n, [, v]) => n + v, 0);
  return (seconds / ok) * 1e6;
}

/**
 * The large set's stack CPU per ok request over the small set's, round by round (0 where a round
 * measured none). Flat out on shared cores a closed loop's latency follows what a request costs,
 * so beside roundP99Ratios it tells a dearer request from one that waits behind others.
 */
export function roundCpuRatios(small: readonly Sample[], large: readonly Sample[]): number[] {
  return roundRatios(large, small, stackUsPerRequest);
}

/**
 * How far the load generator's CPU per request may move between a round's two sides before the
 * round is marked as one the host changed speed in: it does the same work for a request of either
 * link set, so where it moves the host did (loadtest/FIGURES.md, twenty-eighth pass: 65 against 45 us).
 */
export const HOST_MOVED_BEYOND = 0.15;

/** The load generator's CPU microseconds per request (ok or not) in one round; undefined without a figure. */
export function generatorUsPerRequest(s: Sample): number | undefined {
  const seconds = s.cpuSeconds?.[LOAD_GENERATOR];
  return seconds !== undefined && s.requests > 0 ? (seconds / s.requests) * 1e6 : undefined;
}

/**
 * The large side's load-generator CPU per request over the small side's, round by round (0 where
 * a round has none): the control beside roundCpuRatios and roundP99Ratios.
 */
export function roundHostRatios(small: readonly Sample[], large: readonly Sample[]): number[] {
  return roundRatios(large, small, generatorUsPerRequest);
}

/** Whether a round's control ratio says the host changed speed between its two sides. */
export const hostMoved = (ratio: number): boolean => ratio > 0 && Math.abs(Math.log(ratio)) > Math.log(1 + HOST_MOVED_BEYOND);

/**
 * CPU microseconds one program spent per ok request, from each round's /proc time (CPU seconds
 * over the run and its settle time / ok requests), median over the rounds: process CPU time,
 * which a busy machine slows far less than it slows throughput. Undefined when no round
 * measured the program.
 */
export function cpuUsPerRequest(f: FigureResult, program: string): number | undefined {
  const perRound = f.samples.flatMap((s) => programUsPerRequest(s, program) ?? []);
  return perRound.length > 0 ? median(perRound) : undefined;
}

/** One program's CPU microseconds per ok request in one round; undefined without a figure or an ok request. */
function programUsPerRequest(s: Sample, program: string): number | undefined {
  const seconds = s.cpuSeconds?.[program];
  const ok = s.requests - s.failed;
  return seconds !== undefined && ok > 0 ? (seconds / ok) * 1e6 : undefined;
}

/**
 * A figure judged against its aim, printed with `digits` decimals or more: as many as it takes
 * for the printed number to read the way it is judged (0.7986 against >= 0.80 prints 0.799, not
 * a failing 0.80).
 */
export function judged(value: number, digits: number, aim: number, meets: (v: number, aim: number) => boolean): { figure: string; pass: boolean } {
  const pass = meets(value, aim);
  let d = digits;
  while (d < 6 && Number.isFinite(value) && meets(Number(value.toFixed(d)), aim) !== pass) d++;
  return { figure: value.toFixed(d), pass };
}
export const atLeast = (v: number, aim: number) => v >= aim;
export const atMost = (v: number, aim: number) => v <= aim;

/** `pass` undefined: a figure printed beside an aim's, judged by none. */
export interface AimResult { name: string; figure: string; pass: boolean | undefined }

/**
 * One program's CPU per ok request in each round of `a` over another's in the same round of `b`
 * (0 where either has no figure).
 */
export function roundProgramRatios(a: readonly Sample[], programA: string, b: readonly Sample[], programB: string): number[] {
  return roundRatios(a, b, (s) => programUsPerRequest(s, programA), (s) => programUsPerRequest(s, programB));
}

/** The cached redirect's ok req/s and p99 over the proxy ceiling's in the same round, round by round (0 where undefined). */
export function roundCeilingRatios(cached: readonly Sample[], ceiling: readonly Sample[]): { share: number[]; p99: number[] } {
  return { share: roundRatios(cached, ceiling, (s) => s.okRps), p99: roundRatios(cached, ceiling, (s) => s.p99) };
}

/**
 * Issue 13's aims 1-3 from the figures of one run: the cached redirect against the proxy
 * ceiling (throughput and p99), PostgreSQL's CPU per recorded click (every ok cached redirect
 * records one), and a replica's CPU per cached redirect against a bare server's per redirect.
 */
export function aims(figs: Record<string, FigureResult | undefined>): AimResult[] {
  const { cached, proxyCeiling } = figs;
  if (!cached || !proxyCeiling) return [];
  const out: AimResult[] = [];
  const share = proxyCeiling.okRps > 0 ? cached.okRps / proxyCeiling.okRps : 0;
  out.push({ name: `1 cached redirect / proxy ceiling, ok req/s (aim >= ${CACHED_OVER_PROXY_AIM.toFixed(2)})`, ...judged(share, 2, CACHED_OVER_PROXY_AIM, atLeast) });
  const p99 = proxyCeiling.p99 > 0 ? cached.p99 / proxyCeiling.p99 : Number.POSITIVE_INFINITY;
  out.push({ name: `1 cached redirect p99 / proxy ceiling p99 (aim <= ${CACHED_P99_OVER_PROXY_AIM.toFixed(2)})`, ...judged(p99, 2, CACHED_P99_OVER_PROXY_AIM, atMost) });
  if (cached.samples.length > 1 && proxyCeiling.samples.length > 1) {
    // The medians above may pair one round's figure with another's; a round's pair met the same host.
    const r = roundCeilingRatios(cached.samples, proxyCeiling.samples);
    out.push({
      name: '  beside it: round by round, ok req/s and p99 over the ceiling\'s in the same round',
      figure: `${r.share.map((x) => x.toFixed(2)).join(', ')}; ${r.p99.map((x) => x.toFixed(2)).join(', ')}`, pass: undefined,
    });
  }
  const pg = cpuUsPerRequest(cached, PROGRAM.postgres);
  if (pg !== undefined) out.push({ name: `2 PostgreSQL CPU per recorded click, us (aim <= ${PG_US_PER_CLICK_AIM})`, ...judged(pg, 1, PG_US_PER_CLICK_AIM, atMost) });
  const archiving = cpuUsPerRequest(cached, PROGRAM.archiving);
  if (pg !== undefined && archiving !== undefined) {
    out.push({ name: '  beside it: WAL archiving per recorded click, us (archive_command)', figure: archiving.toFixed(1), pass: undefined });
  }
  const probe = cpuUsPerRequest(cached, PROGRAM.benchProbe);
  if (pg !== undefined && probe !== undefined) {
    out.push({ name: "  beside it: the bench's own queries per recorded click, us (connection watch, roll-up wait)", figure: probe.toFixed(1), pass: undefined });
  }
  const app = cpuUsPerRequest(cached, PROGRAM.replica);
  const bare = cpuUsPerRequest(proxyCeiling, PROGRAM.bare);
  if (app !== undefined && bare !== undefined && bare > 0) {
    const ratio = judged(app / bare, 2, APP_CPU_RATIO_AIM, atMost);
    out.push({
      name: `3 replica CPU per cached redirect / bare server's (aim <= ${APP_CPU_RATIO_AIM.toFixed(2)})`,
      figure: `${ratio.figure} (${app.toFixed(1)} / ${bare.toFixed(1)} us)`, pass: ratio.pass,
    });
    const rounds = roundProgramRatios(cached.samples, PROGRAM.replica, proxyCeiling.samples, PROGRAM.bare);
    if (rounds.length > 1) out.push({ name: '  beside it: round by round, against the bare server in the same round', figure: rounds.map((x) => x.toFixed(2)).join(', '), pass: undefined });
  }
  return out;
}

export function renderAims(results: readonly AimResult[]): string[] {
  const width = Math.max(0, ...results.map((r) => r.name.length));
  return results.map((r) => `${r.name.padEnd(width)}  ${r.figure}${r.pass === undefined ? '' : r.pass ? '  PASS' : '  FAIL'}`);
}

/**
 * Issue 13's aims 1-3 before and after: the --baseline checkout's cached redirect (`baseline`)
 * and this checkout's (`cached`), measured in the same alternated rounds against the same proxy
 * ceiling, and aim 4's p99 ratios (`scale`, from pairs run in the same rounds); then each
 * program's CPU per ok request in both, us (medians of the rounds).
 */
export function renderBeforeAfter(figs: Record<string, FigureResult | undefined>, beforeName: string,
  scale: readonly { name: string; before: number; after: number }[] = []): string[] {
  const { baseline, cached } = figs;
  if (!baseline || !cached) return [];
  const before = aims({ ...figs, cached: baseline });
  const after = aims(figs);
  const verdict = (r?: AimResult) => (r ? `${r.figure}${r.pass === undefined ? '' : r.pass ? ' PASS' : ' FAIL'}` : '-');
  const scaleVerdict = (x: number) => verdict({ name: '', ...judged(x, 2, SCALE_P99_AIM, atMost) });
  const aimRows = [
    ...after.map((a) => [a.name.trim(), verdict(before.find((b) => b.name === a.name)), verdict(a)]),
    ...scale.map((r) => [`${r.name} (aim <= ${SCALE_P99_AIM.toFixed(2)})`, scaleVerdict(r.before), scaleVerdict(r.after)]),
  ];
  const programs = [...new Set([baseline, cached].flatMap((f) => f.samples.flatMap((s) => Object.keys(s.cpuSeconds ?? {}))))]
    .filter((p) => !NOT_THE_TARGETS.test(p));
  const us = (f: FigureResult, p: string) => cpuUsPerRequest(f, p) ?? 0;
  const cpuRows = programs
    .map((p) => ({ p, b: us(baseline, p), a: us(cached, p) }))
    .filter((r) => r.b >= 0.05 || r.a >= 0.05)
    .sort((x, y) => y.b + y.a - (x.b + x.a))
    .map((r) => [r.p, r.b.toFixed(1), r.a.toFixed(1), r.b > 0 ? `${(r.a / r.b).toFixed(2)}x` : '-']);
  // The stack's own: the load generator and the bench's probe are the instrument.
  const stackPrograms = programs.filter(isStackProgram);
  const total = (f: FigureResult) => stackPrograms.reduce((n, p) => n + us(f, p), 0);
  cpuRows.push(['the stack in all (load generator and probe left out)', total(baseline).toFixed(1), total(cached).toFixed(1), total(baseline) > 0 ? `${(total(cached) / total(baseline)).toFixed(2)}x` : '-']);
  return [
    `issue 13's aims, before (${beforeName}) and after (this checkout), alternated in the same rounds:`,
    formatTable(['aim', 'before', 'after'], aimRows),
    '',
    'CPU per ok cached redirect by program, us (medians of the rounds; clicks recorded):',
    formatTable(['program', 'before', 'after', 'after / before'], cpuRows),
  ];
}

export function renderBench(figures: readonly FigureResult[], rt: Ratios, extra: string[] = []): string {
  const table = formatTable(
    ['figure', 'ok req/s', 'p50 ms', 'p99 ms', 'failed', 'pg conns max', 'rounds'],
    figures.map((f) => [
      f.label, fmtRate(f.okRps), fmtMs(f.p50), fmtMs(f.p99), fmtInt(f.failed),
      f.pgServerConnectionsMax === undefined ? '-' : String(f.pgServerConnectionsMax), String(f.rounds),
    ]),
  );
  const cpu = figures
    .filter((f) => Object.keys(f.cores).length > 0)
    .map((f) => `  ${f.label}: ${Object.entries(f.cores)
      .filter(([, c]) => c >= 0.01)
      .sort((a, b) => b[1] - a[1])
      .map(([p, c]) => `${p} ${c.toFixed(2)}`)
      .join(', ')}`);
  return [
    table,
    ...(cpu.length ? ['', 'CPU cores used, by program (medians):', ...cpu] : []),
    '',
    `3/2 (cached redirect / proxy ceiling):        ${judged(rt.cachedOverProxy, 2, CACHED_OVER_PROXY_AIM, atLeast).figure}  (aim >= ${CACHED_OVER_PROXY_AIM.toFixed(2)})`,
    `4/2 (in-process cache off / proxy ceiling):   ${rt.lruOffOverProxy.toFixed(2)}`,
    `3/1 (cached redirect / nginx static ceiling): ${rt.cachedOverNginx.toFixed(2)}`,
    ...extra,
  ].join('\n');
}

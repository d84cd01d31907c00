// Where the CPU went during a measurement: the load generator (this process) and every server
// it started (descendants in the process tree), grouped by program name, from /proc. On a
// shared 2-core machine this says what a throughput figure was really limited by.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** cutime + cstime: the ticks of its children that have exited and been waited for. */
  reapedTicks: number;
  /** Its command line as it shows it (PostgreSQL's children name their role there: `postgres: archiver`). */
  title?: string;
}

/** /proc's clock ticks per second (USER_HZ, 100 on Linux): what ProcStat's ticks count in. */
export const TICKS_PER_SECOND = 100;

/** cpuByProgram's label for the root process unless told otherwise: the bench, which drives the load. */
export const LOAD_GENERATOR = 'load generator';

/**
 * The root's own helper: tsx (which runs the benches) keeps an esbuild service as its child to
 * compile what the bench imports. Its CPU is the instrument's, not a server's.
 */
const ROOT_HELPER = 'esbuild';

/** How a snapshot's processes are labelled (cpuByProgram). */
export interface Attribution {
  /** The root process's label. */
  rootLabel?: string;
  /** A process and every one below it under one label (two stacks' PostgreSQL clusters apart, both called postgres). */
  subtrees?: ReadonlyMap<number, string>;
  /** A process (below the root) and every one below it under the label this gives it, if any (a PostgreSQL child's role). */
  labelOf?: (p: ProcStat) => string | undefined;
  /**
   * Processes whose reaped children are another program: their children's time goes under
   * `<the process's label>: <label>`. PostgreSQL's archiver runs archive_command (pgBackRest)
   * once per WAL segment, a program of its own beside the server's processes.
   */
  reapedAs?: readonly { title: RegExp; label: string }[];
}

/** One /proc/PID/stat line. The name is in parentheses and may itself hold spaces or ')'. */
export function parseStat(line: string): ProcStat {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  const pid = Number(line.slice(0, open).trim());
  const comm = line.slice(open + 1, close);
  // Fields after the name start at field 3 (state); ppid is 4, utime 14, stime 15, cutime 16, cstime 17.
  const rest = line.slice(close + 2).split(' ');
  return { pid, ppid: Number(rest[1]), comm, ticks: Number(rest[11]) + Number(rest[12]), reapedTicks: Number(rest[13]) + Number(rest[14]) };
}

export function readProcs(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const p = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      p.title = readFileSync(`/proc/${name}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
      out.push(p);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return out;
}

/**
 * CPU ticks spent between two snapshots by the root process (labelled `rootLabel`) and each of
 * its descendants, grouped by program name. Processes born in between count from zero. A child
 * that exited in between (PostgreSQL's autovacuum workers come and go within seconds) is
 * counted through its parent's reaped-children time, under the parent's name, less what it had
 * spent before the first snapshot. Labels as `how` says; the root's esbuild service counts as
 * the root's.
 */
export function cpuByProgram(before: readonly ProcStat[], after: readonly ProcStat[], rootPid: number, how: Attribution = {}): Record<string, number> {
  const { rootLabel = LOAD_GENERATOR, subtrees = new Map<number, string>(), labelOf = () => undefined, reapedAs = [] } = how;
  const children = new Map<number, ProcStat[]>();
  for (const p of after) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const start = new Map(before.map((p) => [p.pid, p]));
  const alive = new Set(after.map((p) => p.pid));
  const goneTicksAtStart = new Map<number, number>();
  for (const p of before) if (!alive.has(p.pid)) goneTicksAtStart.set(p.ppid, (goneTicksAtStart.get(p.ppid) ?? 0) + p.ticks);
  const out: Record<string, number> = {};
  const root = after.find((p) => p.pid === rootPid);
  /** `named`: the label came from `subtrees` and holds for every process below. */
  const visit = (p: ProcStat, label: string, named: boolean) => {
    const s = start.get(p.pid);
    const reaped = p.reapedTicks - (s?.reapedTicks ?? 0) - (goneTicksAtStart.get(p.pid) ?? 0);
    const other = reapedAs.find((r) => r.title.test(p.title ?? ''));
    const reapedLabel = other ? `${label}: ${other.label}` : label;
    out[label] = (out[label] ?? 0) + Math.max(0, p.ticks - (s?.ticks ?? 0));
    out[reapedLabel] = (out[reapedLabel] ?? 0) + Math.max(0, reaped);
    for (const c of children.get(p.pid) ?? []) {
      const own = subtrees.get(c.pid) ?? labelOf(c) ?? (p === root && c.comm === ROOT_HELPER ? rootLabel : undefined);
      visit(c, own ?? (named ? label : c.comm), named || own !== undefined);
    }
  };
  if (root) visit(root, rootLabel, false);
  return out;
}

/**
 * Each program's idle rate from several short windows: its median, not its mean. An idle stack's
 * CPU comes in bursts (a page-marks round, autovacuum after the warm-up, a checkpoint): one 5 s
 * window of a loopback cluster read 0.002-0.010 cores most of the time and 0.048-0.062 when a
 * burst fell in it. The burst is work some load set off, which a run's own window counts; the
 * polling underneath is what every window pays. A program missing from a window idled at 0 there.
 */
export function baselineCores(windows: readonly Record<string, number>[]): Record<string, number> {
  const programs = new Set(windows.flatMap((w) => Object.keys(w)));
  return Object.fromEntries([...programs].map((p) => {
    const v = windows.map((w) => w[p] ?? 0).sort((a, b) => a - b);
    const mid = v.length >> 1;
    return [p, v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2];
  }));
}

/**
 * CPU seconds by program less what the programs burn when idle (polling, timers, autovacuum:
 * `idleCores`, measured with no load) over the same window, never below zero. At a few thousand
 * requests a second on a busy machine that background is a large share of a per-request figure.
 */
export function netOfIdle(seconds: Record<string, number>, idleCores: Record<string, number>, windowS: number): Record<string, number> {
  return Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, Math.max(0, v - (idleCores[k] ?? 0) * windowS)]));
}

/**
 * Measures the CPU of this process tree around `fn`; cores used = seconds of CPU per second of
 * `fn`. `seconds` is CPU time per program until `settle` after `fn` ends (that many ms, or until
 * it resolves): work that `fn` set off and that finishes later (a replica's click flush, at most
 * one interval after the click; its roll-up counts, a delay after that) still belongs to it.
 * `how` as in cpuByProgram.
 */
export async function withCpu<T>(fn: () => Promise<T>, ticksPerSecond = TICKS_PER_SECOND, settle: number | (() => Promise<unknown>) = 0, how: Attribution = {}): Promise<{ result: T; cores: Record<string, number>; seconds: Record<string, number>; windowS: number }> {
  const before = readProcs();
  const t0 = Date.now();
  const result = await fn();
  const elapsedS = (Date.now() - t0) / 1000;
  const ended = readProcs();
  const ticks = cpuByProgram(before, ended, process.pid, how);
  const cores = Object.fromEntries(Object.entries(ticks).map(([k, v]) => [k, v / ticksPerSecond / elapsedS]));
  const settles = typeof settle === 'function' || settle > 0;
  if (typeof settle === 'function') await settle();
  else if (settle > 0) await new Promise((r) => setTimeout(r, settle));
  const settled = settles ? cpuByProgram(before, readProcs(), process.pid, how) : ticks;
  const seconds = Object.fromEntries(Object.entries(settled).map(([k, v]) => [k, v / ticksPerSecond]));
  return { result, cores, seconds, windowS: (Date.now() - t0) / 1000 };
}

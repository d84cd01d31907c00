// Pure reading of V8 CPU profiles (node --cpu-prof, .cpuprofile JSON): cut to the time windows a
// load ran in (a replica's start-up, tsx compiling the app, would otherwise dominate), self and
// total time per function and per package, and folded stacks for a flame graph
// (flamegraph.pl, speedscope). Times are microseconds of the profile's clock, which on Linux is
// CLOCK_MONOTONIC, the clock of process.hrtime() in any process of the machine.

export interface CallFrame { functionName: string; scriptId: string | number; url: string; lineNumber: number; columnNumber: number }
export interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[]; positionTicks?: unknown }
export interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface Window { fromUs: number; toUs: number }

interface TimedSample { node: number; atUs: number; weightUs: number }

/** Every sample with its time and its weight: the time until the next sample (the last: the mean). */
function timedSamples(p: CpuProfile): TimedSample[] {
  const out: TimedSample[] = [];
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    out.push({ node: p.samples[i]!, atUs: at, weightUs: 0 });
  }
  for (let i = 0; i < out.length - 1; i++) out[i]!.weightUs = out[i + 1]!.atUs - out[i]!.atUs;
  if (out.length > 0) out[out.length - 1]!.weightUs = out.length > 1 ? (out[out.length - 1]!.atUs - out[0]!.atUs) / (out.length - 1) : 0;
  return out;
}

/**
 * The profile with only the samples taken inside the windows (node tree kept, hit counts
 * recounted), the windows joined end to end: each kept sample keeps its own duration, so the
 * gaps between windows weigh nothing.
 */
export function sliceProfile(p: CpuProfile, windows: readonly Window[]): CpuProfile {
  const inside = (t: number) => windows.some((w) => t >= w.fromUs && t <= w.toUs);
  const kept = timedSamples(p).filter((s) => inside(s.atUs));
  const hits = new Map<number, number>();
  for (const s of kept) hits.set(s.node, (hits.get(s.node) ?? 0) + 1);
  const startTime = kept[0]?.atUs ?? p.startTime;
  return {
    nodes: p.nodes.map((n) => ({ ...n, hitCount: hits.get(n.id) ?? 0 })),
    startTime,
    endTime: startTime + kept.reduce((sum, s) => sum + s.weightUs, 0),
    samples: kept.map((s) => s.node),
    timeDeltas: kept.map((_, i) => (i === 0 ? 0 : kept[i - 1]!.weightUs)),
  };
}

/** Sum of the sample weights, in microseconds. */
export function sampledUs(p: CpuProfile): number {
  return timedSamples(p).reduce((sum, s) => sum + s.weightUs, 0);
}

/** Each node's own sampled time (its self time), in microseconds. */
export function selfUsByNode(p: CpuProfile): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of timedSamples(p)) out.set(s.node, (out.get(s.node) ?? 0) + s.weightUs);
  return out;
}

/**
 * Where a frame's code lives, short: a path below the repository for its own code, `pkg/file`
 * for a package (node_modules), `node:...` for Node's own.
 */
export function whereOf(url: string, repoRoot: string): string {
  if (url === '') return '';
  let path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const root = repoRoot.endsWith('/') ? repoRoot : `${repoRoot}/`;
  if (path.startsWith(root)) path = path.slice(root.length);
  return path;
}

/** The package (or area) a frame belongs to: a package name, `node`, `app/src/...`'s folder, or V8's own (program, GC). */
export function areaOf(frame: CallFrame, repoRoot: string): string {
  const where = whereOf(frame.url, repoRoot);
  if (where === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (where.startsWith('node:')) return 'node';
  if (frame.url.includes('/node_modules/')) {
    const parts = where.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const dirs = where.split('/');
  return dirs.length > 1 ? dirs.slice(0, -1).join('/') : where;
}

export function frameLabel(frame: CallFrame, repoRoot: string): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  const where = whereOf(frame.url, repoRoot);
  return where === '' ? name : `${name} ${where}:${frame.lineNumber + 1}`;
}

export interface TimeEntry { label: string; selfUs: number; totalUs: number }

/**
 * Self and total time per label (`by` maps a frame to its label: a function, a package). Total
 * time counts a sample once per label however deep the recursion.
 */
export function timesBy(p: CpuProfile, by: (frame: CallFrame) => string): TimeEntry[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const labelOf = new Map(p.nodes.map((n) => [n.id, by(n.callFrame)]));
  const entries = new Map<string, TimeEntry>();
  const entry = (label: string) => {
    let e = entries.get(label);
    if (!e) entries.set(label, (e = { label, selfUs: 0, totalUs: 0 }));
    return e;
  };
  for (const s of timedSamples(p)) {
    if (!byId.has(s.node)) continue;
    entry(labelOf.get(s.node)!).selfUs += s.weightUs;
    const seen = new Set<string>();
    for (let id: number | undefined = s.node; id !== undefined; id = parent.get(id)) {
      const label = labelOf.get(id)!;
      if (seen.has(label)) continue;
      seen.add(label);
      entry(label).totalUs += s.weightUs;
    }
  }
  return [...entries.values()].sort((a, b) => b.selfUs - a.selfUs);
}

/** One line per distinct stack, root first: `a;b;c <microseconds>` (Brendan Gregg's folded format). */
export function foldedStacks(p: CpuProfile, repoRoot: string): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const lines: string[] = [];
  for (const [id, us] of selfUsByNode(p)) {
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node && node.callFrame.functionName !== '(root)') stack.push(frameLabel(node.callFrame, repoRoot).replace(/;/g, ','));
    }
    lines.push(`${stack.reverse().join(';')} ${Math.round(us)}`);
  }
  return `${lines.sort().join('\n')}\n`;
}

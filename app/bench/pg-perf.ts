// PostgreSQL's CPU taken apart by what its processes were doing, from `perf script` samples
// (bench:pg --perf). A sample is one stack; it is charged to the work a frame of it names (the
// COPY, the data-modifying CTEs, planning, a background process, ...) and, within that, to the
// part its innermost known frame names (index entries, heap rows, parsing, WAL, ...). Names are the
// server's exported functions, so the packaged binary serves without debug symbols. Pure.

/** A sample's function names, innermost (the running function) first. */
export type Frames = readonly string[];

/** What work a sample was part of: the first of these, in this order, that is anywhere on its stack. */
const WORK: readonly (readonly [frame: string, label: string])[] = [
  ['CheckpointerMain', 'checkpointer'],
  ['BackgroundWriterMain', 'background writer'],
  ['WalWriterMain', 'WAL writer'],
  ['AutoVacuumWorkerMain', 'autovacuum'],
  ['AutoVacuumLauncherMain', 'autovacuum'],
  ['PgArchiverMain', 'archiver'],
  ['CopyFrom', 'COPY (the flush\'s rows)'],
  ['standard_ExecutorFinish', 'data-modifying CTEs (roll-up upserts, page marks)'],
  ['pg_plan_queries', 'planning'],
  ['pg_analyze_and_rewrite_fixedparams', 'planning'],
  ['exec_parse_message', 'planning'],
  ['standard_ExecutorRun', 'queries'],
  ['CommitTransactionCommand', 'commit'],
  ['secure_read', 'reading from clients'],
  ['secure_write', 'writing to clients'],
];

/** What the work spent the sample on: the innermost frame of its stack that is one of these. */
const PART: ReadonlyMap<string, string> = new Map([
  ['XLogFileInit', 'new WAL segments zero-filled'],
  ['mdextend', 'files extended (a page at a time)'],
  ['ExecCheckIndexConstraints', 'conflict checks (ON CONFLICT)'],
  ['ExecInsertIndexTuples', 'index entries'],
  ['heap_multi_insert', 'heap rows'],
  ['heap_insert', 'heap rows'],
  ['heap_update', 'heap rows'],
  ['heap_lock_tuple', 'heap rows'],
  ['array_in', 'parsing arrays'],
  ['NextCopyFrom', 'parsing COPY text'],
  ['nextval_internal', 'ids (nextval)'],
  ['XLogInsert', 'WAL records'],
  ['XLogFlush', 'WAL writes'],
  ['XLogBackgroundFlush', 'WAL writes'],
  ['mdwrite', 'page writes'],
  ['tuplesort_performsort', 'sorting'],
  ['tuplesort_puttupleslot', 'sorting'],
  ['tuplesort_gettupleslot', 'sorting'],
  ['ExecScan', 'scans'],
  ['epoll_wait', 'waiting'],
]);

export interface Share { work: string; part: string; samples: number }

/** Samples per (work, part), most first; a stack with no known frame is ('other', 'other'). */
export function attribute(samples: Iterable<Frames>): Share[] {
  const counts = new Map<string, Share>();
  for (const frames of samples) {
    const work = WORK.find(([frame]) => frames.includes(frame))?.[1] ?? 'other';
    const part = frames.map((f) => PART.get(f)).find((p) => p !== undefined) ?? 'other';
    const key = `${work}\u0000${part}`;
    const s = counts.get(key) ?? { work, part, samples: 0 };
    s.samples++;
    counts.set(key, s);
  }
  return [...counts.values()].sort((a, b) => b.samples - a.samples);
}

/**
 * The stacks of `comm`'s samples in `perf script -F comm,ip,sym` output: a sample's first line
 * names its process, each line after it a frame (address, then symbol, or [unknown]), a blank
 * line after each sample.
 */
export function perfScriptStacks(text: string, comm: string): Frames[] {
  const out: Frames[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0 || lines[0]!.trim() !== comm) continue;
    out.push(lines.slice(1).map((l) => l.trim().split(/\s+/)[1] ?? '[unknown]'));
  }
  return out;
}

/** The shares as lines: each work's total, then its parts of 0.5% or more; `usPerSample` is what a sample stands for (us per click). */
export function renderShares(shares: readonly Share[], usPerSample: number): string[] {
  const total = shares.reduce((n, s) => n + s.samples, 0);
  if (total === 0) return ['  (no samples)'];
  const works = new Map<string, Share[]>();
  for (const s of shares) works.set(s.work, [...(works.get(s.work) ?? []), s]);
  const line = (label: string, n: number) => `${(n * usPerSample).toFixed(2).padStart(8)} ${((100 * n) / total).toFixed(1).padStart(6)}%  ${label}`;
  const lines: string[] = [];
  const byWork = [...works].map(([work, parts]) => ({ work, parts, n: parts.reduce((m, p) => m + p.samples, 0) })).sort((a, b) => b.n - a.n);
  for (const { work, parts, n } of byWork) {
    lines.push(line(work, n));
    for (const p of parts) if (p.samples / total >= 0.005) lines.push(line(`  ${p.part}`, p.samples));
  }
  return lines;
}

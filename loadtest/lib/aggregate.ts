// Everything a run observed, folded into totals, per-operation counts and a per-second series
// (throughput and p99 over time). Fed by the runner; read by the table, the chart, the JSON
// report and the chaos checks.
import { ERROR_KINDS, OPS, OUTCOMES, type ErrorKind, type Op, type Outcome } from './classify.js';
import { Histogram } from './histogram.js';

export interface OpCounts {
  requests: number;
  ok: number;
  failed: number;
  outcomes: Record<Outcome, number>;
  errors: Record<ErrorKind, number>;
}

export interface SeriesPoint {
  /** Seconds since the start of the run (the bucket's start). */
  t: number;
  requests: number;
  ok: number;
  failed: number;
  p99Ms: number;
  maxMs: number;
}

export interface Mark {
  label: string;
  t: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface Summary {
  durationS: number;
  /** Responses plus transport errors. */
  requests: number;
  ok: number;
  failed: number;
  /** Responses per second, whatever their status. */
  throughput: number;
  /** Successful requests per second: the figure to quote. */
  okThroughput: number;
  latency: LatencySummary;
  statusCounts: Record<string, number>;
  outcomes: Record<Outcome, number>;
  errors: Record<ErrorKind, number>;
  /**
   * Requests the load generator wrote on a connection whose last response said
   * `Connection: close` (nginx does after keepalive_requests), lost when the server's close
   * crossed them. autocannon does not honour the header; a real client would not have sent them,
   * and no server ever read them: not failures, and not in `requests`.
   */
  sentAfterClose: number;
  byOp: Record<Op, OpCounts>;
  series: SeriesPoint[];
  marks: Mark[];
}

const zeros = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

function emptyOp(): OpCounts {
  return { requests: 0, ok: 0, failed: 0, outcomes: zeros(OUTCOMES), errors: zeros(ERROR_KINDS) };
}

interface Second {
  requests: number;
  ok: number;
  failed: number;
  hist: Histogram;
}

export class Recorder {
  private readonly total = new Histogram();
  private readonly seconds: Second[] = [];
  private readonly statusCounts: Record<string, number> = {};
  private readonly byOp = Object.fromEntries(OPS.map((op) => [op, emptyOp()])) as Record<Op, OpCounts>;
  private readonly marks: Mark[] = [];
  private sentAfterClose = 0;

  constructor(readonly startMs: number = Date.now()) {}

  private second(atMs: number): Second {
    const i = Math.max(0, Math.floor((atMs - this.startMs) / 1000));
    while (this.seconds.length <= i) this.seconds.push({ requests: 0, ok: 0, failed: 0, hist: new Histogram() });
    return this.seconds[i]!;
  }

  response(op: Op, outcome: Outcome, status: number, latencyMs: number, atMs = Date.now()): void {
    const ok = outcome === 'ok';
    const sec = this.second(atMs);
    sec.requests += 1;
    sec.hist.record(latencyMs);
    this.total.record(latencyMs);
    this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
    const c = this.byOp[op];
    c.requests += 1;
    c.outcomes[outcome] += 1;
    if (ok) {
      sec.ok += 1;
      c.ok += 1;
    } else {
      sec.failed += 1;
      c.failed += 1;
    }
  }

  error(op: Op, kind: ErrorKind, atMs = Date.now()): void {
    const sec = this.second(atMs);
    sec.requests += 1;
    sec.failed += 1;
    const c = this.byOp[op];
    c.requests += 1;
    c.failed += 1;
    c.errors[kind] += 1;
  }

  /** A request lost because the client wrote it after the server announced `Connection: close`. */
  afterClose(): void {
    this.sentAfterClose += 1;
  }

  /** Running totals for the progress line. */
  live(): { requests: number; failed: number } {
    let requests = 0;
    let failed = 0;
    for (const c of Object.values(this.byOp)) {
      requests += c.requests;
      failed += c.failed;
    }
    return { requests, failed };
  }

  /** A moment worth seeing on the chart and in the report (a fault injected, a service back). */
  mark(label: string, atMs = Date.now()): void {
    this.marks.push({ label, t: (atMs - this.startMs) / 1000 });
  }

  summary(endMs = Date.now()): Summary {
    const durationS = Math.max(0.001, (endMs - this.startMs) / 1000);
    const outcomes = zeros(OUTCOMES);
    const errors = zeros(ERROR_KINDS);
    let requests = 0;
    let ok = 0;
    let failed = 0;
    for (const c of Object.values(this.byOp)) {
      requests += c.requests;
      ok += c.ok;
      failed += c.failed;
      for (const o of OUTCOMES) outcomes[o] += c.outcomes[o];
      for (const e of ERROR_KINDS) errors[e] += c.errors[e];
    }
    const t = this.total;
    return {
      durationS,
      requests,
      ok,
      failed,
      throughput: t.count / durationS,
      okThroughput: ok / durationS,
      latency: { p50: t.percentile(50), p90: t.percentile(90), p99: t.percentile(99), max: t.max, mean: t.mean() },
      statusCounts: { ...this.statusCounts },
      outcomes,
      errors,
      sentAfterClose: this.sentAfterClose,
      byOp: structuredClone(this.byOp),
      series: this.seconds.map((s, i) => ({
        t: i, requests: s.requests, ok: s.ok, failed: s.failed, p99Ms: s.hist.percentile(99), maxMs: s.hist.max,
      })),
      marks: [...this.marks],
    };
  }
}

/**
 * The seconds of the series the run covered whole. The last bucket is cut short when the run
 * ends mid-second: its counts are a sliver of a second's, and would read as a collapse.
 */
export function wholeSeconds(series: readonly SeriesPoint[], durationS: number): SeriesPoint[] {
  // A hair of slack: a run stopped on autocannon's one-second tick ends a millisecond early or late.
  return series.filter((p) => p.t + 1 <= durationS + 0.005);
}

/** Failed requests of one operation, whatever the kind (status or transport). */
export function failuresOf(summary: Summary, op: Op): number {
  return summary.byOp[op].failed;
}

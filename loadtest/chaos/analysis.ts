// Pure readings of a chaos run: how long traffic took to come back after the fault, what /ready
// said meanwhile, and the click and created-link accounting.
import { wholeSeconds, type SeriesPoint } from '../lib/aggregate.js';

export interface Recovery {
  /** Median successful requests per second before the fault. */
  baselineOkRps: number;
  /** Seconds (since the start of the run) in which the component was down or being replaced. */
  downSeconds: number[];
  /** Seconds after the fault in which a request failed or ok throughput fell under half the baseline. */
  trafficDisturbedSeconds: number[];
  /** Either of the above: the disturbed time the summary reports and the chart shades. */
  disturbedSeconds: number[];
  /** Ok throughput over the disturbed seconds against the baseline; undefined when none was judged. */
  drop: ThroughputDrop | undefined;
  /** When traffic was normal again for good; undefined when it never was before the end. */
  recoveredAtS: number | undefined;
  /** From the component being back to traffic being normal (0 when traffic never suffered). */
  timeToRecoverS: number | undefined;
}

export interface ThroughputDrop {
  meanOkRps: number;
  lowestOkRps: number;
  /** The second of the lowest ok throughput. */
  lowestAtS: number;
}

/**
 * When the fault was in force: from `downFromS` (the fault, or the moment a drill destroyed the
 * data) to `restoreAtS` (the component back, or the rollout over).
 */
export interface FaultWindow {
  faultAtS: number;
  downFromS: number;
  restoreAtS: number;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Reads a chaos run's per-second series against its fault window. A second is disturbed while
 * the component is down (nginx may hide a dead replica, but the stack runs short of it) and
 * whenever any request failed or successful throughput fell under half the baseline (half, not
 * 90%: the machine is shared and a noisy neighbour must not read as a fault). The first second
 * (connection ramp-up) is not in the baseline; a last second the run cut short is not judged.
 */
export function recovery(series: readonly SeriesPoint[], durationS: number, w: FaultWindow): Recovery {
  const before = series.filter((p) => p.t >= 1 && p.t + 1 <= w.faultAtS).map((p) => p.ok);
  const baselineOkRps = median(before.length ? before : series.slice(0, 1).map((p) => p.ok));
  const judged = wholeSeconds(series, durationS).filter((p) => p.t + 1 > w.faultAtS);
  const downSeconds = judged.filter((p) => p.t < w.restoreAtS && p.t + 1 > w.downFromS).map((p) => p.t);
  const trafficDisturbedSeconds = judged.filter((p) => p.failed > 0 || p.ok < 0.5 * baselineOkRps).map((p) => p.t);
  const disturbedSeconds = [...new Set([...downSeconds, ...trafficDisturbedSeconds])].sort((a, b) => a - b);
  const disturbed = judged.filter((p) => disturbedSeconds.includes(p.t));
  const lowest = disturbed.reduce<SeriesPoint | undefined>((lo, p) => (lo === undefined || p.ok < lo.ok ? p : lo), undefined);
  const drop = lowest && {
    meanOkRps: disturbed.reduce((n, p) => n + p.ok, 0) / disturbed.length,
    lowestOkRps: lowest.ok,
    lowestAtS: lowest.t,
  };
  const base = { baselineOkRps, downSeconds, trafficDisturbedSeconds, disturbedSeconds, drop };
  // Recovery is the traffic's: from the component being back to the first second from which
  // traffic was normal for good.
  const last = trafficDisturbedSeconds.at(-1);
  if (last === undefined) return { ...base, recoveredAtS: w.faultAtS, timeToRecoverS: 0 };
  if (last === judged.at(-1)!.t) return { ...base, recoveredAtS: undefined, timeToRecoverS: undefined };
  const recoveredAtS = last + 1;
  return { ...base, recoveredAtS, timeToRecoverS: Math.max(0, recoveredAtS - w.restoreAtS) };
}

export interface ReadySample {
  t: number;
  httpStatus: number;
  /** The body's status: ok | degraded | unavailable, or 'error' when /ready did not answer JSON. */
  status: string;
}

/** What /ready said between two moments (seconds since the start). */
export function readyStatesBetween(samples: readonly ReadySample[], fromS: number, toS: number): Set<string> {
  return new Set(samples.filter((s) => s.t >= fromS && s.t < toS).map((s) => s.status));
}

export interface ClickAccounting {
  /** Redirects the load generator saw succeed (warm-up pass included). */
  served: number;
  /** The seeded links' click events, once the replicas' flushes settled. */
  recorded: number;
  /**
   * Read together once the roll-ups caught up (or after a bound): the seeded links' click events
   * then (in-flight clicks may have landed since `recorded`) and their counts in the roll-ups.
   */
  rollups: { events: number; counted: number };
}

/**
 * Clicks lost: served but never recorded. Recorded may exceed served by the requests in flight
 * when the run stopped (the server answered them; the load generator no longer counted them).
 */
export function clicksLost(c: Pick<ClickAccounting, 'served' | 'recorded'>): number {
  return Math.max(0, c.served - c.recorded);
}

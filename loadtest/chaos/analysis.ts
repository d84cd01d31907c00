// Pure readings of a chaos run: how long traffic took to come back after the fault, what /ready
// said meanwhile, and the click and created-link accounting.
import type { SeriesPoint } from '../lib/aggregate.js';

export interface Recovery {
  /** Median successful requests per second before the fault. */
  baselineOkRps: number;
  /** Seconds (since the start of the run) in which traffic was disturbed after the fault. */
  disturbedSeconds: number[];
  /** When traffic was normal again for good; undefined when it never was before the end. */
  recoveredAtS: number | undefined;
  /** From the component being back to traffic being normal (0 when traffic never suffered). */
  timeToRecoverS: number | undefined;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * A second is disturbed when any request failed or successful throughput fell under half the
 * baseline (half, not 90%: the machine is shared and a noisy neighbour must not read as a fault).
 * The first second (connection ramp-up) and the last one (cut short by the end) are not judged.
 */
export function recovery(series: readonly SeriesPoint[], faultAtS: number, restoreAtS: number): Recovery {
  const before = series.filter((p) => p.t >= 1 && p.t + 1 <= faultAtS).map((p) => p.ok);
  const baselineOkRps = median(before.length ? before : series.slice(0, 1).map((p) => p.ok));
  const judged = series.slice(0, -1).filter((p) => p.t + 1 > faultAtS);
  const disturbed = judged.filter((p) => p.failed > 0 || p.ok < 0.5 * baselineOkRps).map((p) => p.t);
  if (disturbed.length === 0) return { baselineOkRps, disturbedSeconds: [], recoveredAtS: faultAtS, timeToRecoverS: 0 };
  const last = disturbed[disturbed.length - 1]!;
  const lastJudged = judged[judged.length - 1]!.t;
  if (last === lastJudged) return { baselineOkRps, disturbedSeconds: disturbed, recoveredAtS: undefined, timeToRecoverS: undefined };
  const recoveredAtS = last + 1;
  return { baselineOkRps, disturbedSeconds: disturbed, recoveredAtS, timeToRecoverS: Math.max(0, recoveredAtS - restoreAtS) };
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
  /** click_count added up over the seeded links after the flush. */
  recorded: number;
}

/**
 * Clicks lost: served but never recorded. Recorded may exceed served by the requests in flight
 * when the run stopped (the server answered them; the load generator no longer counted them).
 */
export function clicksLost(c: ClickAccounting): number {
  return Math.max(0, c.served - c.recorded);
}

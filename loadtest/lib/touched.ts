// The links a stream of Zipf draws has asked for at least once: what a cache that keeps a link
// for `ttl` after its last request holds in the steady state of traffic at `rate` (draws = rate x
// ttl). Rank r is drawn with p_r = r^-s / H(n, s), and is among D draws with probability
// 1 - (1 - p_r)^D. Sampled rank by rank (one Bernoulli each), not by making the D draws: D is
// a billion at a bench's rate and a day's TTL.
import type { Rng } from './rng.js';

/** H(n, s) = sum of r^-s for r in [1, n]. */
function harmonic(n: number, s: number): number {
  let h = 0;
  // Smallest terms first: the sum of millions of terms keeps its precision.
  for (let r = n; r >= 1; r--) h += r ** -s;
  return h;
}

/** The probability that rank r is among `draws` draws, for each r in [1, n]: position r - 1. */
function touchProbabilities(n: number, s: number, draws: number): Float64Array {
  const h = harmonic(n, s);
  const p = new Float64Array(n);
  // 1 - (1 - p)^D, as -expm1(D log1p(-p)): p is ~1e-8 in the tail, where 1 - p rounds.
  for (let r = 1; r <= n; r++) p[r - 1] = -Math.expm1(draws * Math.log1p(-(r ** -s) / h));
  return p;
}

/** How many distinct ranks `draws` Zipf(s) draws over n ranks ask for, on average. */
export function expectedTouched(n: number, s: number, draws: number): number {
  return touchProbabilities(n, s, draws).reduce((a, b) => a + b, 0);
}

/**
 * A sample of the ranks that `draws` Zipf(s) draws over n ranks ask for at least once, from the
 * least popular to the most: warmed in this order, a bounded LRU is left holding the head, as
 * steady traffic leaves it.
 */
export function touchedRanks(n: number, s: number, draws: number, rng: Rng): Uint32Array {
  const p = touchProbabilities(n, s, draws);
  const out = new Uint32Array(n);
  let k = 0;
  for (let r = n; r >= 1; r--) if (rng() < p[r - 1]!) out[k++] = r;
  return out.slice(0, k);
}

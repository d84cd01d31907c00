// Zipf-distributed ranks in [1, n] with exponent s, by rejection-inversion (Hörmann and
// Derflinger 1996, as in Apache Commons RNG): O(1) memory and time per sample, so the same
// sampler serves 1 thousand or 10 million links without a cumulative table.
import type { Rng } from './rng.js';

export interface ZipfSampler {
  readonly n: number;
  readonly s: number;
  /** A rank in [1, n]; rank 1 is the most popular. */
  sample(): number;
}

// log1p(x)/x and expm1(x)/x, with their Taylor series near zero where the division loses precision.
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x / 3) * (1 + 0.25 * x));
}

export function zipfSampler(n: number, s: number, rng: Rng): ZipfSampler {
  if (!Number.isInteger(n) || n < 1) throw new Error(`zipf: n must be a positive integer, got ${n}`);
  if (!(s > 0)) throw new Error(`zipf: exponent must be > 0, got ${s}`);
  const h = (x: number) => Math.exp(-s * Math.log(x));
  const hIntegral = (x: number) => {
    const logX = Math.log(x);
    return helper2((1 - s) * logX) * logX;
  };
  const hIntegralInverse = (x: number) => {
    let t = x * (1 - s);
    if (t < -1) t = -1; // rounding can push it just below the domain
    return Math.exp(helper1(t) * x);
  };
  const hIntegralX1 = hIntegral(1.5) - 1;
  const hIntegralN = hIntegral(n + 0.5);
  const squeeze = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
  return {
    n,
    s,
    sample() {
      for (;;) {
        const u = hIntegralN + rng() * (hIntegralX1 - hIntegralN);
        const x = hIntegralInverse(u);
        let k = Math.floor(x + 0.5);
        if (k < 1) k = 1;
        else if (k > n) k = n;
        if (k - x <= squeeze || u >= hIntegral(k + 0.5) - h(k)) return k;
      }
    },
  };
}

/** The exact probability of rank k, for tests and for reporting the hot set's share. */
export function zipfProbability(n: number, s: number, k: number): number {
  let norm = 0;
  for (let i = 1; i <= n; i++) norm += 1 / i ** s;
  return 1 / k ** s / norm;
}

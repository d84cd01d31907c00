import { describe, expect, it } from 'vitest';
import { seededRng } from './rng.js';
import { zipfProbability, zipfSampler } from './zipf.js';

describe('zipfSampler', () => {
  it('stays within [1, n]', () => {
    const z = zipfSampler(5, 1.2, seededRng(1));
    for (let i = 0; i < 10_000; i++) {
      const k = z.sample();
      expect(k).toBeGreaterThanOrEqual(1);
      expect(k).toBeLessThanOrEqual(5);
    }
  });

  it('matches the Zipf probabilities', () => {
    const n = 20;
    const s = 1.1;
    const draws = 200_000;
    const z = zipfSampler(n, s, seededRng(42));
    const counts = new Array<number>(n + 1).fill(0);
    for (let i = 0; i < draws; i++) counts[z.sample()]! += 1;
    for (const k of [1, 2, 5, 10, 20]) {
      const expected = zipfProbability(n, s, k) * draws;
      // 4 standard deviations of a binomial count.
      expect(Math.abs(counts[k]! - expected)).toBeLessThan(4 * Math.sqrt(expected));
    }
  });

  it('is reproducible from its seed and works for huge n', () => {
    const a = zipfSampler(10_000_000, 1, seededRng(7));
    const b = zipfSampler(10_000_000, 1, seededRng(7));
    const xs = Array.from({ length: 100 }, () => a.sample());
    expect(Array.from({ length: 100 }, () => b.sample())).toEqual(xs);
    expect(Math.max(...xs)).toBeLessThanOrEqual(10_000_000);
    // With s = 1 rank 1 alone takes about 6% of the traffic over 10M links.
    expect(xs.filter((k) => k === 1).length).toBeGreaterThan(0);
  });

  it('rejects a bad size or exponent', () => {
    expect(() => zipfSampler(0, 1, seededRng(1))).toThrow(/positive integer/);
    expect(() => zipfSampler(10, 0, seededRng(1))).toThrow(/exponent/);
  });
});

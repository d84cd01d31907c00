import { describe, expect, it } from 'vitest';
import { seededRng } from './rng.js';
import { expectedTouched, touchedRanks } from './touched.js';
import { zipfSampler } from './zipf.js';

describe('touchedRanks', () => {
  it('finds as many distinct ranks as the draws themselves ask for', () => {
    const n = 50_000;
    const draws = 40_000;
    const z = zipfSampler(n, 1, seededRng(3));
    const asked = new Set<number>();
    for (let i = 0; i < draws; i++) asked.add(z.sample());
    const expected = expectedTouched(n, 1, draws);
    // About 12,000 of 50,000 for these figures; the simulation and the formula within 2%.
    expect(expected).toBeGreaterThan(10_000);
    expect(expected).toBeLessThan(14_000);
    expect(Math.abs(asked.size - expected) / expected).toBeLessThan(0.02);
    const sampled = touchedRanks(n, 1, draws, seededRng(4));
    expect(Math.abs(sampled.length - expected) / expected).toBeLessThan(0.02);
  });

  it('keeps the head, thins the tail, and lists the tail first', () => {
    const n = 100_000;
    const ranks = touchedRanks(n, 1, 200_000, seededRng(5));
    const set = new Set(ranks);
    for (let r = 1; r <= 1_000; r++) expect(set.has(r)).toBe(true);
    // Rank 100,000 is drawn with p = 1 / (100,000 H) ~ 8.3e-7: among 200,000 draws with p ~ 0.15.
    const tail = Array.from(ranks).filter((r) => r > 90_000).length;
    expect(tail).toBeGreaterThan(10_000 * 0.1);
    expect(tail).toBeLessThan(10_000 * 0.2);
    for (let i = 1; i < ranks.length; i++) expect(ranks[i]!).toBeLessThan(ranks[i - 1]!);
    expect(ranks.at(-1)).toBe(1);
  });

  it('asks for nothing without draws, and for every rank with endless ones', () => {
    expect(touchedRanks(1_000, 1, 0, seededRng(1)).length).toBe(0);
    expect(touchedRanks(1_000, 1, 1e12, seededRng(1)).length).toBe(1_000);
    expect(expectedTouched(1_000, 1, 1e12)).toBeCloseTo(1_000, 6);
  });
});

import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram.js';

describe('Histogram', () => {
  it('gives percentiles within 2% of the exact value', () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10); // 0.1 .. 100 ms
    expect(h.count).toBe(1000);
    expect(h.max).toBe(100);
    for (const [p, exact] of [[50, 50], [90, 90], [99, 99]] as const) {
      const got = h.percentile(p);
      expect(got).toBeGreaterThanOrEqual(exact * 0.98);
      expect(got).toBeLessThanOrEqual(exact * 1.02);
    }
    expect(h.percentile(100)).toBe(100);
    expect(h.mean()).toBeCloseTo(50.05, 5);
  });

  it('is empty-safe and merges', () => {
    const a = new Histogram();
    expect(a.percentile(99)).toBe(0);
    const b = new Histogram();
    a.record(1);
    b.record(1000);
    b.record(0); // sub-resolution values land in the first bucket
    a.merge(b);
    expect(a.count).toBe(3);
    expect(a.max).toBe(1000);
    expect(a.percentile(100)).toBe(1000);
    expect(a.percentile(1)).toBeLessThan(0.011);
  });
});

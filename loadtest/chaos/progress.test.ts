import { describe, expect, it } from 'vitest';
import { progressLine } from '../lib/table.js';
import { plannedEndS } from './progress.js';

// A restart-replica run with a slow graceful stop (FIGURES.md saw one drain for 10 s): warm 4 s,
// down 3 s, tail 6 s (13 s planned), but the replica was back only at 10.6 s; the load stopped at 16.7 s.
const plan = { restoreDueS: 7, tailS: 6 };
const restoredAtS = 10.6;
const line = (nowS: number) => progressLine({
  elapsedS: nowS, totalS: plannedEndS(plan, nowS, nowS >= restoredAtS ? restoredAtS : undefined), connections: 10, rps: 1000, requests: 0, failed: 0,
});

describe('plannedEndS', () => {
  it('is the plan while the run keeps to it', () => {
    expect(plannedEndS(plan, 2, undefined)).toBe(13);
    expect(plannedEndS(plan, 6.9, undefined)).toBe(13);
  });

  it('moves with a component that comes back late, and settles on its return plus the tail', () => {
    expect(plannedEndS(plan, 9, undefined)).toBe(15);
    expect(plannedEndS(plan, 11, restoredAtS)).toBe(16.6);
  });

  it('keeps the progress line from ever showing 16s/13s over a late run', () => {
    expect(line(16.2)).toMatch(/^\[\s+16s\/17s\]/);
    for (let t = 0; t <= 16.7; t += 0.1) {
      const [, elapsed, total] = /^\[\s*(\d+)s\/(\d+)s\]/.exec(line(t))!;
      expect(Number(elapsed), line(t)).toBeLessThanOrEqual(Number(total));
    }
  });
});

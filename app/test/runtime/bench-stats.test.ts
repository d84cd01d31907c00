import { describe, expect, it } from 'vitest';
import { alternate, median, renderReport, summarize, type RunResult } from '../../bench/stats.js';

const run = (rps: number, p99Ms: number): RunResult => ({ rps, p99Ms, requests: rps * 5, errors: 0, unexpected: 0, cpuUsPerRequest: 1e6 / rps });

describe('redirect bench statistics', () => {
  it('takes medians of odd and even run counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('alternates the two sides', () => {
    expect(alternate('a', 'b', 3)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('prints both sides, the ratio and whether the target is met', () => {
    const text = renderReport({
      service: summarize([run(30_000, 5), run(36_000, 4), run(33_000, 6)]),
      ceiling: summarize([run(40_000, 3), run(44_000, 3), run(46_000, 2)]),
      connections: 50, durationSec: 5, target: 0.7,
    });
    expect(text).toContain('shortstack GET /:code (cached)');
    expect(text).toMatch(/shortstack GET \/:code \(cached\)\s+33000\s+5/);
    expect(text).toMatch(/bare Fastify, redirect from a Map\s+44000\s+3/);
    expect(text).toContain('ratio: 0.75 of the ceiling (target >= 0.70): met');
    expect(text).toContain('CPU ratio (ceiling / service, per request): 0.75');
    expect(text).toContain("CPU per cached redirect: 1.33x the bare server's (aim <= 1.25): FAIL");
  });
});

import { describe, expect, it } from 'vitest';
import { combine, median, ratios, renderBench, scaleP99Ratio, type Sample } from './plan.js';

const sample = (okRps: number, p99: number, extra: Partial<Sample> = {}): Sample => ({ okRps, p50: p99 / 4, p99, failed: 0, requests: okRps * 5, ...extra });

describe('bench arithmetic', () => {
  it('takes medians over rounds and sums failures', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBe(0);
    const f = combine('cached', 'cached', [sample(100, 4), sample(300, 2, { failed: 2 }), sample(200, 3, { pgServerConnections: 7 })]);
    expect(f).toMatchObject({ okRps: 200, p99: 3, failed: 2, rounds: 3, pgServerConnectionsMax: 7 });
    const c = combine('cached', 'x', [sample(1, 1, { cores: { node: 1 } }), sample(1, 1, { cores: { node: 0.5, nginx: 0.2 } }), sample(1, 1)]);
    expect(c.cores).toEqual({ node: 0.5, nginx: 0 });
  });

  it('computes the ratios against the ceilings in the same run', () => {
    const figs = {
      nginxStatic: combine('nginxStatic', '1', [sample(40_000, 2)]),
      proxyCeiling: combine('proxyCeiling', '2', [sample(20_000, 3)]),
      cached: combine('cached', '3', [sample(16_000, 4)]),
      lruOff: combine('lruOff', '4', [sample(10_000, 6)]),
    };
    expect(ratios(figs)).toEqual({ cachedOverProxy: 0.8, lruOffOverProxy: 0.5, cachedOverNginx: 0.4 });
    expect(ratios({})).toEqual({ cachedOverProxy: 0, lruOffOverProxy: 0, cachedOverNginx: 0 });
    expect(scaleP99Ratio(figs.cached, figs.lruOff)).toBe(1.5);
  });

  it('renders one table with the ratios', () => {
    const figs = [combine('cached', '3 cached', [sample(16_000, 4, { pgServerConnections: 3, cores: { node: 0.9, nginx: 0.3, redis: 0.001 } })])];
    const text = renderBench(figs, { cachedOverProxy: 0.81, lruOffOverProxy: 0.5, cachedOverNginx: 0.3 }, ['extra line']);
    expect(text).toMatch(/3 cached\s+16,000\s+1.00\s+4.00\s+0\s+3\s+1/);
    expect(text).toContain('3/2 (cached redirect / proxy ceiling):        0.81  (aim >= 0.80)');
    expect(text).toContain('extra line');
    expect(text).toContain('  3 cached: node 0.90, nginx 0.30');
  });
});

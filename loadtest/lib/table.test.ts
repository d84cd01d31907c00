import { describe, expect, it } from 'vitest';
import { Recorder } from './aggregate.js';
import { formatTable, progressLine, renderSummary } from './table.js';

describe('formatTable', () => {
  it('aligns the first column left and the others right', () => {
    expect(formatTable(['name', 'n'], [['a', '1'], ['bbb', '100']])).toBe(
      ['name    n', '----  ---', 'a       1', 'bbb   100'].join('\n'),
    );
  });
});

describe('renderSummary', () => {
  it('shows totals, percentiles, status counts, per-op rows and every failure kind', () => {
    const r = new Recorder(0);
    r.response('redirect', 'ok', 302, 1.5, 100);
    r.response('redirect', 'rate_limited', 429, 0.5, 200);
    r.error('create', 'timeout', 300);
    const text = renderSummary('redirects', r.summary(1000));
    expect(text).toContain('== redirects');
    expect(text).toMatch(/requests\s+3/);
    expect(text).toMatch(/ok\s+1/);
    expect(text).toContain('status codes: 302: 1  429: 1');
    expect(text).toMatch(/429 rate limited\s+1/);
    expect(text).toMatch(/timeouts\s+1/);
    expect(text).toMatch(/latency max \(ms\)\s+1.50/);
    expect(text).toMatch(/create\s+1\s+0\s+1/);
    expect(text).not.toMatch(/^stats/m);
  });
});

describe('progressLine', () => {
  it('fits on one line', () => {
    const line = progressLine({ elapsedS: 3, totalS: 10, connections: 50, rps: 12345.6, requests: 40000, failed: 2 });
    expect(line).toBe('[   3s/10s]   50 conns    12,346 req/s      40,000 requests  2 failed');
  });

  it('never shows more elapsed than planned: a run past its plan shows its length so far', () => {
    const line = progressLine({ elapsedS: 16.2, totalS: 13, connections: 10, rps: 900, requests: 14000, failed: 0 });
    expect(line.startsWith('[  16s/16s]')).toBe(true);
    for (let t = 0; t <= 20; t += 0.25) {
      const [, elapsed, total] = /^\[\s*(\d+)s\/(\d+)s\]/.exec(progressLine({ elapsedS: t, totalS: 12.6, connections: 1, rps: 0, requests: 0, failed: 0 }))!;
      expect(Number(elapsed)).toBeLessThanOrEqual(Number(total));
    }
  });
});

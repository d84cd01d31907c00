import { describe, expect, it } from 'vitest';
import { clicksLost, readyStatesBetween, recovery } from './analysis.js';

const series = (rows: [ok: number, failed: number][]) =>
  rows.map(([ok, failed], t) => ({ t, requests: ok + failed, ok, failed, p99Ms: 1, maxMs: 1 }));

describe('recovery', () => {
  it('is zero when the fault never showed in the traffic', () => {
    const r = recovery(series([[50, 0], [100, 0], [100, 0], [95, 0], [100, 0], [30, 0]]), 2.5, 3.5);
    expect(r).toEqual({ baselineOkRps: 100, disturbedSeconds: [], recoveredAtS: 2.5, timeToRecoverS: 0 });
  });

  it('measures from the restore to the first second of normal traffic for good', () => {
    // fault at 3, restore at 5: failures in 3 and 4, a slow second 6, normal from 7.
    const r = recovery(series([[10, 0], [100, 0], [100, 0], [60, 5], [0, 80], [100, 0], [40, 0], [100, 0], [100, 0], [5, 0]]), 3, 5);
    expect(r.baselineOkRps).toBe(100);
    expect(r.disturbedSeconds).toEqual([3, 4, 6]);
    expect(r.recoveredAtS).toBe(7);
    expect(r.timeToRecoverS).toBe(2);
  });

  it('says so when traffic was still disturbed at the end', () => {
    const r = recovery(series([[100, 0], [100, 0], [100, 0], [0, 10], [0, 10], [100, 0]]), 3, 4);
    expect(r.recoveredAtS).toBeUndefined();
    expect(r.timeToRecoverS).toBeUndefined();
  });
});

describe('readyStatesBetween', () => {
  it('collects the states seen in a window', () => {
    const samples = [
      { t: 1, httpStatus: 200, status: 'ok' },
      { t: 3, httpStatus: 200, status: 'degraded' },
      { t: 4, httpStatus: 200, status: 'degraded' },
      { t: 6, httpStatus: 200, status: 'ok' },
    ];
    expect([...readyStatesBetween(samples, 2, 5)]).toEqual(['degraded']);
    expect([...readyStatesBetween(samples, 5, 10)]).toEqual(['ok']);
  });
});

describe('clicksLost', () => {
  it('counts served clicks never recorded, not the extra in-flight ones', () => {
    expect(clicksLost({ served: 100, recorded: 97 })).toBe(3);
    expect(clicksLost({ served: 100, recorded: 102 })).toBe(0);
  });
});

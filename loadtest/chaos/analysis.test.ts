import { describe, expect, it } from 'vitest';
import { clicksLost, readyStatesBetween, recovery } from './analysis.js';

const series = (rows: [ok: number, failed: number][]) =>
  rows.map(([ok, failed], t) => ({ t, requests: ok + failed, ok, failed, p99Ms: 1, maxMs: 1 }));

const window = (faultAtS: number, restoreAtS: number) => ({ faultAtS, downFromS: faultAtS, restoreAtS });

describe('recovery', () => {
  it('counts the seconds the component was down as disturbed, even when traffic never showed it', () => {
    // kill-replica as it goes: nginx retries on the survivor, nothing fails, throughput barely dips.
    const r = recovery(series([[50, 0], [100, 0], [100, 0], [95, 0], [100, 0], [30, 0]]), 5.3, window(2.5, 3.5));
    expect(r.baselineOkRps).toBe(100);
    expect(r.downSeconds).toEqual([2, 3]);
    expect(r.trafficDisturbedSeconds).toEqual([]);
    expect(r.disturbedSeconds).toEqual([2, 3]);
    expect(r.recoveredAtS).toBe(2.5);
    expect(r.timeToRecoverS).toBe(0);
  });

  it('measures from the restore to the first second of normal traffic for good', () => {
    // fault at 3, restore at 5: failures in 3 and 4, a slow second 6, normal from 7.
    const r = recovery(series([[10, 0], [100, 0], [100, 0], [60, 5], [0, 80], [100, 0], [40, 0], [100, 0], [100, 0], [5, 0]]), 9.05, window(3, 5));
    expect(r.baselineOkRps).toBe(100);
    expect(r.trafficDisturbedSeconds).toEqual([3, 4, 6]);
    expect(r.disturbedSeconds).toEqual([3, 4, 6]);
    expect(r.recoveredAtS).toBe(7);
    expect(r.timeToRecoverS).toBe(2);
  });

  it('reports the throughput drop over the disturbed seconds', () => {
    const r = recovery(series([[10, 0], [100, 0], [100, 0], [60, 5], [0, 80], [100, 0], [40, 0], [100, 0], [100, 0], [5, 0]]), 9.05, window(3, 5));
    expect(r.drop).toEqual({ meanOkRps: (60 + 0 + 40) / 3, lowestOkRps: 0, lowestAtS: 4 });
  });

  it('reports the drop while a replica was down although no second fell under half the baseline', () => {
    // Two replicas, one killed at 4.2 s and back at 7.1 s: the survivor carries about 70%.
    const r = recovery(series([[300, 0], [1000, 0], [1010, 0], [990, 0], [820, 0], [700, 0], [690, 0], [880, 0], [1000, 0], [1005, 0], [1000, 0]]), 11.01, window(4.2, 7.1));
    expect(r.trafficDisturbedSeconds).toEqual([]);
    expect(r.disturbedSeconds).toEqual([4, 5, 6, 7]);
    expect(r.drop).toEqual({ meanOkRps: (820 + 700 + 690 + 880) / 4, lowestOkRps: 690, lowestAtS: 6 });
  });

  it('takes the down time from a later start when the fault only takes the component down at its end (a drill)', () => {
    const r = recovery(series(Array.from({ length: 12 }, () => [100, 0] as [number, number])), 12, { faultAtS: 2, downFromS: 6.5, restoreAtS: 8.2 });
    expect(r.downSeconds).toEqual([6, 7, 8]);
  });

  it('says so when traffic was still disturbed at the end', () => {
    const r = recovery(series([[100, 0], [100, 0], [100, 0], [0, 10], [0, 10], [100, 0]]), 5.5, window(3, 4));
    expect(r.recoveredAtS).toBeUndefined();
    expect(r.timeToRecoverS).toBeUndefined();
  });

  it('does not judge a last second the run cut short, nor call its sliver of traffic a collapse', () => {
    // The run ended 0.1 s into second 6, which holds a tenth of a second's requests.
    const r = recovery(series([[100, 0], [100, 0], [100, 0], [0, 10], [100, 0], [100, 0], [10, 0]]), 6.1, window(3, 3.5));
    expect(r.trafficDisturbedSeconds).toEqual([3]);
    expect(r.recoveredAtS).toBe(4);
    expect(r.timeToRecoverS).toBe(0.5);
  });

  it('judges a last second the run covered whole', () => {
    const r = recovery(series([[100, 0], [100, 0], [100, 0], [0, 10], [100, 0], [100, 0], [10, 0]]), 7, window(3, 3.5));
    expect(r.trafficDisturbedSeconds).toEqual([3, 6]);
    expect(r.recoveredAtS).toBeUndefined();
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

import { describe, expect, it } from 'vitest';
import { durationSeconds } from './duration.js';
import { shardCases } from './promtool/render-tests.js';
import type { AlertCase } from './promtool/cases.js';

describe('durationSeconds', () => {
  it('reads one unit and compound durations as Prometheus writes them', () => {
    expect(['30s', '5m', '6h', '3d', '1w', '26h40m', '1h30m15s', '500ms'].map(durationSeconds)).toEqual([30, 300, 21_600, 259_200, 604_800, 96_000, 5415, 0.5]);
  });

  it('refuses what is not a duration', () => {
    for (const bad of ['', '5', 'm', '5 m', '1.5h', '-5m', '5mm']) expect(() => durationSeconds(bad), bad).toThrow(/not a duration/);
  });
});

describe('shardCases', () => {
  const c = (at: string, evaluationInterval?: string): AlertCase => ({ alert: `A${at}`, kind: 'quiet', series: [], at, ...(evaluationInterval ? { evaluationInterval } : {}) });

  it('puts every case in one shard and balances the evaluation steps', () => {
    // Steps (at / evaluation interval, + 1): 265, 61, 61, 16, 16, 4.
    const cases = [c('15m'), c('44h', '10m'), c('1h'), c('3m'), c('60m'), c('15m')];
    const shards = shardCases(cases, 2);
    expect(shards.flat()).toHaveLength(cases.length);
    expect(new Set(shards.flat())).toEqual(new Set(cases));
    const work = shards.map((s) => s.reduce((n, x) => n + durationSeconds(x.at) / durationSeconds(x.evaluationInterval ?? '1m') + 1, 0));
    expect(work).toEqual([265, 158]);
  });

  it('gives no empty shard when there are fewer cases than shards', () => {
    expect(shardCases([c('5m')], 3)).toEqual([[c('5m')]]);
  });
});

import { describe, expect, it } from 'vitest';
import { Recorder, failuresOf, wholeSeconds } from './aggregate.js';

describe('Recorder', () => {
  it('folds responses and errors into totals, per-op counts and a per-second series', () => {
    const r = new Recorder(10_000);
    r.response('redirect', 'ok', 302, 2, 10_100);
    r.response('redirect', 'ok', 302, 4, 10_900);
    r.response('redirect', 'wrong_location', 302, 3, 11_200);
    r.response('create', 'rate_limited', 429, 1, 11_300);
    r.response('redirect_unknown', 'ok', 404, 1, 12_500);
    r.error('redirect', 'reset', 12_600);
    r.mark('kill app-1', 11_000);
    const s = r.summary(13_000);
    expect(r.live()).toEqual({ requests: 6, failed: 3 });

    expect(s.durationS).toBe(3);
    expect(s.requests).toBe(6);
    expect(s.ok).toBe(3);
    expect(s.failed).toBe(3);
    expect(s.throughput).toBeCloseTo(5 / 3);
    expect(s.okThroughput).toBe(1);
    expect(s.statusCounts).toEqual({ 302: 3, 429: 1, 404: 1 });
    expect(s.outcomes.rate_limited).toBe(1);
    expect(s.outcomes.wrong_location).toBe(1);
    expect(s.errors.reset).toBe(1);
    expect(s.byOp.redirect).toMatchObject({ requests: 4, ok: 2, failed: 2 });
    expect(failuresOf(s, 'redirect')).toBe(2);
    expect(failuresOf(s, 'redirect_unknown')).toBe(0);
    expect(s.series.map((p) => [p.t, p.requests, p.ok, p.failed])).toEqual([
      [0, 2, 2, 0],
      [1, 2, 0, 2],
      [2, 2, 1, 1],
    ]);
    expect(s.series[0]!.maxMs).toBe(4);
    expect(s.latency.max).toBe(4);
    expect(s.marks).toEqual([{ label: 'kill app-1', t: 1 }]);
  });

  it('summarises an empty run without dividing by zero', () => {
    const s = new Recorder(0).summary(0);
    expect(s.requests).toBe(0);
    expect(Number.isFinite(s.throughput)).toBe(true);
    expect(s.series).toEqual([]);
  });
});

describe('wholeSeconds', () => {
  it('leaves out the last second when the run ended part-way through it', () => {
    const r = new Recorder(0);
    for (let ms = 0; ms < 3_200; ms += 10) r.response('redirect', 'ok', 302, 1, ms);
    const s = r.summary(3_200);
    // Recorded: 100, 100, 100 and 20 in the 0.2 s of the fourth second.
    expect(s.series.map((p) => p.ok)).toEqual([100, 100, 100, 20]);
    expect(wholeSeconds(s.series, s.durationS).map((p) => p.ok)).toEqual([100, 100, 100]);
  });

  it('keeps every second of a run that ended on a second', () => {
    const r = new Recorder(0);
    for (let ms = 0; ms < 2_000; ms += 10) r.response('redirect', 'ok', 302, 1, ms);
    const s = r.summary(2_001);
    expect(wholeSeconds(s.series, s.durationS)).toHaveLength(2);
  });
});

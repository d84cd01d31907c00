import { describe, expect, it } from 'vitest';
import { aims, atLeast, atMost, combine, cpuUsPerRequest, generatorUsPerRequest, roundCeilingRatios, roundProgramRatios, hostMoved, judged, median, ratios, renderAims, renderBeforeAfter, renderBench, roundCpuRatios, roundHostRatios, roundP99Ratios, scaleP99Ratio, stackUsPerRequest, type Sample } from './plan.js';
import { ARCHIVE_COMMAND, PROGRAM } from '../lib/aims.js';
import { LOAD_GENERATOR } from '../lib/cpu.js';

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

  it("gives the large set's p99 over the small set's round by round, beside the medians' ratio", () => {
    // The host slows in rounds 2 and 3 for the small set: the medians' ratio hides what round 1 shows.
    const small = [sample(12_000, 16), sample(7_500, 26), sample(7_900, 26)];
    const large = [sample(9_000, 22), sample(9_300, 22), sample(9_700, 20)];
    expect(roundP99Ratios(small, large).map((r) => r.toFixed(3))).toEqual(['1.375', '0.846', '0.769']);
    expect(scaleP99Ratio(combine('scale:small', 's', small), combine('scale:large', 'l', large))).toBeCloseTo(22 / 26);
    expect(roundP99Ratios([sample(1, 0)], [sample(1, 5)])).toEqual([0]);
  });

  it("gives the stack's CPU per ok request, and the large set's over the small set's round by round", () => {
    // 10,000 requests a round, 2 failed in the large set's first. The instrument (load generator,
    // the bench's probe) and another stack's processes are not the stack's.
    const cpu = (replica: number, postgres: number, extra: Record<string, number> = {}) => ({
      [PROGRAM.replica]: replica, [PROGRAM.postgres]: postgres, nginx: 0.5, [LOAD_GENERATOR]: 9, [PROGRAM.benchProbe]: 0.2,
      'postgres (other stack)': 0.3, [`postgres (other stack): ${ARCHIVE_COMMAND.label}`]: 0.1, ...extra,
    });
    const small = [sample(2_000, 10, { cpuSeconds: cpu(0.8, 0.2) }), sample(2_000, 10, { cpuSeconds: cpu(0.9, 0.1) })];
    const large = [
      sample(2_000, 20, { failed: 2, requests: 10_002, cpuSeconds: cpu(1.5, 0.6, { [PROGRAM.archiving]: 0.4 }) }),
      sample(2_000, 11, { cpuSeconds: cpu(0.9, 0.1) }),
    ];
    expect(stackUsPerRequest(small[0]!)).toBeCloseTo(150); // (0.8 + 0.2 + 0.5) s / 10,000
    expect(stackUsPerRequest(large[0]!)).toBeCloseTo(300); // its archiving is the stack's work too
    expect(roundCpuRatios(small, large).map((r) => r.toFixed(2))).toEqual(['2.00', '1.00']);
    // A round without CPU figures, or without an ok request, has no figure and no ratio.
    expect(stackUsPerRequest(sample(0, 1, { cpuSeconds: cpu(1, 1) }))).toBeUndefined();
    expect(roundCpuRatios([sample(2_000, 10)], large)).toEqual([0]);
  });

  it('takes the load generator\'s CPU per request as the host\'s speed, and marks a round it moved in', () => {
    // 0.45 s over 10,000 requests (failed ones too: the generator sent them) = 45 us; 0.65 s = 65 us.
    const small = [sample(2_000, 10, { cpuSeconds: { [LOAD_GENERATOR]: 0.45, postgres: 1 } }), sample(2_000, 10, { cpuSeconds: { [LOAD_GENERATOR]: 0.45 } })];
    const large = [sample(1_000, 20, { requests: 10_000, failed: 5_000, cpuSeconds: { [LOAD_GENERATOR]: 0.5 } }), sample(2_000, 20, { cpuSeconds: { [LOAD_GENERATOR]: 0.65 } })];
    expect(generatorUsPerRequest(small[0]!)).toBeCloseTo(45);
    expect(generatorUsPerRequest(large[0]!)).toBeCloseTo(50);
    expect(generatorUsPerRequest(sample(2_000, 10, { cpuSeconds: { postgres: 1 } }))).toBeUndefined();
    expect(roundHostRatios(small, large).map((r) => r.toFixed(2))).toEqual(['1.11', '1.44']);
    expect(roundHostRatios(small, [sample(2_000, 10)])).toEqual([0]);
    // Past 15% either way; no figure is not a move.
    expect([1.11, 1.44, 0.8, 0.9, 0].map(hostMoved)).toEqual([false, true, true, false, false]);
  });

  it('renders one table with the ratios', () => {
    const figs = [combine('cached', '3 cached', [sample(16_000, 4, { pgServerConnections: 3, cores: { node: 0.9, nginx: 0.3, redis: 0.001 } })])];
    const text = renderBench(figs, { cachedOverProxy: 0.81, lruOffOverProxy: 0.5, cachedOverNginx: 0.3 }, ['extra line']);
    expect(text).toMatch(/3 cached\s+16,000\s+1.00\s+4.00\s+0\s+3\s+1/);
    expect(text).toContain('3/2 (cached redirect / proxy ceiling):        0.81  (aim >= 0.80)');
    expect(text).toContain('extra line');
    expect(text).toContain('  3 cached: node 0.90, nginx 0.30');
  });

  it('takes CPU per ok request from each round\'s CPU seconds, the median over rounds', () => {
    // 2 s of postgres over 10,000 ok requests = 200 us; 1 s / 9,000 ok (1,000 failed of 10,000) = 111.1 us.
    const f = combine('cached', '3', [
      sample(2000, 4, { requests: 10_000, cpuSeconds: { postgres: 2 } }),
      sample(2000, 4, { requests: 10_000, failed: 1_000, cpuSeconds: { postgres: 1 } }),
      sample(2000, 4, { requests: 10_000, cpuSeconds: { postgres: 3 } }),
      sample(2000, 4, { requests: 10_000 }),
    ]);
    expect(cpuUsPerRequest(f, 'postgres')).toBeCloseTo(200, 6);
    expect(cpuUsPerRequest(f, 'nginx')).toBeUndefined();
  });

  it('judges aims 1-3 from one run\'s figures', () => {
    const run = (okRps: number, p99: number, cpuSeconds: Record<string, number>) => sample(okRps, p99, { requests: okRps * 5, cpuSeconds });
    const proxyCeiling = combine('proxyCeiling', '2', [run(10_000, 10, { [PROGRAM.bare]: 5 })]); // 100 us per request
    const passing = combine('cached', '3', [run(8_000, 15, { [PROGRAM.replica]: 5, [PROGRAM.postgres]: 0.2 })]); // 125 us, 5 us
    expect(aims({ proxyCeiling, cached: passing }).map((a) => [a.figure, a.pass])).toEqual([
      ['0.80', true], ['1.50', true], ['5.0', true], ['1.25 (125.0 / 100.0 us)', true],
    ]);
    const failing = combine('cached', '3', [run(7_000, 16, { [PROGRAM.replica]: 7, [PROGRAM.postgres]: 1.75 })]); // 200 us, 50 us
    expect(aims({ proxyCeiling, cached: failing }).map((a) => [a.figure, a.pass])).toEqual([
      ['0.70', false], ['1.60', false], ['50.0', false], ['2.00 (200.0 / 100.0 us)', false],
    ]);
    // Without CPU figures (an older JSON), only the throughput aims.
    expect(aims({ proxyCeiling: combine('proxyCeiling', '2', [sample(10_000, 10)]), cached: combine('cached', '3', [sample(9_000, 9)]) })).toHaveLength(2);
    expect(aims({ cached: passing })).toEqual([]);
    const lines = renderAims(aims({ proxyCeiling, cached: failing }));
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^2 PostgreSQL CPU per recorded click, us \(aim <= 8\)\s+50\.0 {2}FAIL$/);
    expect(lines[0]).toMatch(/0\.70 {2}FAIL$/);
  });

  it('prints aim 1 round by round beside its medians, each round against the ceiling of the same round', () => {
    // Medians: 9,817 / 15,147 = 0.65, where the rounds were 0.65, 0.84 and 0.85.
    const proxyCeiling = combine('proxyCeiling', '2', [sample(15_147, 10), sample(11_193, 15), sample(15_930, 10)]);
    const cached = combine('cached', '3', [sample(9_817, 19), sample(9_431, 18), sample(13_586, 13)]);
    const results = aims({ proxyCeiling, cached });
    expect(results[0]!.figure).toBe('0.65');
    expect(results[2]).toEqual({ name: expect.stringMatching(/^ {2}beside it: round by round/), figure: '0.65, 0.84, 0.85; 1.90, 1.20, 1.30', pass: undefined });
    // Aim 3 likewise, from each round's CPU: 6 s / 60,000 ok = 100 us against 50 us, then 120 against 40.
    const withCpu = (okRps: number, p99: number, program: string, seconds: number) => sample(okRps, p99, { requests: 60_000, cpuSeconds: { [program]: seconds } });
    const cpuRounds = aims({
      proxyCeiling: combine('proxyCeiling', '2', [withCpu(12_000, 10, PROGRAM.bare, 3), withCpu(12_000, 10, PROGRAM.bare, 2.4)]),
      cached: combine('cached', '3', [withCpu(10_000, 12, PROGRAM.replica, 6), withCpu(10_000, 12, PROGRAM.replica, 7.2)]),
    });
    expect(cpuRounds.at(-1)).toEqual({ name: expect.stringMatching(/^ {2}beside it: round by round, against the bare server/), figure: '2.00, 3.00', pass: undefined });
    expect(roundProgramRatios([withCpu(1, 1, PROGRAM.replica, 1)], PROGRAM.replica, [sample(1, 1)], PROGRAM.bare)).toEqual([0]);
    // Pairs only rounds both sides ran; a ceiling of nothing gives 0.
    expect(roundCeilingRatios([sample(8_000, 12), sample(8_000, 12)], [sample(0, 0)])).toEqual({ share: [0], p99: [0] });
    // One round: nothing beside the medians.
    expect(aims({ proxyCeiling: combine('proxyCeiling', '2', [sample(15_147, 10)]), cached: combine('cached', '3', [sample(9_817, 19)]) })).toHaveLength(2);
  });

  it('prints a figure with the decimals it takes to read the way it is judged', () => {
    expect(judged(0.7986, 2, 0.8, atLeast)).toEqual({ figure: '0.799', pass: false });
    expect(judged(0.7949, 2, 0.8, atLeast)).toEqual({ figure: '0.79', pass: false });
    expect(judged(0.8, 2, 0.8, atLeast)).toEqual({ figure: '0.80', pass: true });
    expect(judged(1.2504, 2, 1.25, atMost)).toEqual({ figure: '1.2504', pass: false });
    expect(judged(8.04, 1, 8, atMost)).toEqual({ figure: '8.04', pass: false });
    expect(judged(7.96, 1, 8, atMost)).toEqual({ figure: '8.0', pass: true });
    expect(judged(Number.POSITIVE_INFINITY, 2, 1.5, atMost)).toEqual({ figure: 'Infinity', pass: false });
    const proxyCeiling = combine('proxyCeiling', '2', [sample(10_000, 10)]);
    const cached = combine('cached', '3', [sample(7_986, 15)]);
    expect(renderAims(aims({ proxyCeiling, cached }))[0]).toMatch(/0\.799 {2}FAIL$/);
  });

  it("prints WAL archiving and the bench's own queries per click beside aim 2, judged by no aim and not in its figure", () => {
    const proxyCeiling = combine('proxyCeiling', '2', [sample(10_000, 10, { requests: 50_000, cpuSeconds: { [PROGRAM.bare]: 5 } })]);
    const cached = combine('cached', '3', [sample(8_000, 15, {
      requests: 40_000, cpuSeconds: { [PROGRAM.replica]: 5, [PROGRAM.postgres]: 0.2, [PROGRAM.archiving]: 0.12, [PROGRAM.benchProbe]: 0.1 },
    })]);
    const results = aims({ proxyCeiling, cached });
    expect(results.map((a) => [a.figure, a.pass])).toEqual([
      ['0.80', true], ['1.50', true], ['5.0', true], ['3.0', undefined], ['2.5', undefined], ['1.25 (125.0 / 100.0 us)', true],
    ]);
    expect(renderAims(results)[3]).toMatch(/^ {2}beside it: WAL archiving per recorded click, us \(archive_command\)\s+3\.0$/);
    expect(renderAims(results)[4]).toMatch(/^ {2}beside it: the bench's own queries per recorded click, us \(connection watch, roll-up wait\)\s+2\.5$/);
  });

  it('prints aims 1-3 and each program\'s CPU per redirect before (the --baseline stack) and after, from the same rounds', () => {
    const run = (okRps: number, p99: number, cpuSeconds: Record<string, number>) => sample(okRps, p99, { requests: okRps * 5, cpuSeconds });
    const proxyCeiling = combine('proxyCeiling', '2', [run(10_000, 10, { [PROGRAM.bare]: 5 })]); // 100 us per request
    // Before: 250 us of replica, 40 of postgres, 10 of nginx; after: 125, 5 and 10. Another stack's
    // idle cluster (its archiving too), the load generator and the bench's probe stay out of the
    // stack's total.
    const baseline = combine('baseline', '3 before', [run(6_000, 20, {
      [PROGRAM.replica]: 7.5, [PROGRAM.postgres]: 1.2, nginx: 0.3, 'postgres (other stack)': 0.3, [`postgres (other stack): ${ARCHIVE_COMMAND.label}`]: 0.1,
      [LOAD_GENERATOR]: 3, [PROGRAM.benchProbe]: 0.03,
    })]);
    const cached = combine('cached', '3', [run(8_000, 15, {
      [PROGRAM.replica]: 5, [PROGRAM.postgres]: 0.2, nginx: 0.4, 'postgres (other stack)': 0.4, [LOAD_GENERATOR]: 4, [PROGRAM.benchProbe]: 0.04,
    })]);
    const out = renderBeforeAfter({ proxyCeiling, baseline, cached }, '/work/base');
    const row = (start: string) => out.join('\n').split('\n').find((l) => l.startsWith(start))!.split(/ {2,}/);
    expect(out[0]).toBe("issue 13's aims, before (/work/base) and after (this checkout), alternated in the same rounds:");
    expect(row('1 cached redirect / proxy ceiling')).toEqual(['1 cached redirect / proxy ceiling, ok req/s (aim >= 0.80)', '0.60 FAIL', '0.80 PASS']);
    expect(row('1 cached redirect p99')).toEqual(['1 cached redirect p99 / proxy ceiling p99 (aim <= 1.50)', '2.00 FAIL', '1.50 PASS']);
    expect(row('2 PostgreSQL')).toEqual(['2 PostgreSQL CPU per recorded click, us (aim <= 8)', '40.0 FAIL', '5.0 PASS']);
    expect(row('3 replica')).toEqual(['3 replica CPU per cached redirect / bare server\'s (aim <= 1.25)', '2.50 (250.0 / 100.0 us) FAIL', '1.25 (125.0 / 100.0 us) PASS']);
    expect(row(PROGRAM.replica)).toEqual([PROGRAM.replica, '250.0', '125.0', '0.50x']);
    expect(row(PROGRAM.postgres)).toEqual([PROGRAM.postgres, '40.0', '5.0', '0.13x']);
    expect(row('nginx')).toEqual(['nginx', '10.0', '10.0', '1.00x']);
    expect(row(LOAD_GENERATOR)).toEqual([LOAD_GENERATOR, '100.0', '100.0', '1.00x']);
    expect(row('the stack in all')).toEqual(['the stack in all (load generator and probe left out)', '300.0', '140.0', '0.47x']);
    expect(out.join('\n')).not.toContain('other stack');
    expect(renderBeforeAfter({ proxyCeiling, cached }, '/work/base')).toEqual([]);
    const withScale = renderBeforeAfter({ proxyCeiling, baseline, cached }, '/work/base', [{ name: '4 flat out', before: 1.71, after: 1.2 }]).join('\n');
    expect(withScale.split('\n').find((l) => l.startsWith('4 flat out'))!.split(/ {2,}/)).toEqual(['4 flat out (aim <= 1.20)', '1.71 FAIL', '1.20 PASS']);
  });
});

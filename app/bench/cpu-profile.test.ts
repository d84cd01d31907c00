import { describe, expect, it } from 'vitest';
import { flameGraphSvg } from './flame-graph.js';
import { areaOf, foldedStacks, frameLabel, sampledUs, sliceProfile, timesBy, whereOf, type CallFrame, type CpuProfile } from './cpu-profile.js';

const ROOT = '/repo';
const frame = (functionName: string, url = '', lineNumber = 0): CallFrame => ({ functionName, scriptId: '0', url, lineNumber, columnNumber: 0 });

// (root) -> handler (app) -> inc (prom-client); (root) -> (garbage collector); handler recursing once.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 4] },
    { id: 2, callFrame: frame('handler', 'file:///repo/app/src/http/routes/redirect.ts', 9), children: [3, 5] },
    { id: 3, callFrame: frame('inc', 'file:///repo/node_modules/prom-client/lib/counter.js', 41) },
    { id: 4, callFrame: frame('(garbage collector)') },
    { id: 5, callFrame: frame('handler', 'file:///repo/app/src/http/routes/redirect.ts', 9) },
  ],
  startTime: 1_000,
  endTime: 1_600,
  // At 1100, 1200, 1300, 1400, 1500 (the last weighs the mean gap, 100).
  samples: [2, 3, 3, 4, 5],
  timeDeltas: [100, 100, 100, 100, 100],
};

describe('cpu profiles', () => {
  it('weighs each sample by the time to the next one', () => {
    expect(sampledUs(profile)).toBe(500);
  });

  it('gives self and total time per function, a recursion counted once in its total', () => {
    const times = new Map(timesBy(profile, (f) => frameLabel(f, ROOT)).map((e) => [e.label, e]));
    expect(times.get('handler app/src/http/routes/redirect.ts:10')).toEqual({ label: 'handler app/src/http/routes/redirect.ts:10', selfUs: 200, totalUs: 400 });
    expect(times.get('inc prom-client/lib/counter.js:42')).toMatchObject({ selfUs: 200, totalUs: 200 });
    expect(times.get('(garbage collector)')).toMatchObject({ selfUs: 100, totalUs: 100 });
    expect(times.get('(root)')).toMatchObject({ selfUs: 0, totalUs: 500 });
  });

  it('groups by package or folder', () => {
    const areas = new Map(timesBy(profile, (f) => areaOf(f, ROOT)).map((e) => [e.label, e.selfUs]));
    expect(Object.fromEntries(areas)).toEqual({ 'app/src/http/routes': 200, 'prom-client': 200, '(garbage collector)': 100, '(root)': 0 });
    expect(areaOf(frame('x', 'node:internal/streams/writable'), ROOT)).toBe('node');
    expect(areaOf(frame('x', 'file:///repo/node_modules/@fastify/multipart/index.js'), ROOT)).toBe('@fastify/multipart');
    expect(whereOf('file:///elsewhere/node_modules/fastify/lib/reply.js', ROOT)).toBe('fastify/lib/reply.js');
  });

  it('keeps only the samples inside the windows', () => {
    const cut = sliceProfile(profile, [{ fromUs: 1_150, toUs: 1_300 }, { fromUs: 1_500, toUs: 2_000 }]);
    expect(cut.samples).toEqual([3, 3, 5]);
    expect(cut.startTime).toBe(1_200);
    // Each keeps its own duration: the gap between the windows weighs nothing.
    expect(cut.timeDeltas).toEqual([0, 100, 100]);
    expect(sampledUs(cut)).toBe(300);
    expect(cut.nodes.find((n) => n.id === 3)?.hitCount).toBe(2);
    expect(cut.nodes.find((n) => n.id === 2)?.hitCount).toBe(0);
  });

  it('folds stacks root first, in microseconds', () => {
    expect(foldedStacks(profile, ROOT).trim().split('\n')).toEqual([
      '(garbage collector) 100',
      'handler app/src/http/routes/redirect.ts:10 100',
      'handler app/src/http/routes/redirect.ts:10;handler app/src/http/routes/redirect.ts:10 100',
      'handler app/src/http/routes/redirect.ts:10;inc prom-client/lib/counter.js:42 200',
    ]);
  });

  it('draws a flame graph: each call path as wide as its time, its time per request in its title', () => {
    const svg = flameGraphSvg(profile, { title: 'test', label: (f) => frameLabel(f, ROOT), perUs: 1 / 100, unit: 'us/req' });
    const box = (label: string) => new RegExp(`<title>${label.replace(/[()]/g, '\\$&')}: ([0-9.]+) us/req</title><rect x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)"`).exec(svg)?.slice(1).map(Number);
    expect(box('(root)')).toEqual([5, 0, 1200]);
    // Siblings in label order: the garbage collector (100 of 500 us) first, then handler (400),
    // whose callees are its recursion (100) and inc (200).
    expect(box('(garbage collector)')).toEqual([1, 0, 240]);
    expect(box('handler app/src/http/routes/redirect.ts:10')).toEqual([4, 240, 960]);
    expect(box('inc prom-client/lib/counter.js:42')).toEqual([2, 480, 480]);
  });
});

import { describe, expect, it } from 'vitest';
import { niceMax, renderChart } from './svg.js';

const point = (t: number, ok: number, failed: number, p99Ms: number) => ({ t, requests: ok + failed, ok, failed, p99Ms, maxMs: p99Ms });

describe('niceMax', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(0.3)).toBe(0.5);
    expect(niceMax(1234)).toBe(2000);
    expect(niceMax(5000)).toBe(5000);
    expect(niceMax(5001)).toBe(10000);
  });
});

describe('renderChart', () => {
  const svg = renderChart({
    title: 'kill-replica <app-1>',
    series: [point(0, 1000, 0, 2), point(1, 800, 5, 40), point(2, 1000, 0, 3)],
    marks: [{ label: 'kill app-1', t: 1.2 }],
  });

  it('is one SVG document with escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('kill-replica &lt;app-1&gt;');
  });

  it('draws ok, failed and p99 lines with one point per second', () => {
    const polylines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' '));
    expect(polylines).toHaveLength(3);
    for (const pts of polylines) expect(pts).toHaveLength(3);
    // Axis maxima are round: 1000 req/s and 50 ms; the top value sits on the panel's top edge.
    expect(svg).toContain('>1000</text>');
    expect(svg).toContain('>50</text>');
    expect(polylines[0]![0]!.split(',')[1]).toBe('40.0');
  });

  it('draws each mark as a labelled dashed line', () => {
    expect(svg).toMatch(/stroke-dasharray="4 3"/);
    expect(svg).toContain('>kill app-1</text>');
  });
});

describe('renderChart of a run that ended mid-second', () => {
  // A recorded run: 10.3 s long, so its last bucket holds 0.3 s of responses (about 30% of a second's).
  const series = [1000, 1010, 990, 1005, 1000, 995, 1000, 1010, 1000, 990, 310].map((ok, t) => point(t, ok, 0, 3));
  const okPoints = (svg: string) => [...svg.matchAll(/<polyline [^>]*stroke="#2a7"[^>]*points="([^"]*)"/g)][0]![1]!.split(' ');

  it('does not draw the cut-short last second as a throughput collapse', () => {
    const svg = renderChart({ title: 'soak', series, durationS: 10.3 });
    const pts = okPoints(svg);
    expect(pts).toHaveLength(10);
    // Every drawn point sits near the middle of the 2000 req/s axis; the cut-short one would sit near its foot.
    const ys = pts.map((p) => Number(p.split(',')[1]));
    expect(Math.max(...ys)).toBeLessThan(40 + 220 * 0.55);
  });

  it('still spans the whole run on the time axis', () => {
    const svg = renderChart({ title: 'soak', series, durationS: 10.3 });
    expect(svg).toContain('>10s</text>');
  });

  it('draws every point when the run length is not given (the series is taken as whole)', () => {
    expect(okPoints(renderChart({ title: 'soak', series }))).toHaveLength(11);
  });
});

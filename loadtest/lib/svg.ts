// The run chart as a standalone SVG: throughput (ok and failed per second) above, p99 latency
// below, with the run's marks (faults injected, services back) as dashed vertical lines.
// Written by hand so the report needs no browser, no chart library and no network.
import { wholeSeconds, type Mark, type SeriesPoint } from './aggregate.js';

const WIDTH = 900;
const PANEL_H = 220;
const LEFT = 70;
const RIGHT = 20;
const TOP = 40;
const GAP = 50;

export interface ChartInput {
  title: string;
  series: SeriesPoint[];
  marks?: Mark[];
  /** The run's length: a last second it cut short is left out rather than drawn as a collapse. */
  durationS?: number;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A round axis maximum (1, 2 or 5 times a power of ten) at or above v. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

interface Panel {
  y0: number;
  label: string;
  unit: string;
  lines: { color: string; name: string; values: number[] }[];
}

function renderPanel(panel: Panel, xs: number[], xOf: (t: number) => number): string {
  const max = niceMax(Math.max(0, ...panel.lines.flatMap((l) => l.values)));
  const yOf = (v: number) => panel.y0 + PANEL_H - (v / max) * PANEL_H;
  const out: string[] = [];
  out.push(`<rect x="${LEFT}" y="${panel.y0}" width="${WIDTH - LEFT - RIGHT}" height="${PANEL_H}" fill="none" stroke="#999"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = yOf(v).toFixed(1);
    out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${LEFT - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${+v.toPrecision(3)}</text>`);
  }
  out.push(`<text x="${LEFT}" y="${panel.y0 - 8}" font-weight="bold">${escapeXml(panel.label)} (${escapeXml(panel.unit)})</text>`);
  let legendX = WIDTH - RIGHT;
  for (const line of [...panel.lines].reverse()) {
    out.push(`<text x="${legendX}" y="${panel.y0 - 8}" text-anchor="end" fill="${line.color}">${escapeXml(line.name)}</text>`);
    legendX -= 10 + line.name.length * 7;
  }
  for (const line of panel.lines) {
    const pts = line.values.map((v, i) => `${xOf(xs[i]!).toFixed(1)},${yOf(v).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${line.color}" stroke-width="1.5" points="${pts}"/>`);
  }
  return out.join('\n');
}

export function renderChart(input: ChartInput): string {
  const series = input.durationS === undefined ? input.series : wholeSeconds(input.series, input.durationS);
  const marks = input.marks ?? [];
  // Each point sits at the middle of its one-second bucket.
  const xs = series.map((p) => p.t + 0.5);
  const tMax = Math.max(1, series.length, input.durationS ?? 0, ...marks.map((m) => m.t));
  const xOf = (t: number) => LEFT + (t / tMax) * (WIDTH - LEFT - RIGHT);
  const height = TOP + 2 * PANEL_H + GAP + 40;
  const throughput: Panel = {
    y0: TOP,
    label: 'throughput',
    unit: 'requests/s',
    lines: [
      { color: '#2a7', name: 'ok', values: series.map((p) => p.ok) },
      { color: '#d33', name: 'failed', values: series.map((p) => p.failed) },
    ],
  };
  const latency: Panel = {
    y0: TOP + PANEL_H + GAP,
    label: 'latency p99',
    unit: 'ms',
    lines: [{ color: '#36c', name: 'p99', values: series.map((p) => p.p99Ms) }],
  };
  const bottom = TOP + 2 * PANEL_H + GAP;
  const xTicks: string[] = [];
  const step = niceMax(tMax / 8);
  for (let t = 0; t <= tMax + 1e-9; t += step) {
    xTicks.push(`<text x="${xOf(t).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${+t.toPrecision(4)}s</text>`);
  }
  const markLines = marks.map((m) => {
    const x = xOf(m.t).toFixed(1);
    return `<line x1="${x}" x2="${x}" y1="${TOP}" y2="${bottom}" stroke="#a50" stroke-dasharray="4 3"/>` +
      `<text x="${x}" y="${bottom + 32}" text-anchor="middle" fill="#a50">${escapeXml(m.label)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14">${escapeXml(input.title)}</text>`,
    renderPanel(throughput, xs, xOf),
    renderPanel(latency, xs, xOf),
    ...xTicks,
    ...markLines,
    '</svg>',
    '',
  ].join('\n');
}

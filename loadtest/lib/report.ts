// The JSON report and its chart, written side by side: FILE.json and FILE.svg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Summary } from './aggregate.js';
import { renderChart } from './svg.js';

export interface ReportMeta {
  kind: 'load' | 'chaos' | 'bench';
  name: string;
  url?: string | undefined;
  startedAt: string;
  connections?: number;
  links?: number;
  [extra: string]: unknown;
}

export interface Report {
  meta: ReportMeta;
  summary: Summary;
}

export function chartPathFor(reportPath: string): string {
  return reportPath.replace(/\.json$/i, '') + '.svg';
}

/** Writes the JSON report and the SVG chart; returns both paths. */
export function writeReport(path: string, report: Report): { json: string; svg: string } {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  const svg = chartPathFor(path);
  writeFileSync(svg, renderChart({
    title: `${report.meta.kind} ${report.meta.name} ${report.meta.startedAt}`, series: report.summary.series, marks: report.summary.marks,
    durationS: report.summary.durationS,
  }));
  return { json: path, svg };
}

// Pure parts of the redirect bench: medians over alternated runs, the ratio, the printed table.
import { APP_CPU_RATIO_AIM } from '../../loadtest/lib/aims.js';

export interface RunResult {
  rps: number; p99Ms: number; requests: number; errors: number; unexpected: number;
  /** CPU time of this process (which hosts the server under load) per request, in microseconds. */
  cpuUsPerRequest?: number;
}
export interface Summary { rps: number; p99Ms: number; cpuUsPerRequest: number; runs: RunResult[] }

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(runs: RunResult[]): Summary {
  return {
    rps: median(runs.map((r) => r.rps)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest ?? Number.NaN)),
    runs,
  };
}

const cpuMultiple = (service: Summary, ceiling: Summary) => service.cpuUsPerRequest / ceiling.cpuUsPerRequest;

/** The order of runs: A B A B ..., so drift on a shared machine hits both sides alike. */
export function alternate<T>(a: T, b: T, rounds: number): T[] {
  return Array.from({ length: rounds }, () => [a, b]).flat();
}


export function renderReport(input: { service: Summary; ceiling: Summary; connections: number; durationSec: number; target: number }): string {
  const { service, ceiling } = input;
  const ratio = service.rps / ceiling.rps;
  const row = (name: string, s: Summary) =>
    `${name.padEnd(34)} ${s.rps.toFixed(0).padStart(9)} ${s.p99Ms.toFixed(0).padStart(8)} ${s.cpuUsPerRequest.toFixed(1).padStart(11)}   ${s.runs.map((r) => r.rps.toFixed(0)).join(' / ')}`;
  return [
    `redirect bench: ${input.connections} connections, ${input.durationSec} s per run, medians of ${service.runs.length} alternated runs`,
    `${'server'.padEnd(34)} ${'req/s'.padStart(9)} ${'p99 ms'.padStart(8)} ${'CPU us/req'.padStart(11)}   runs (req/s)`,
    row('shortstack GET /:code (cached)', service),
    row('bare Fastify, redirect from a Map', ceiling),
    `ratio: ${ratio.toFixed(2)} of the ceiling (target >= ${input.target.toFixed(2)}): ${ratio >= input.target ? 'met' : 'NOT met'}`,
    // On a shared machine throughput moves with the neighbours' load; CPU per request much less.
    `CPU ratio (ceiling / service, per request): ${(ceiling.cpuUsPerRequest / service.cpuUsPerRequest).toFixed(2)}`,
    `CPU per cached redirect: ${cpuMultiple(service, ceiling).toFixed(2)}x the bare server's (aim <= ${APP_CPU_RATIO_AIM}): ${cpuMultiple(service, ceiling) <= APP_CPU_RATIO_AIM ? 'PASS' : 'FAIL'}`,
  ].join('\n');
}

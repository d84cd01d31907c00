// Plain-text tables for the terminal: the load report, the bench table and chaos figures share
// one column formatter.
import { OPS } from './classify.js';
import type { Summary } from './aggregate.js';

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
export const fmtRate = (n: number) => (n >= 100 ? fmtInt(n) : n.toFixed(1));

/** The end-of-run report: totals, latency, status counts and every kind of failure. */
export function renderSummary(title: string, s: Summary): string {
  const totals = formatTable(
    ['', 'value'],
    [
      ['duration (s)', s.durationS.toFixed(1)],
      ['requests', fmtInt(s.requests)],
      ['ok', fmtInt(s.ok)],
      ['failed', fmtInt(s.failed)],
      ['throughput (responses/s)', fmtRate(s.throughput)],
      ['ok throughput (req/s)', fmtRate(s.okThroughput)],
      ['latency p50 (ms)', fmtMs(s.latency.p50)],
      ['latency p90 (ms)', fmtMs(s.latency.p90)],
      ['latency p99 (ms)', fmtMs(s.latency.p99)],
      ['latency max (ms)', fmtMs(s.latency.max)],
    ],
  );
  const statuses = Object.entries(s.statusCounts)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([code, n]) => `${code}: ${fmtInt(n)}`)
    .join('  ');
  const failures = formatTable(
    ['failures by kind', 'count'],
    [
      ['timeouts', fmtInt(s.errors.timeout)],
      ['connection resets', fmtInt(s.errors.reset)],
      ['connection refused', fmtInt(s.errors.refused)],
      ['other transport errors', fmtInt(s.errors.other)],
      ['5xx', fmtInt(s.outcomes.server_error)],
      ['503 with Retry-After', fmtInt(s.outcomes.unavailable)],
      ['429 rate limited', fmtInt(s.outcomes.rate_limited)],
      ['unexpected 4xx', fmtInt(s.outcomes.unexpected_4xx)],
      ['redirect with wrong Location', fmtInt(s.outcomes.wrong_location)],
      ['other unexpected status', fmtInt(s.outcomes.unexpected_status)],
    ],
  );
  const perOp = formatTable(
    ['operation', 'requests', 'ok', 'failed'],
    OPS.filter((op) => s.byOp[op].requests > 0).map((op) => {
      const c = s.byOp[op];
      return [op, fmtInt(c.requests), fmtInt(c.ok), fmtInt(c.failed)];
    }),
  );
  // Not failures: the load generator wrote them after the server said `Connection: close`.
  const afterClose = s.sentAfterClose > 0
    ? [`not counted: ${fmtInt(s.sentAfterClose)} requests written after the server said Connection: close (the load generator's doing)`]
    : [];
  return [`== ${title}`, totals, '', `status codes: ${statuses || '(none)'}`, '', perOp, '', failures, ...afterClose].join('\n');
}

/**
 * One live line: elapsed time, current rate, failures so far. The planned length is a plan: a run
 * that outlasts it (a fault step slower than planned, autocannon's last tick) shows the elapsed
 * time as the length so far, never more elapsed than planned.
 */
export function progressLine(p: { elapsedS: number; totalS: number; connections: number; rps: number; requests: number; failed: number }): string {
  const elapsed = Math.round(p.elapsedS);
  return `[${String(elapsed).padStart(4)}s/${Math.max(elapsed, Math.round(p.totalS))}s] ${String(p.connections).padStart(4)} conns  ` +
    `${fmtRate(p.rps).padStart(8)} req/s  ${fmtInt(p.requests).padStart(10)} requests  ${fmtInt(p.failed)} failed`;
}

// The figures a chaos run prints: failures by operation and kind, worst latency, recovery, aims.
import { ERROR_KINDS, OPS, OUTCOMES } from '../lib/classify.js';
import { fmtInt, fmtMs, formatTable } from '../lib/table.js';
import { CHAOS, type AimResult, type ChaosResult } from './scenarios.js';

export function renderChaos(r: ChaosResult): string {
  const s = r.summary;
  const kinds = [...OUTCOMES.filter((o) => o !== 'ok'), ...ERROR_KINDS] as const;
  const rows = OPS.filter((op) => s.byOp[op].requests > 0).map((op) => {
    const c = s.byOp[op];
    const byKind = kinds
      .map((k) => [k, (c.outcomes as Record<string, number>)[k] ?? (c.errors as Record<string, number>)[k] ?? 0] as const)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    return [op, fmtInt(c.requests), fmtInt(c.failed), byKind || '-'];
  });
  const rec = r.recovery;
  const lines = [
    CHAOS[r.scenario].fault === 'rollout'
      ? `== chaos ${r.scenario}: ${r.victim} replaced in turn from ${r.faultAtS.toFixed(1)}s to ${r.faultDoneAtS.toFixed(1)}s`
      : `== chaos ${r.scenario}: ${CHAOS[r.scenario].fault} ${r.victim} at ${r.faultAtS.toFixed(1)}s (down at ${r.faultDoneAtS.toFixed(1)}s), back at ${r.restoreAtS.toFixed(1)}s`,
    formatTable(['operation', 'requests', 'failed', 'failures by kind'], rows),
    '',
    `requests ${fmtInt(s.requests)}, failed ${fmtInt(s.failed)}; worst latency ${fmtMs(s.latency.max)} ms (p99 ${fmtMs(s.latency.p99)} ms)`,
    ...(s.sentAfterClose > 0
      ? [`not counted: ${fmtInt(s.sentAfterClose)} requests written after the server said Connection: close (the load generator's doing)`]
      : []),
    `baseline ${fmtInt(rec.baselineOkRps)} ok req/s; disturbed seconds: ${rec.disturbedSeconds.length ? rec.disturbedSeconds.join(', ') : 'none'}`,
    `time to recover after ${CHAOS[r.scenario].fault === 'rollout' ? 'the rollout' : `${r.victim} was back`}: ${rec.timeToRecoverS === undefined ? 'NOT RECOVERED by the end of the run' : `${rec.timeToRecoverS.toFixed(1)} s`}`,
  ];
  if (r.clicks) lines.push(`clicks: ${fmtInt(r.clicks.served)} redirects served, ${fmtInt(r.clicks.recorded)} recorded`);
  if (r.createdMissing !== undefined) lines.push(`links created (201): ${fmtInt(r.created)}, missing afterwards: ${r.createdMissing}`);
  if (r.drill) {
    const d = r.drill;
    lines.push(
      `restored to ${d.point}: ${fmtInt(d.beforePoint)} links created before it (${d.beforePointMissing} missing), ${fmtInt(d.afterPoint)} after it (${d.afterPointBack} begun after it back)`,
      `RPO ${d.rpoS === undefined ? 'unknown (nothing archived)' : `${d.rpoS.toFixed(1)} s`} (writes held only by WAL not yet archived when the data directory went)`,
      `RTO ${d.rtoS === undefined ? 'NOT RECOVERED' : `${d.rtoS.toFixed(1)} s`} (data directory destroyed to the front door's next 201; the restore itself ${d.restoreS.toFixed(1)} s)`,
    );
  }
  lines.push('', renderAims(CHAOS[r.scenario].aims(r)));
  return lines.join('\n');
}

export function renderAims(aims: AimResult[]): string {
  return formatTable(
    ['aim', 'result', 'measured'],
    aims.map((a) => [a.aim, a.pass === undefined ? 'not checked' : a.pass ? 'PASS' : 'FAIL', a.detail]),
  );
}

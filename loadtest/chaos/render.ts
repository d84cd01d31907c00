// The figures a chaos run prints: failures by operation and kind, worst latency, recovery, aims.
import { ERROR_KINDS, OPS, OUTCOMES } from '../lib/classify.js';
import { fmtInt, fmtMs, formatTable } from '../lib/table.js';
import { CHAOS, describeLost, type AimResult, type ChaosResult } from './scenarios.js';

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
    `baseline ${fmtInt(rec.baselineOkRps)} ok req/s; disturbed ${rec.disturbedSeconds.length} s: ${secondsList(rec.disturbedSeconds)}`,
    `  ${downLabel(r)}: ${secondsList(rec.downSeconds)}; failing or under half the baseline: ${secondsList(rec.trafficDisturbedSeconds)}`,
    `ok throughput while disturbed: ${rec.drop
      ? `mean ${fmtInt(rec.drop.meanOkRps)} req/s (${vsBaseline(rec.drop.meanOkRps, rec.baselineOkRps)}), lowest ${fmtInt(rec.drop.lowestOkRps)} req/s in second ${rec.drop.lowestAtS} (${vsBaseline(rec.drop.lowestOkRps, rec.baselineOkRps)})`
      : 'no whole second to judge'}`,
    `time to recover after ${CHAOS[r.scenario].fault === 'rollout' ? 'the rollout' : `${r.victim} was back`}: ${rec.timeToRecoverS === undefined ? 'NOT RECOVERED by the end of the run' : `${rec.timeToRecoverS.toFixed(1)} s`}`,
  ];
  if (r.clicks) lines.push(`clicks: ${fmtInt(r.clicks.served)} redirects served, ${fmtInt(r.clicks.recorded)} recorded; at the end ${fmtInt(r.clicks.rollups.events)} recorded, ${fmtInt(r.clicks.rollups.counted)} in the roll-ups`);
  if (r.createdMissing !== undefined) lines.push(`links created (201): ${fmtInt(r.created)}, missing afterwards: ${r.createdMissing}`);
  if (r.drill) {
    const d = r.drill;
    lines.push(
      `restored to ${d.point}: ${fmtInt(d.beforePoint)} links created before it (${d.beforePointMissing} missing), ${fmtInt(d.afterPoint)} after it (${d.afterPointBack} begun after it back)`,
      `RPO ${d.rpoS === undefined ? 'unknown (nothing archived)' : `${d.rpoS.toFixed(1)} s`} (writes held only by WAL not yet archived when the data directory went)`,
      `RTO ${d.rtoS === undefined ? 'NOT RECOVERED' : `${d.rtoS.toFixed(1)} s`} (data directory destroyed to the front door's next 201; the restore itself ${d.restoreS.toFixed(1)} s)`,
      `lost links (made and followed after the point): ${d.lost.followed} of ${d.lost.made} followed before; ${describeLost(d.lost)}`,
    );
  }
  lines.push('', renderAims(CHAOS[r.scenario].aims(r)));
  return lines.join('\n');
}

/** Seconds as runs: 3, 4, 5, 8 -> "3-5, 8". */
export function secondsList(seconds: readonly number[]): string {
  if (seconds.length === 0) return 'none';
  const runs: [number, number][] = [];
  for (const t of seconds) {
    const last = runs.at(-1);
    if (last && t === last[1] + 1) last[1] = t;
    else runs.push([t, t]);
  }
  return runs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ');
}

/** A figure against the baseline: "31% under the baseline" (or over, when a neighbour went quiet). */
export function vsBaseline(okRps: number, baselineOkRps: number): string {
  if (!(baselineOkRps > 0)) return 'no baseline';
  const pct = Math.round((1 - okRps / baselineOkRps) * 100);
  return pct >= 0 ? `${pct}% under the baseline` : `${-pct}% over the baseline`;
}

const downLabel = (r: ChaosResult): string => {
  const fault = CHAOS[r.scenario].fault;
  return fault === 'rollout' ? 'replicas being replaced' : fault === 'restore' ? `${r.victim} gone until restored` : `${r.victim} down`;
};

export function renderAims(aims: AimResult[]): string {
  return formatTable(
    ['aim', 'result', 'measured'],
    aims.map((a) => [a.aim, a.pass === undefined ? 'not checked' : a.pass ? 'PASS' : 'FAIL', a.detail]),
  );
}

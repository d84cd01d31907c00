// The chaos scenarios of issue 5: which component, which fault, for how long, and the aims each
// run is judged by (pure functions of the run's result).
import { OPS, type Op } from '../lib/classify.js';
import type { Summary } from '../lib/aggregate.js';
import { clicksLost, readyStatesBetween, type ClickAccounting, type ReadySample, type Recovery } from './analysis.js';
import type { LostLinks, RestoreDrill } from './restore-drill.js';
import type { Component } from './target.js';

export const CHAOS_SCENARIOS = ['kill-replica', 'restart-replica', 'redis-down', 'postgres-restart', 'pgbouncer-down', 'rollout', 'restore'] as const;
export type ChaosScenarioName = (typeof CHAOS_SCENARIOS)[number];

export function isChaosScenario(name: string): name is ChaosScenarioName {
  return (CHAOS_SCENARIOS as readonly string[]).includes(name);
}

export interface ChaosResult {
  scenario: ChaosScenarioName;
  /** The server the fault hit (app-1, redis, ...). */
  victim: string;
  summary: Summary;
  faultAtS: number;
  /** When the kill or stop returned: a graceful stop lasts as long as the server drains. */
  faultDoneAtS: number;
  restoreAtS: number;
  recovery: Recovery;
  ready: ReadySample[];
  /** Links that got a 201 during the run, and how many of them the database lacks afterwards. */
  created: number;
  createdMissing?: number | undefined;
  clicks?: ClickAccounting | undefined;
  replicasUp?: boolean | undefined;
  /** The restore drill's books and figures (scenario restore). */
  drill?: RestoreDrill | undefined;
}

export interface AimResult {
  aim: string;
  /** undefined: could not be checked against this target (e.g. no database URL for a Docker stack). */
  pass: boolean | undefined;
  detail: string;
}

export interface ChaosScenario {
  name: ChaosScenarioName;
  component: Component;
  /**
   * rollout: every replica replaced in turn (nothing is down; the fault is over once the last is
   * replaced). restore: backup, point in time, data directory destroyed, restored to the point.
   */
  fault: 'kill' | 'stop' | 'rollout' | 'restore';
  /** How long the component stays down by default. */
  downS: number;
  aims(r: ChaosResult): AimResult[];
}

const failedOf = (s: Summary, ops: readonly Op[]) => ops.reduce((n, op) => n + s.byOp[op].failed, 0);

function zeroFailed(r: ChaosResult, ops: readonly Op[], aim: string): AimResult {
  const n = failedOf(r.summary, ops);
  const total = ops.reduce((t, op) => t + r.summary.byOp[op].requests, 0);
  return { aim, pass: n === 0, detail: `${n} failed of ${total}` };
}

function noClicksLost(r: ChaosResult): AimResult {
  if (!r.clicks) return { aim: 'zero clicks lost', pass: undefined, detail: 'no database URL: not checked' };
  const lost = clicksLost(r.clicks);
  return { aim: 'zero clicks lost', pass: lost === 0, detail: `${r.clicks.served} served, ${r.clicks.recorded} recorded, ${lost} lost` };
}

/** A crashed replica's kept roll-ups are applied by another: the counts end equal to the events. */
function rollupsCaughtUp(r: ChaosResult): AimResult {
  const aim = 'the roll-ups count every recorded click';
  if (!r.clicks) return { aim, pass: undefined, detail: 'no database URL: not checked' };
  const { events, counted } = r.clicks.rollups;
  return { aim, pass: counted === events, detail: `${events} recorded, ${counted} in the roll-ups` };
}

function everyCreatedLinkThere(r: ChaosResult): AimResult {
  const aim = 'every link that got a 201 is in the database';
  if (r.createdMissing === undefined) return { aim, pass: undefined, detail: 'no database URL: not checked' };
  return { aim, pass: r.createdMissing === 0, detail: `${r.created} created, ${r.createdMissing} missing` };
}

function writesFailOnlyAs503(r: ChaosResult): AimResult {
  const c = r.summary.byOp.create;
  const other = c.failed - c.outcomes.unavailable;
  return {
    aim: 'writes fail only as 503 with Retry-After',
    pass: other === 0,
    detail: `${c.outcomes.unavailable} declared 503, ${other} other failures of ${c.requests} creates`,
  };
}

function readyDegradedWhileDown(r: ChaosResult): AimResult {
  const states = readyStatesBetween(r.ready, r.faultAtS + 1, r.restoreAtS);
  return { aim: '/ready says degraded while Redis is down', pass: states.size > 0 && [...states].every((s) => s === 'degraded'), detail: `seen: ${[...states].join(', ') || 'nothing'}` };
}

function everyReplicaServing(r: ChaosResult): AimResult {
  const aim = 'every replica replaced and serving';
  return { aim, pass: r.replicasUp, detail: r.replicasUp === undefined ? 'cannot tell on this target' : r.replicasUp ? 'all up' : 'some replica is down' };
}

function fullRecoveryWithoutRestarts(r: ChaosResult): AimResult {
  const last = r.ready[r.ready.length - 1];
  const ok = last?.status === 'ok' && r.recovery.recoveredAtS !== undefined && r.replicasUp !== false;
  return {
    aim: 'full recovery without restarts',
    pass: r.replicasUp === undefined && ok ? undefined : ok,
    detail: `last /ready: ${last?.status ?? 'none'}; traffic ${r.recovery.recoveredAtS === undefined ? 'not recovered' : 'recovered'}; replicas ${r.replicasUp === undefined ? 'unknown' : r.replicasUp ? 'never restarted' : 'restarted or down'}`,
  };
}

/** Issue 14's aim: at most a minute of writes lost (archive_timeout is at most 60 s). */
export const RPO_AIM_S = 60;
/**
 * Links the restore lost stop redirecting within this long of the writers' return: each replica
 * checks the database's lineage every second (app/src/cache/lineage-watch.ts); the rest is room
 * for a loaded machine.
 */
export const LOST_LINKS_GONE_AIM_S = 10;

/** What the lost links did after the restore, in words (the drill's log, its report and its aim). */
export function describeLost(l: Pick<LostLinks, 'made' | 'redirectingAfterRestore' | 'goneS'>): string {
  return `${l.redirectingAfterRestore} of ${l.made} still redirected after the restore; `
    + `${l.goneS === undefined ? 'some still did a minute later' : `all 404 after ${l.goneS.toFixed(1)} s`}`;
}

/** The links made and followed after the point: cached before the destruction, gone from the front door soon after the restore. */
function lostLinksGone(l: LostLinks): AimResult {
  const aim = `links the restore lost stop redirecting within ${LOST_LINKS_GONE_AIM_S} s`;
  if (l.made === 0 || l.followed < l.made) return { aim, pass: false, detail: `${l.followed} of ${l.made} made were followed before the destruction: nothing to judge` };
  return {
    aim, pass: l.goneS !== undefined && l.goneS <= LOST_LINKS_GONE_AIM_S,
    detail: describeLost(l),
  };
}

function drillAims(r: ChaosResult): AimResult[] {
  const d = r.drill;
  if (!d) return [{ aim: 'restore drill', pass: false, detail: 'the drill did not run' }];
  return [
    { aim: 'every link that got a 201 before the point is back', pass: d.beforePointMissing === 0, detail: `${d.beforePoint} before the point, ${d.beforePointMissing} missing` },
    { aim: 'no link committed after the point is back', pass: d.afterPointBack === 0, detail: `${d.afterPoint} answered after the point, ${d.afterPointBack} of those begun after it are back` },
    { aim: `RPO at most ${RPO_AIM_S} s`, pass: d.rpoS !== undefined && d.rpoS <= RPO_AIM_S, detail: d.rpoS === undefined ? 'nothing archived' : `${d.rpoS.toFixed(1)} s of writes only in unarchived WAL` },
    { aim: 'the front door serves writes again', pass: d.rtoS !== undefined, detail: d.rtoS === undefined ? 'no 201 after the restore' : `RTO ${d.rtoS.toFixed(1)} s` },
    lostLinksGone(d.lost),
  ];
}

const dataTierAims = (r: ChaosResult) => [
  zeroFailed(r, ['redirect'], 'cached redirects never fail'),
  writesFailOnlyAs503(r),
  everyCreatedLinkThere(r),
  noClicksLost(r),
  rollupsCaughtUp(r),
];

export const CHAOS: Record<ChaosScenarioName, ChaosScenario> = {
  'kill-replica': {
    name: 'kill-replica', component: 'replica', fault: 'kill', downS: 3,
    aims: (r) => [zeroFailed(r, ['redirect'], 'zero failed redirects (nginx retries idempotent requests)'), rollupsCaughtUp(r)],
  },
  'restart-replica': {
    name: 'restart-replica', component: 'replica', fault: 'stop', downS: 3,
    aims: (r) => [zeroFailed(r, OPS, 'zero failed requests of any kind'), noClicksLost(r), rollupsCaughtUp(r)],
  },
  'redis-down': {
    name: 'redis-down', component: 'redis', fault: 'stop', downS: 20,
    aims: (r) => [zeroFailed(r, ['redirect'], 'zero failed redirects'), readyDegradedWhileDown(r), fullRecoveryWithoutRestarts(r)],
  },
  'postgres-restart': { name: 'postgres-restart', component: 'postgres', fault: 'stop', downS: 5, aims: dataTierAims },
  'pgbouncer-down': { name: 'pgbouncer-down', component: 'pgbouncer', fault: 'stop', downS: 5, aims: dataTierAims },
  rollout: {
    name: 'rollout', component: 'replica', fault: 'rollout', downS: 0,
    aims: (r) => [zeroFailed(r, OPS, 'zero failed requests of any kind'), noClicksLost(r), rollupsCaughtUp(r), everyCreatedLinkThere(r), everyReplicaServing(r)],
  },
  // downS: seconds of writes between the backup and the point, and again between the point and
  // the destruction: past archive_timeout, so the point's WAL is archived by then.
  restore: { name: 'restore', component: 'postgres', fault: 'restore', downS: 65, aims: drillAims },
};

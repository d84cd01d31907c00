// The chaos scenarios of issue 5: which component, which fault, for how long, and the aims each
// run is judged by (pure functions of the run's result).
import { OPS, type Op } from '../lib/classify.js';
import type { Summary } from '../lib/aggregate.js';
import { clicksLost, readyStatesBetween, type ClickAccounting, type ReadySample, type Recovery } from './analysis.js';
import type { Component } from './target.js';

export const CHAOS_SCENARIOS = ['kill-replica', 'restart-replica', 'redis-down', 'postgres-restart', 'pgbouncer-down', 'rollout'] as const;
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
  /** rollout: every replica replaced in turn (nothing is down; the fault is over once the last is replaced). */
  fault: 'kill' | 'stop' | 'rollout';
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

const dataTierAims = (r: ChaosResult) => [
  zeroFailed(r, ['redirect'], 'cached redirects never fail'),
  writesFailOnlyAs503(r),
  everyCreatedLinkThere(r),
  noClicksLost(r),
];

export const CHAOS: Record<ChaosScenarioName, ChaosScenario> = {
  'kill-replica': {
    name: 'kill-replica', component: 'replica', fault: 'kill', downS: 3,
    aims: (r) => [zeroFailed(r, ['redirect'], 'zero failed redirects (nginx retries idempotent requests)')],
  },
  'restart-replica': {
    name: 'restart-replica', component: 'replica', fault: 'stop', downS: 3,
    aims: (r) => [zeroFailed(r, OPS, 'zero failed requests of any kind'), noClicksLost(r)],
  },
  'redis-down': {
    name: 'redis-down', component: 'redis', fault: 'stop', downS: 20,
    aims: (r) => [zeroFailed(r, ['redirect'], 'zero failed redirects'), readyDegradedWhileDown(r), fullRecoveryWithoutRestarts(r)],
  },
  'postgres-restart': { name: 'postgres-restart', component: 'postgres', fault: 'stop', downS: 5, aims: dataTierAims },
  'pgbouncer-down': { name: 'pgbouncer-down', component: 'pgbouncer', fault: 'stop', downS: 5, aims: dataTierAims },
  rollout: {
    name: 'rollout', component: 'replica', fault: 'rollout', downS: 0,
    aims: (r) => [zeroFailed(r, OPS, 'zero failed requests of any kind'), noClicksLost(r), everyCreatedLinkThere(r), everyReplicaServing(r)],
  },
};

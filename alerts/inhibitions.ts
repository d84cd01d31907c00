// One root cause pages once: while the cause fires, Alertmanager holds back the symptoms it causes.
import { SLOS } from './slo/spec.js';

export interface Inhibition {
  /** Alert names (exact) that, while firing, silence the targets. */
  sources: string[];
  targets: string[];
  /** Labels that must match between source and target; none = stack-wide. */
  equal?: string[];
  why: string;
}

const sloAlerts = (kind: 'Page' | 'Ticket') => SLOS.map((s) => `${s.alertPrefix}BudgetBurn${kind}`);
const appSymptoms = ['AppReplicaErrorRatioHigh', 'RedirectLatencyHigh', ...sloAlerts('Page'), ...sloAlerts('Ticket')];
const clickSymptoms = ['ClicksDropped', 'ClickFlusherBehind'];

export const INHIBITIONS: Inhibition[] = [
  {
    sources: ['AppAllReplicasDown'],
    targets: ['AppReplicaDown', 'AppRedundancyLost', 'AppReplicaRestarted', 'RedisCircuitOpen', ...appSymptoms, ...clickSymptoms],
    why: 'Every replica down is the outage; per-replica alerts and error ratios restate it.',
  },
  {
    sources: ['PostgresDown', 'PgbouncerDown'],
    targets: ['PgbouncerPoolSaturated', ...appSymptoms, ...clickSymptoms],
    why: 'Without the database, writes fail with 503, clients queue in PgBouncer and clicks pile up: one cause, one page.',
  },
  {
    sources: ['RedisDown'],
    targets: ['RedisCircuitOpen'],
    why: 'Replicas open their Redis circuit because Redis is down.',
  },
  {
    sources: ['PostgresVolumeAlmostFull'],
    targets: ['PostgresVolumeFilling'],
    equal: ['instance'],
    why: 'The page supersedes the ticket for the same volume.',
  },
  {
    sources: sloAlerts('Page'),
    targets: sloAlerts('Ticket'),
    equal: ['slo'],
    why: 'A fast burn also trips the slow windows: page once per SLO.',
  },
];

// One root cause pages once: while the cause fires, Alertmanager holds back the symptoms it
// causes, and for the causes whose symptoms outlast them (SLO burn windows look back up to
// 30 minutes for a page), a while after it resolves too, so the recovery is not a second page.
import { SLOS } from './slo/spec.js';

export interface Inhibition {
  /** Alert names (exact) that, while firing, silence the targets. */
  sources: string[];
  targets: string[];
  /** Labels that must match between source and target; none = stack-wide. */
  equal?: string[];
  why: string;
  /**
   * Also hold the targets back for HOLD_AFTER_RECOVERY after a source resolves, through the
   * RootCauseRecentlyFiring alert (the InfoInhibitor pattern: an alert that notifies no one,
   * only inhibits).
   */
  holdAfterRecovery?: boolean;
}

/** The alert that keeps firing a while after a root cause resolved (alerts/rules/inhibitors.ts). */
export const RECENT_CAUSE_ALERT = 'RootCauseRecentlyFiring';
/**
 * How long after: the longest short window of a page (30m, the 6x burn) plus 5 minutes. The
 * ticket windows look further back (2h, 6h): a ticket after an outage is the budget review it
 * asks for, not a page.
 */
export const HOLD_AFTER_RECOVERY = '35m';

const sloAlerts = (kind: 'Page' | 'Ticket', ids?: string[]) =>
  SLOS.filter((s) => !ids || ids.includes(s.id)).map((s) => `${s.alertPrefix}BudgetBurn${kind}`);
const appSymptoms = ['AppReplicaErrorRatioHigh', 'RedirectLatencyHigh', ...sloAlerts('Page'), ...sloAlerts('Ticket')];
const clickSymptoms = ['ClicksDropped', 'ClickFlusherBehind'];
const edgeBurns = [...sloAlerts('Page', ['edge-availability']), ...sloAlerts('Ticket', ['edge-availability'])];

export const INHIBITIONS: Inhibition[] = [
  {
    sources: ['AppAllReplicasDown'],
    targets: ['AppReplicaDown', 'AppRedundancyLost', 'AppReplicaRestarted', 'AppCrashLoop', 'RedisCircuitOpen', 'TrafficDropWeekOverWeek', 'LinkInvalidationsStuck', ...appSymptoms, ...clickSymptoms],
    why: 'Every replica down is the outage; per-replica alerts, error ratios, the traffic drop and the SLO burns restate it, and the burns go on for a while after the replicas are back.',
    holdAfterRecovery: true,
  },
  {
    sources: ['NginxDown'],
    targets: ['TrafficDropWeekOverWeek', ...edgeBurns],
    why: 'With the front door down no request arrives: the edge SLO burns and traffic drops because of it.',
    holdAfterRecovery: true,
  },
  {
    sources: ['PostgresDown', 'PgbouncerDown'],
    targets: ['PgbouncerPoolSaturated', 'LinkInvalidationsStuck', ...appSymptoms, ...clickSymptoms],
    why: 'Without the database, writes fail with 503, clients queue in PgBouncer, clicks pile up and the invalidation outbox cannot be read: one cause, one page.',
    holdAfterRecovery: true,
  },
  {
    sources: ['AppRedundancyLost'],
    targets: ['AppReplicaDown'],
    why: 'The page for the last replica standing already says the others are down.',
  },
  {
    sources: ['AppCrashLoop'],
    targets: ['AppReplicaRestarted'],
    equal: ['instance'],
    why: 'A crash loop is a restart every few minutes: one alert for the replica, not one per restart.',
  },
  {
    sources: ['RedisDown'],
    targets: ['RedisCircuitOpen', 'LinkInvalidationsStuck'],
    why: 'Replicas open their Redis circuit because Redis is down, and the invalidation outbox waits for it by design.',
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

/** Causes whose symptoms are held back after they resolve. */
export function causesHeldAfterRecovery(): string[] {
  return [...new Set(INHIBITIONS.filter((i) => i.holdAfterRecovery).flatMap((i) => i.sources))];
}

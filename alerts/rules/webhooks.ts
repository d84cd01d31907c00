// Webhook deliveries: an outbox in PostgreSQL drained by a worker on every replica.
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/contract/panels.js';
import type { Commands } from '../commands.js';
import { THRESHOLDS } from '../thresholds.js';
import type { AlertDefinition } from '../types.js';

const overview = (panel: string) => ({ dashboard: DASHBOARDS.overview.title, panel });
const age = THRESHOLDS.webhookOldestPendingSeconds;
const PENDING_SQL = "SELECT w.url, count(*), min(d.created_at), max(d.attempts), max(d.last_error) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.status = 'pending' GROUP BY w.url ORDER BY 2 DESC LIMIT 10";

/** The outbox by status (no quotes: the ECS Exec psql line allows none). */
const STATUS_SQL = 'SELECT status, count(*), min(created_at), max(attempts) FROM webhook_deliveries GROUP BY 1 ORDER BY 2 DESC';

export function webhookAlerts({ docker, aws, loopback }: Commands): AlertDefinition[] {
  return [
    {
      name: 'WebhookBacklogGrowing',
      group: 'shortstack-webhooks',
      // Old undelivered rows alone may be one receiver that is down (its deliveries wait out the
      // retry window); growing beside them means the outbox fills faster than it drains.
      expr: `max(shortstack_webhook_oldest_pending_seconds) > ${age} and max(shortstack_webhook_queue_depth) > max(shortstack_webhook_queue_depth offset 15m)`,
      for: '10m',
      severity: 'warning',
      component: 'app',
      summary: 'Webhook backlog growing; the oldest undelivered delivery is {{ $value | printf "%.0f" }} s old',
      description: `Webhook deliveries older than ${age} s are waiting and the outbox has grown over the last 15 minutes.`,
      runbook: {
        meaning: 'The webhook outbox (webhook_deliveries, status pending) fills faster than the replicas deliver it: receivers fail or time out, or the workers cannot claim rows.',
        impact: 'Receivers get link events late; deliveries older than the retry window are dead-lettered and never sent. Redirects and the API are not affected.',
        diagnose: {
          promql: [
            'max(shortstack_webhook_queue_depth)',
            'max(shortstack_webhook_oldest_pending_seconds)',
            'sum by (outcome) (rate(shortstack_webhook_deliveries_total[5m]))',
            'sum by (instance) (rate(shortstack_webhook_deliveries_total[5m]))',
          ],
          logql: ['{component="app"} | json | component="webhooks"'],
          panel: overview(OVERVIEW_PANELS.webhookBacklog),
          commands: {
            docker: [docker.psql(PENDING_SQL), docker.logs('<instance>')],
            loopback: [loopback.logs('app'), `psql "$DIRECT_DATABASE_URL" -c "${PENDING_SQL}"`],
            aws: [aws.psql(STATUS_SQL), aws.logs('app', { filter: 'webhook' })],
          },
        },
        mitigate: [
          'Mostly failed outcomes for one target (the query above): that receiver is down or answers non-2xx. Tell its owner; its deliveries are retried with backoff until the window ends, then dead-lettered.',
          'No delivered or failed outcomes at all: the workers are not claiming. Check the replicas are up and the database path works (PostgresDown, PgbouncerDown).',
          'Many receivers slow (5 s timeouts): add replicas; each delivers 10 at a time.',
          'A receiver that must be stopped: delete its webhook (DELETE /webhooks/:id), which removes its deliveries.',
        ],
        escalate: 'Ticket the app team; page nobody: link traffic is unaffected.',
      },
    },
  ];
}

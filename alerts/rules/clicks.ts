// Click counting: buffered in each replica, flushed in batches; nothing acknowledged is lost.
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/contract/panels.js';
import type { Commands } from '../commands.js';
import { THRESHOLDS } from '../thresholds.js';
import type { AlertDefinition } from '../types.js';

const overview = (panel: string) => ({ dashboard: DASHBOARDS.overview.title, panel });

export function clickAlerts({ docker, aws, loopback }: Commands): AlertDefinition[] {
  return [
    {
      name: 'ClicksDropped',
      group: 'shortstack-clicks',
      expr: 'sum by (instance) (increase(shortstack_clicks_dropped_total[5m])) > 0',
      for: '0m',
      severity: 'warning',
      component: 'app',
      summary: '{{ $labels.instance }} dropped {{ $value | printf "%.0f" }} clicks in 5 minutes',
      description: 'The click buffer of {{ $labels.instance }} is full and drops the oldest clicks: click counts are being lost.',
      runbook: {
        meaning: 'The in-memory click buffer reached CLICK_BUFFER_MAX because flushes to PostgreSQL fail or are too slow.',
        impact: 'Redirects keep working; click statistics lose the dropped clicks for good.',
        diagnose: {
          promql: [
            'sum by (instance) (rate(shortstack_clicks_dropped_total[5m]))',
            'shortstack_click_buffer_depth',
            'sum by (instance) (rate(shortstack_click_flush_failures_total[5m]))',
            'histogram_quantile(0.99, sum by (le) (rate(shortstack_click_flush_duration_seconds_bucket[5m])))',
          ],
          logql: ['{component="app"} | json |= "flush"'],
          panel: overview(OVERVIEW_PANELS.clickFlushes),
          commands: {
            docker: [docker.logs('<instance>')],
            loopback: [loopback.logs('<instance>')],
            aws: [aws.tasks('app'), aws.logs('app', { task: '<task-id>', filter: 'flush' })],
          },
        },
        mitigate: [
          'Flushes failing: the database or PgBouncer is down or saturated (see PostgresDown, PgbouncerPoolSaturated).',
          'Flushes slow but succeeding under a traffic peak: raise CLICK_FLUSH_BATCH or CLICK_BUFFER_MAX for the replicas.',
        ],
        escalate: 'Ticket the app team; the loss is measured by the counter and goes in the incident note.',
      },
    },
    {
      name: 'ClickFlusherBehind',
      group: 'shortstack-clicks',
      expr: `max by (instance) (shortstack_click_buffer_oldest_seconds) > ${THRESHOLDS.clickFlushLagSeconds}`,
      for: '2m',
      severity: 'warning',
      component: 'app',
      summary: 'Oldest unflushed click on {{ $labels.instance }} is {{ $value | printf "%.0f" }} s old',
      description: `The click flusher of {{ $labels.instance }} has been more than ${THRESHOLDS.clickFlushLagSeconds} s behind for 2 minutes.`,
      runbook: {
        meaning: 'Clicks wait in memory longer than they should: flushes fail or cannot keep up.',
        impact: 'Click counts lag; a crash now loses every unflushed click (a graceful stop drains them).',
        diagnose: {
          promql: [
            'shortstack_click_buffer_oldest_seconds',
            'shortstack_click_buffer_depth',
            'sum by (instance) (rate(shortstack_click_flush_failures_total[5m]))',
            'sum by (instance) (rate(shortstack_clicks_flushed_total[5m]))',
          ],
          logql: ['{component="app", replica="<instance>"} | json |= "flush"'],
          panel: overview(OVERVIEW_PANELS.clickBuffer),
          commands: {
            docker: [docker.logs('<instance>')],
            loopback: [loopback.logs('<instance>')],
            aws: [aws.tasks('app'), aws.logs('app', { task: '<task-id>', filter: 'flush' })],
          },
        },
        mitigate: [
          'Fix the database path first (PostgresDown, PgbouncerDown, PgbouncerPoolSaturated).',
          'Do not kill the replica: a graceful stop (SIGTERM) flushes the buffer, a kill loses it (`aws ecs stop-task` sends SIGTERM and waits for the stop timeout).',
        ],
        escalate: 'Ticket the app team; page if ClicksDropped follows.',
      },
    },
    {
      name: 'ClickRollupsBehind',
      group: 'shortstack-clicks',
      expr: `max by (instance) (shortstack_click_rollups_kept_oldest_seconds) > ${THRESHOLDS.clickRollupLagSeconds}`,
      for: '5m',
      severity: 'warning',
      component: 'app',
      summary: '{{ $labels.instance }} has kept click counts unapplied for {{ $value | printf "%.0f" }} s',
      description: `{{ $labels.instance }} has written clicks whose roll-up counts it has not added for more than ${THRESHOLDS.clickRollupLagSeconds} s, for 5 minutes.`,
      runbook: {
        meaning: 'Under load the replicas\' batch roll-up counts are added up to CLICK_ROLLUP_DELAY_MS after their events, every replica\'s at once, by whichever replica\'s turn it is. This replica\'s have not been added: every apply fails, or it cannot reach the database to see them added.',
        impact: 'Stats and click_count stop moving (for every replica\'s clicks when no apply succeeds); nothing is lost: the counts wait in click_rollups_pending, which the next apply that succeeds, by any replica or a graceful stop, adds.',
        diagnose: {
          promql: [
            'shortstack_click_rollups_kept_oldest_seconds',
            'shortstack_click_buffer_oldest_seconds',
            'sum by (instance) (rate(shortstack_click_flush_failures_total[5m]))',
          ],
          logql: ['{component="app", replica="<instance>"} | json |= "roll-ups"'],
          panel: overview(OVERVIEW_PANELS.clickBuffer),
          commands: {
            docker: [docker.logs('<instance>'), docker.psql('select writer, count(*), min(written_at) from click_rollups_pending group by writer')],
            loopback: [loopback.logs('<instance>'), 'psql "$DIRECT_DATABASE_URL" -c "select writer, count(*), min(written_at) from click_rollups_pending group by writer"'],
            aws: [aws.tasks('app'), aws.logs('app', { task: '<task-id>', filter: 'roll-ups' }), aws.psql('select writer, count(*), min(written_at) from click_rollups_pending group by writer')],
          },
        },
        mitigate: [
          'The log says why each try failed (a statement timeout, lock waits, the database path: see PostgresDown, PgbouncerPoolSaturated).',
          'A graceful restart of the replica (SIGTERM) applies the kept counts, or leaves them to the next apply of another replica; CLICK_ROLLUP_DELAY_MS=0 makes every batch add its own counts again.',
        ],
        escalate: 'Ticket the app team.',
      },
    },
  ];
}

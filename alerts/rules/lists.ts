// Lists: the counts deep ?page pages of events start from (app/src/page-marks/), kept by a job on
// every replica.
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/contract/panels.js';
import type { Commands } from '../commands.js';
import { THRESHOLDS } from '../thresholds.js';
import type { AlertDefinition } from '../types.js';

const behind = THRESHOLDS.deepPageUncountedEvents;
/** The job's progress and what holds it back, the highest id of either table of events (no quotes: the ECS Exec psql line allows none). */
const SEAL_SQL = 'SELECT s.*, greatest((SELECT max(id) FROM events), (SELECT first_id + n - 1 FROM click_batches ORDER BY first_id DESC LIMIT 1)) AS max_id, (SELECT min(xact_start) FROM pg_stat_activity WHERE pid <> pg_backend_pid()) AS oldest_transaction FROM events_page_seal s';

export function listAlerts({ docker, aws, loopback }: Commands): AlertDefinition[] {
  return [
    {
      name: 'DeepPageCountsBehind',
      group: 'shortstack-lists',
      // min: any replica that counted recently is enough; each reads the same table.
      expr: `min(shortstack_page_marks_uncounted_events) > ${behind}`,
      for: '15m',
      severity: 'warning',
      component: 'app',
      summary: '{{ $value | printf "%.0f" }} events are not yet counted for deep pages',
      description: `More than ${behind} events have waited 15 minutes to be counted for deep ?page pages of /events.`,
      runbook: {
        meaning: 'The replicas count each finished span of event ids once every transaction that could still commit an id in it has ended. The counting has stopped: its rounds fail, or a transaction has stayed open for a long time and holds the line below which ids are final.',
        impact: 'Deep ?page pages among the newest events step over every event not yet counted: slower /events?page=N the further it falls behind, never wrong rows. Cursor pages, redirects and clicks are not affected.',
        diagnose: {
          promql: ['shortstack_page_marks_uncounted_events', 'sum by (instance) (rate(shortstack_clicks_flushed_total[5m]))'],
          logql: ['{component="app"} | json | component="page-marks"'],
          panel: { dashboard: DASHBOARDS.overview.title, panel: OVERVIEW_PANELS.deepPageCounts },
          commands: {
            docker: [docker.psql(SEAL_SQL), docker.logs('<instance>')],
            loopback: [loopback.logs('app'), `psql "$DIRECT_DATABASE_URL" -c "${SEAL_SQL}"`],
            aws: [aws.psql(SEAL_SQL), aws.logs('app', { filter: 'page-marks' })],
          },
        },
        mitigate: [
          'oldest_transaction hours old (the query above): find it in pg_stat_activity and end it (pg_terminate_backend) if it is a forgotten session; the counting catches up within minutes.',
          'Rounds failing in the logs (page-marks): fix the database path first (PostgresDown, PgbouncerDown); the job tries again every PAGE_MARKS_INTERVAL_MS.',
        ],
        escalate: 'Ticket the app team; page nobody: only deep offset pages are slower.',
      },
    },
  ];
}

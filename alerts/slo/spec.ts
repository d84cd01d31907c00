// The SLOs as code: what counts as a bad event, out of what, against which objective.
import { SLO_PANELS, DASHBOARDS } from '../../monitoring/dashboards/panels.js';
import { docker, loopback } from '../commands.js';
import type { Runbook } from '../types.js';

export const SLO_SERVICE = 'shortstack';
export const SLO_PERIOD_DAYS = 30;
/** The redirect latency threshold of the latency SLO (an http_request_duration_seconds bucket). */
export const REDIRECT_LATENCY_THRESHOLD_SECONDS = 0.1;

export interface SloSpec {
  /** Label value slo="<id>" on every recording and alert. */
  id: string;
  /** Prefix of the burn alerts' names: <alertPrefix>BudgetBurnPage / ...Ticket. */
  alertPrefix: string;
  description: string;
  objective: number;
  /** Rate of bad events over a range [W]. */
  errors: (window: string) => string;
  /** Rate of all events over a range [W]. */
  total: (window: string) => string;
  runbook: Omit<Runbook, 'mitigate' | 'escalate'> & { mitigate: string[] };
}

const redirects = 'job="app", route="/:code"';

export const SLOS: SloSpec[] = [
  {
    id: 'availability',
    alertPrefix: 'Availability',
    description: 'Share of requests answered without a server error (non-5xx).',
    objective: 0.999,
    errors: (w) => `sum(rate(http_requests_total{job="app", status_code=~"5.."}[${w}]))`,
    total: (w) => `sum(rate(http_requests_total{job="app"}[${w}]))`,
    runbook: {
      meaning: 'The service answers 5xx to a share of requests high enough to spend the availability error budget too fast.',
      impact: 'Clients see server errors (502 from nginx with no replica, 503 with a dependency down, 500 on a bug).',
      diagnose: {
        promql: [
          'sum by (route, status_code) (rate(http_requests_total{job="app", status_code=~"5.."}[5m]))',
          'slo:sli_error:ratio_rate5m{slo="availability"}',
          'up{job="app"}',
          'pg_up',
          'pgbouncer_up',
        ],
        logql: ['{component="app"} | json | res_statusCode >= 500', '{component="nginx"} | json | status >= 500'],
        panel: { dashboard: DASHBOARDS.slos.title, panel: SLO_PANELS.availabilityBurn },
        commands: {
          docker: [docker.status(), docker.logs('app-1'), docker.logs('nginx')],
          loopback: [loopback.status(), loopback.logs('app-')],
        },
      },
      mitigate: [
        'Find which route and status burn the budget (first query); a down component has its own alert (AppAllReplicasDown, PostgresDown, PgbouncerDown).',
        'A release bug: roll back to the previous image digest and `npm run up`.',
      ],
    },
  },
  {
    id: 'redirect-latency',
    alertPrefix: 'RedirectLatency',
    description: `Share of redirects (route /:code) answered in under ${REDIRECT_LATENCY_THRESHOLD_SECONDS} s.`,
    objective: 0.99,
    errors: (w) =>
      `(sum(rate(http_request_duration_seconds_count{${redirects}}[${w}]))` +
      ` - sum(rate(http_request_duration_seconds_bucket{${redirects}, le="${REDIRECT_LATENCY_THRESHOLD_SECONDS}"}[${w}])))`,
    total: (w) => `sum(rate(http_request_duration_seconds_count{${redirects}}[${w}]))`,
    runbook: {
      meaning: `Too many redirects take longer than ${REDIRECT_LATENCY_THRESHOLD_SECONDS} s: the latency error budget is spent too fast.`,
      impact: 'Short links open slowly for a share of clients.',
      diagnose: {
        promql: [
          'histogram_quantile(0.99, sum by (le, instance) (rate(http_request_duration_seconds_bucket{job="app", route="/:code"}[5m])))',
          'slo:sli_error:ratio_rate5m{slo="redirect-latency"}',
          'sum by (tier, result) (rate(shortstack_cache_lookups_total[5m]))',
          'pgbouncer_pools_client_waiting_connections',
        ],
        logql: ['{component="nginx"} | json | request_time > 0.1'],
        panel: { dashboard: DASHBOARDS.slos.title, panel: SLO_PANELS.latencyBurn },
        commands: {
          docker: ['docker stats --no-stream'],
          loopback: ['top -b -n 1 | head -20'],
        },
      },
      mitigate: [
        'Cache hit ratio fell (Redis down, a cold start): see RedisDown.',
        'Replicas CPU-bound: add replicas (stack config `replicas`, then `npm run up`).',
      ],
    },
  },
];

// The SLOs as code: what counts as a bad event, out of what, against which objective.
import { SLO_PANELS, DASHBOARDS } from '../../monitoring/contract/panels.js';
import { BLACKBOX_PROBE } from '../../monitoring/edge.js';
import type { Commands } from '../commands.js';
import { THRESHOLDS } from '../thresholds.js';
import type { Runbook } from '../types.js';

export const SLO_SERVICE = 'shortstack';
export const SLO_PERIOD_DAYS = 30;
/** The redirect latency threshold of the latency SLO (an http_request_duration_seconds bucket). */
export const REDIRECT_LATENCY_THRESHOLD_SECONDS = THRESHOLDS.sloRedirectLatencySeconds;

export interface SloSpec {
  /** Label value slo="<id>" on every recording and alert. */
  id: string;
  /** Prefix of the burn alerts' names: <alertPrefix>BudgetBurnPage / ...Ticket. */
  alertPrefix: string;
  description: string;
  objective: number;
  /**
   * Bad events over a range [W], as one series without labels. Any unit (requests, probes),
   * as long as `total` counts in the same one: only their ratio is used.
   */
  errors: (window: string) => string;
  /** All events over a range [W], in the unit of `errors`. */
  total: (window: string) => string;
  /** Its burn alerts' runbook, but for the escalation (per burn speed), from the deployment's commands. */
  runbook: (cmd: Commands) => Omit<Runbook, 'escalate'>;
}

const redirects = 'job="app", route="/:code"';
/**
 * Probes are not users: Docker's health checks and the load balancer's hit /health and /ready
 * every few seconds, and counted as good requests they would dilute every error (at night,
 * most of the traffic).
 */
export const NOT_PROBES = 'route!~"/health|/ready"';
/** The blackbox exporter's job: it probes the front door as a client does (monitoring/edge.ts). */
export const EDGE_JOB = 'edge';

export const SLOS: SloSpec[] = [
  {
    id: 'availability',
    alertPrefix: 'Availability',
    description: 'Share of requests answered without a server error (non-5xx).',
    objective: THRESHOLDS.sloAvailabilityObjective,
    errors: (w) => `sum(increase(http_requests_total{job="app", ${NOT_PROBES}, status_code=~"5.."}[${w}]))`,
    total: (w) => `sum(increase(http_requests_total{job="app", ${NOT_PROBES}}[${w}]))`,
    runbook: ({ docker, aws, loopback }) => ({
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
          aws: [aws.services('app', 'nginx', 'pgbouncer'), aws.logs('app'), aws.logs('nginx')],
        },
      },
      mitigate: [
        'Find which route and status burn the budget (first query); a down component has its own alert (AppAllReplicasDown, PostgresDown, PgbouncerDown).',
        'A release bug: roll back with `npm run promote -- --image <previous appImage> --to <stack>` (see "A deployment that went wrong").',
      ],
    }),
  },
  {
    id: 'redirect-latency',
    alertPrefix: 'RedirectLatency',
    description: `Share of redirects (route /:code) answered in under ${REDIRECT_LATENCY_THRESHOLD_SECONDS} s.`,
    objective: THRESHOLDS.sloRedirectLatencyObjective,
    errors: (w) =>
      `(sum(increase(http_request_duration_seconds_count{${redirects}}[${w}]))` +
      ` - sum(increase(http_request_duration_seconds_bucket{${redirects}, le="${REDIRECT_LATENCY_THRESHOLD_SECONDS}"}[${w}])))`,
    total: (w) => `sum(increase(http_request_duration_seconds_count{${redirects}}[${w}]))`,
    runbook: ({ aws }) => ({
      meaning: `Too many redirects take longer than ${REDIRECT_LATENCY_THRESHOLD_SECONDS} s: the latency error budget is spent too fast.`,
      impact: 'Short links open slowly for a share of clients.',
      diagnose: {
        promql: [
          'histogram_quantile(0.99, sum by (le, instance) (rate(http_request_duration_seconds_bucket{job="app", route="/:code"}[5m])))',
          'slo:sli_error:ratio_rate5m{slo="redirect-latency"}',
          'sum by (tier, result) (rate(shortstack_cache_lookups_total[5m]))',
          'pgbouncer_pools_client_waiting_connections',
        ],
        logql: [`{component="nginx"} | json | request_time > ${REDIRECT_LATENCY_THRESHOLD_SECONDS}`],
        panel: { dashboard: DASHBOARDS.slos.title, panel: SLO_PANELS.latencyBurn },
        commands: {
          docker: ['docker stats --no-stream'],
          loopback: ['top -b -n 1 | head -20'],
          aws: [aws.serviceMetric('app', 'CPUUtilization', 'Maximum'), aws.services('app'), aws.cacheMetric('EngineCPUUtilization', 'Maximum')],
        },
      },
      mitigate: [
        'Cache hit ratio fell (Redis down, a cold start): see RedisDown.',
        `Replicas CPU-bound: add replicas (stack config \`replicas\`, then \`npm run up\`; AWS autoscales up to \`aws.maxReplicas\`: raise it, then \`${aws.converge()}\`).`,
      ],
    }),
  },
  {
    id: 'edge-availability',
    alertPrefix: 'EdgeAvailability',
    description: `Share of probes of the front door (${BLACKBOX_PROBE.method} ${BLACKBOX_PROBE.path} through nginx, as a client sends it) answered as the app answers it: what users meet, nginx's own 502/504 and a dead nginx included.`,
    objective: THRESHOLDS.sloEdgeAvailabilityObjective,
    // A probe is one sample of probe_success (1 or 0) per scrape of the blackbox exporter.
    errors: (w) => `(sum(count_over_time(probe_success{job="${EDGE_JOB}"}[${w}])) - sum(sum_over_time(probe_success{job="${EDGE_JOB}"}[${w}])))`,
    total: (w) => `sum(count_over_time(probe_success{job="${EDGE_JOB}"}[${w}]))`,
    runbook: ({ docker, aws, loopback }) => ({
      meaning: 'Probes sent to the front door, exactly as a client sends them, fail: nginx answers 502/504 (no healthy replica, replicas too slow), nginx itself does not answer, or the answer is not the app\'s.',
      impact: 'Clients see what the probe sees: errors from the front door, for every request while it lasts. The app-side availability SLO cannot see this (a request that never reaches a replica leaves no sample there).',
      diagnose: {
        promql: [
          `probe_success{job="${EDGE_JOB}"}`,
          `probe_http_status_code{job="${EDGE_JOB}"}`,
          `probe_duration_seconds{job="${EDGE_JOB}"}`,
          'up{job="app"}',
          'nginx_up',
        ],
        logql: ['{component="nginx"} | json | status >= 500', '{component="nginx"} | json | upstream_status = ""'],
        panel: { dashboard: DASHBOARDS.slos.title, panel: SLO_PANELS.edgeBurn },
        commands: {
          docker: [docker.status(), docker.logs('nginx'), docker.logs('blackbox-exporter'), `curl -si "$FRONT_DOOR${BLACKBOX_PROBE.path}"`],
          loopback: [loopback.status(), loopback.logs('nginx'), `curl -si "$FRONT_DOOR${BLACKBOX_PROBE.path}"`],
          aws: [aws.services('nginx', 'app', 'blackbox-exporter'), aws.targetHealth(), aws.logs('nginx'), aws.logs('blackbox-exporter'), `curl -si "$FRONT_DOOR${BLACKBOX_PROBE.path}"`],
        },
      },
      mitigate: [
        'Every replica down (AppAllReplicasDown) or nginx down (NginxDown): follow those first, they are the cause.',
        `Replicas up but nginx answers 502/504: nginx cannot reach them (network, upstream addresses after a change): \`nginx -t\`, then roll back the last infra change and \`npm run up\` (AWS: \`${aws.converge()}\`; the ALB's target health shows whether nginx itself is healthy).`,
        'The probe alone fails (clients fine, blackbox-exporter log shows DNS or connect errors): fix the exporter; the SLO charges its failures, so note the window in the incident.',
      ],
    }),
  },
];

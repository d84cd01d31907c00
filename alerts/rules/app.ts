// The app replicas and the front door: is the service there, and is it answering well?
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/contract/panels.js';
import type { Commands } from '../commands.js';
import { NOT_PROBES } from '../slo/spec.js';
import { THRESHOLDS } from '../thresholds.js';
import type { AlertDefinition } from '../types.js';

const overview = (panel: string) => ({ dashboard: DASHBOARDS.overview.title, panel });
const pct = (ratio: number) => `${ratio * 100}%`;
const served = `http_requests_total{job="app", ${NOT_PROBES}}`;
const trafficNow = `sum(rate(${served}[1h]))`;
const trafficLastWeek = `sum(rate(${served}[1h] offset 1w))`;
const lookups = (result?: string) => `sum(rate(shortstack_redirects_total{job="app"${result ? `, result="${result}"` : ''}}[10m]))`;

export function appAlerts({ docker, aws, loopback }: Commands): AlertDefinition[] {
  return [
    {
      name: 'AppReplicaDown',
      group: 'shortstack-app',
      expr: 'up{job="app"} == 0',
      for: '1m',
      severity: 'warning',
      component: 'app',
      summary: 'App replica {{ $labels.instance }} is down',
      description: 'Prometheus has not scraped {{ $labels.instance }} for over a minute; nginx sends its traffic to the other replicas.',
      runbook: {
        meaning: 'One app replica does not answer on its metrics port: the process is gone, hung, or restarting.',
        impact: 'None while the other replicas have headroom: nginx marks the replica failed and retries idempotent requests elsewhere. Capacity is reduced by one replica.',
        diagnose: {
          promql: ['up{job="app"}', 'changes(process_start_time_seconds{job="app"}[30m])', 'sum by (instance) (rate(http_requests_total{job="app"}[5m]))'],
          logql: ['{component="app", replica="<instance>"} | json | level >= 50'],
          panel: overview(OVERVIEW_PANELS.replicasUp),
          commands: {
            docker: [docker.status(), docker.logs('<instance>'), docker.inspectHealth('<instance>')],
            loopback: [loopback.status(), loopback.logs('<instance>')],
            aws: [aws.services('app'), aws.tasks('app'), aws.events('app'), aws.logs('app', { task: '<task-id>' })],
          },
        },
        mitigate: [
          'If the process exited, read the last lines of its log for the cause (a missing env var, the database refusing logins, OOM).',
          `Docker: \`${docker.restart('<instance>')}\`; if the container is gone, \`${docker.converge()}\` recreates it.`,
          `Loopback: ${loopback.restartStack()}.`,
          `AWS: the service replaces a task that exits or fails its health check by itself; the task whose IP is the instance's can be stopped to replace it (\`${aws.stopTask('<task-id>')}\`). Tasks that never start: the service's events say why.`,
        ],
        escalate: 'If it does not stay up after one restart, or a second replica goes down, page the service owner (the app team).',
      },
    },
    {
      name: 'AppRedundancyLost',
      group: 'shortstack-app',
      // Only where more than one replica is configured: a one-replica dev stack has none to lose.
      expr: 'count(up{job="app"} == 1) == 1 and count(up{job="app"}) > 1',
      for: '1m',
      severity: 'critical',
      component: 'app',
      summary: 'Only one app replica is serving',
      description: 'Every replica but one is down: the next failure is an outage.',
      runbook: {
        meaning: 'The service runs on its last replica. It may hold the load, but nothing is left to fail over to.',
        impact: 'Latency rises under load on the single replica; one more crash takes the service down.',
        diagnose: {
          promql: ['up{job="app"}', 'sum by (instance) (rate(http_requests_total{job="app"}[5m]))', 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="app"}[5m])))'],
          logql: ['{component="app"} | json | level >= 50'],
          panel: overview(OVERVIEW_PANELS.replicasUp),
          commands: {
            docker: [docker.status(), docker.logs('app-1'), docker.logs('app-2')],
            loopback: [loopback.status(), loopback.logs('app-')],
            aws: [aws.services('app'), aws.events('app'), aws.stoppedTasks('app'), aws.logs('app')],
          },
        },
        mitigate: [
          'Bring the down replicas back first (see AppReplicaDown); look for a common cause in their logs (a bad release, the database, memory).',
          'If a new build is the cause, roll back: `npm run promote -- --image <previous appImage> --to <stack>` (see "A deployment that went wrong").',
        ],
        escalate: 'Paged now. If replicas keep crashing after a restart, call the app team lead.',
      },
    },
    {
      name: 'AppAllReplicasDown',
      group: 'shortstack-app',
      expr: 'sum(up{job="app"}) == 0 or absent(up{job="app"})',
      for: '1m',
      severity: 'critical',
      component: 'app',
      summary: 'Every app replica is down',
      description: 'No app replica answers: the service is down and nginx answers 502 to every request.',
      runbook: {
        meaning: 'Prometheus reaches no app replica at all.',
        impact: 'Full outage: every short link and every API call fails with 502 from nginx.',
        diagnose: {
          promql: ['up{job="app"}', 'pg_up', 'pgbouncer_up', 'rate(nginx_http_requests_total[5m])'],
          logql: ['{component="app"} | json | level >= 40', '{component="nginx"} |= "upstream"'],
          panel: overview(OVERVIEW_PANELS.replicasUp),
          commands: {
            docker: [docker.status(), docker.logs('app-1'), docker.logs('migrate')],
            loopback: [loopback.status(), loopback.logs('app-')],
            aws: [aws.services('app', 'nginx', 'pgbouncer'), aws.events('app'), aws.stoppedTasks('app'), aws.logs('app', { container: 'migrate' }), aws.logs('app')],
          },
        },
        mitigate: [
          'A replica refuses to start when its configuration is invalid or the migration failed: read the first error in its log (on AWS the migration is the `migrate` container of each app task).',
          `Roll back the last deploy (previous image digest) and \`npm run up\` (AWS: \`${aws.converge()}\` from the previous commit; a deployment that cannot get healthy is rolled back by the circuit breaker).`,
          'If PostgreSQL or PgBouncer is down too, fix them first (PostgresDown, PgbouncerDown).',
        ],
        escalate: 'Paged now. After 15 minutes without a cause, call the app team lead and the infrastructure on-call.',
      },
    },
    {
      name: 'AppReplicaRestarted',
      group: 'shortstack-app',
      expr: 'changes(process_start_time_seconds{job="app"}[15m]) > 0',
      for: '0m',
      severity: 'info',
      component: 'app',
      summary: 'App replica {{ $labels.instance }} restarted',
      description: '{{ $labels.instance }} started {{ $value | printf "%.0f" }} time(s) in the last 15 minutes.',
      runbook: {
        meaning: 'A replica process started again: a deploy, a manual restart, or a crash and restart by the supervisor.',
        impact: 'None by itself; repeated restarts mean a crash loop.',
        diagnose: {
          promql: ['changes(process_start_time_seconds{job="app"}[1h])', 'process_resident_memory_bytes{job="app"}'],
          logql: ['{component="app", replica="<instance>"} | json | level >= 50'],
          panel: overview(OVERVIEW_PANELS.replicasUp),
          commands: {
            docker: [docker.logs('<instance>'), docker.inspect('<instance>', '{{.RestartCount}} {{.State.OOMKilled}}')],
            loopback: [loopback.logs('<instance>')],
            aws: [aws.stoppedTasks('app'), aws.events('app'), aws.logs('app', { task: '<task-id>' })],
          },
        },
        mitigate: ['Nothing if it was a deploy. If OOMKilled or crashing, raise its memory limit in the stack config or roll back.'],
        escalate: 'Open a ticket for the app team if it restarts more than once an hour.',
      },
    },
    {
      name: 'NginxDown',
      group: 'shortstack-app',
      expr: 'nginx_up == 0',
      for: '1m',
      severity: 'critical',
      component: 'nginx',
      summary: 'nginx (the front door) is down',
      description: 'The nginx exporter cannot read stub_status from {{ $labels.instance }}: no request reaches the service.',
      runbook: {
        meaning: 'nginx does not answer on its status port.',
        impact: 'Full outage for clients: the front door refuses connections.',
        diagnose: {
          promql: ['nginx_up', 'up{job="nginx"}', 'rate(nginx_connections_accepted[5m])'],
          logql: ['{component="nginx"} != "GET /health"'],
          panel: overview(OVERVIEW_PANELS.nginxUp),
          commands: {
            docker: [docker.status(), docker.logs('nginx'), docker.exec('nginx', 'nginx -t')],
            loopback: [loopback.logs('nginx'), 'curl -si "$FRONT_DOOR/health"'],
            aws: [aws.services('nginx'), aws.events('nginx'), aws.targetHealth(), aws.logs('nginx'), aws.exec('nginx', 'nginx -t')],
          },
        },
        mitigate: [
          `If \`nginx -t\` fails, the uploaded config is bad: roll back the last infra change and \`npm run up\` (AWS: \`${aws.converge()}\`).`,
          `Otherwise restart it: \`${docker.restart('nginx')}\` (AWS: \`${aws.forceNewDeployment('nginx')}\`).`,
        ],
        escalate: 'Paged now. Call the infrastructure on-call if it does not come back after a restart.',
      },
    },
    {
      name: 'AppReplicaErrorRatioHigh',
      group: 'shortstack-app',
      // The traffic guard: on an idle replica one error in three requests is not an error ratio.
      expr: `sum by (instance) (rate(http_requests_total{job="app", ${NOT_PROBES}, status_code=~"5.."}[5m]))
  / sum by (instance) (rate(${served}[5m])) > ${THRESHOLDS.replicaErrorRatio}
and
  sum by (instance) (rate(${served}[5m])) > ${THRESHOLDS.replicaMinRequestsPerSecond}`,
      for: '5m',
      severity: 'warning',
      component: 'app',
      summary: '{{ $labels.instance }} answers {{ $value | printf "%.3f" }} of requests with 5xx',
      description: `Over ${pct(THRESHOLDS.replicaErrorRatio)} of the requests {{ $labels.instance }} served in the last 5 minutes were 5xx.`,
      runbook: {
        meaning: `One replica answers more than ${pct(THRESHOLDS.replicaErrorRatio)} of its requests with a server error (counted only above ${THRESHOLDS.replicaMinRequestsPerSecond} requests per second, /health and /ready left out).`,
        impact: 'Clients routed to this replica see errors (503 when a dependency is down, 500 on a bug). The availability SLO burns.',
        diagnose: {
          promql: [
            'sum by (instance, route, status_code) (rate(http_requests_total{job="app", status_code=~"5.."}[5m]))',
            'sum by (instance, kind) (rate(shortstack_db_errors_total[5m]))',
            'shortstack_redis_circuit_open',
          ],
          logql: ['{component="app", replica="<instance>"} | json | level >= 50 | line_format "{{.reqId}} {{.msg}} {{.err}}"'],
          panel: overview(OVERVIEW_PANELS.replicaErrors),
          commands: {
            docker: [docker.logs('<instance>')],
            loopback: [loopback.logs('<instance>')],
            aws: [aws.tasks('app'), aws.logs('app', { task: '<task-id>' })],
          },
        },
        mitigate: [
          `If only this replica errs, restart it (AWS: \`${aws.stopTask('<task-id>')}\`); if every replica errs, look at the database and PgBouncer first.`,
          'A release bug: roll back to the previous image digest.',
        ],
        escalate: 'If the SLO burn alerts page too, the incident commander owns it; otherwise ticket the app team.',
      },
    },
    {
      name: 'RedirectLatencyHigh',
      group: 'shortstack-app',
      expr: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="app", route="/:code"}[5m])))
  > ${THRESHOLDS.redirectP99Seconds}`,
      for: '10m',
      severity: 'warning',
      component: 'app',
      summary: 'Redirect p99 latency is {{ $value | printf "%.3f" }} s',
      description: `The 99th percentile of redirects has been over ${THRESHOLDS.redirectP99Seconds} s for 10 minutes.`,
      runbook: {
        meaning: 'Redirects, normally served from the in-process cache or Redis, are slow.',
        impact: 'Short links open slowly; the latency SLO burns.',
        diagnose: {
          promql: [
            'histogram_quantile(0.99, sum by (le, instance) (rate(http_request_duration_seconds_bucket{job="app", route="/:code"}[5m])))',
            'sum by (tier, result) (rate(shortstack_cache_lookups_total[5m]))',
            'histogram_quantile(0.99, sum by (le) (rate(shortstack_db_pool_wait_seconds_bucket[5m])))',
            'nodejs_eventloop_lag_p99_seconds',
          ],
          logql: [`{component="nginx"} | json | request_time > ${THRESHOLDS.redirectP99Seconds}`],
          panel: overview(OVERVIEW_PANELS.latency),
          commands: {
            docker: ['docker stats --no-stream', docker.logs('app-1')],
            loopback: [loopback.logs('app-'), 'top -b -n 1 | head -20'],
            aws: [aws.serviceMetric('app', 'CPUUtilization', 'Maximum'), aws.services('app'), aws.logs('app')],
          },
        },
        mitigate: [
          'Cache misses going to the database: check Redis (RedisDown) and the DB pool wait.',
          `CPU-bound replicas: add replicas (\`replicas\` in the stack config, then \`npm run up\`). AWS scales the app on CPU up to \`aws.maxReplicas\`: raise it in the stack config, then \`${aws.converge()}\`.`,
        ],
        escalate: 'Ticket the app team; the latency SLO alerts page if it eats the budget.',
      },
    },
    {
      name: 'AppCrashLoop',
      group: 'shortstack-app',
      expr: `changes(process_start_time_seconds{job="app"}[30m]) >= ${THRESHOLDS.crashLoopRestarts}`,
      for: '0m',
      severity: 'warning',
      component: 'app',
      summary: 'App replica {{ $labels.instance }} is crash-looping',
      description: '{{ $labels.instance }} started {{ $value | printf "%.0f" }} times in 30 minutes: it crashes and is restarted.',
      runbook: {
        meaning: `One replica process started ${THRESHOLDS.crashLoopRestarts} times or more in 30 minutes: it dies and the restart policy (Docker's, or the supervisor's) brings it back, again and again.`,
        impact: 'Requests in flight on it fail at each crash (nginx retries the idempotent ones); its buffered clicks are lost at each crash; capacity flickers.',
        diagnose: {
          promql: ['changes(process_start_time_seconds{job="app"}[30m])', 'process_resident_memory_bytes{job="app"}', 'nodejs_heap_size_used_bytes{job="app"}'],
          logql: ['{component="app", replica="<instance>"} | json | level >= 50'],
          panel: overview(OVERVIEW_PANELS.replicaRestarts),
          commands: {
            docker: [docker.logs('<instance>'), docker.inspect('<instance>', '{{.RestartCount}} {{.State.OOMKilled}} {{.State.ExitCode}}')],
            loopback: [loopback.logs('<instance>')],
            aws: [aws.stoppedTasks('app'), aws.events('app'), aws.serviceMetric('app', 'MemoryUtilization', 'Maximum'), aws.logs('app', { task: '<task-id>' })],
          },
        },
        mitigate: [
          'OOMKilled: raise its memory limit in the stack config, or roll back if a release grew the heap (Heap used per replica).',
          'An exception at start (config, database refusing logins): the first error in its log; fix the config or roll back to the previous image digest.',
        ],
        escalate: 'Ticket the app team; page them if a second replica starts looping (AppRedundancyLost follows).',
      },
    },
    {
      name: 'TrafficDropWeekOverWeek',
      group: 'shortstack-app',
      // Only when last week had traffic worth comparing; an absent last week (a new stack) is quiet.
      expr: `${trafficNow} < ${THRESHOLDS.trafficDropRatio} * ${trafficLastWeek}
and
  ${trafficLastWeek} > ${THRESHOLDS.trafficDropMinRequestsPerSecond}`,
      for: '30m',
      severity: 'warning',
      component: 'app',
      summary: 'Traffic is {{ $value | printf "%.2f" }} req/s, under half of the same time last week',
      description: `Requests served in the last hour (probes not counted) have been under ${pct(THRESHOLDS.trafficDropRatio)} of the same hour a week ago for 30 minutes.`,
      runbook: {
        meaning: 'Fewer requests reach the replicas than a week ago at the same hour: clients cannot reach the service (DNS, TLS, a load balancer, a firewall), or a client integration broke.',
        impact: 'Users may be failing before they reach the stack: nothing inside it shows errors.',
        diagnose: {
          promql: [trafficNow, trafficLastWeek, 'sum(rate(nginx_http_requests_total[30m]))', 'sum by (route) (rate(http_requests_total{job="app"}[30m]))'],
          logql: ['sum by (status) (count_over_time({component="nginx"} | json [5m]))'],
          panel: overview(OVERVIEW_PANELS.trafficWeekOverWeek),
          commands: {
            docker: ['curl -si "$FRONT_DOOR/urls"', docker.logs('nginx')],
            loopback: ['curl -si "$FRONT_DOOR/urls"', loopback.logs('nginx')],
            aws: ['curl -si "$FRONT_DOOR/urls"', aws.targetHealth(), aws.logs('nginx')],
          },
        },
        mitigate: [
          'Check the way in from outside: DNS of the public name, the certificate, the load balancer or the published port.',
          'If nginx sees the requests but the replicas do not, look at nginx (NginxDown, the edge SLO); if nginx sees none, the problem is in front of it.',
          'A known cause (a holiday, a client\'s migration): silence it for the day in Alertmanager.',
        ],
        escalate: 'Ticket the infrastructure on-call; page them if the edge SLO burns too.',
      },
    },
    {
      name: 'NotFoundShareHigh',
      group: 'shortstack-app',
      expr: `${lookups('not_found')} / ${lookups()} > ${THRESHOLDS.notFoundShare}
and
  ${lookups()} > ${THRESHOLDS.notFoundMinRequestsPerSecond}`,
      for: '10m',
      severity: 'warning',
      component: 'app',
      summary: '{{ $value | printf "%.2f" }} of redirect lookups answer not found',
      description: `Over ${pct(THRESHOLDS.notFoundShare)} of short links asked for in the last 10 minutes were not found. 404s count as good in the availability SLO, so a lost links table shows only here.`,
      runbook: {
        meaning: 'Most redirects answer 404: links that existed are not found (a restore to the wrong database, a migration that lost rows, a wrong DATABASE_URL), or a scanner is guessing codes.',
        impact: 'Users following real short links get 404: for them the service is down, and the availability SLO does not see it.',
        diagnose: {
          promql: [`${lookups('not_found')} / ${lookups()}`, 'sum by (result) (rate(shortstack_redirects_total[10m]))', 'sum by (instance) (rate(shortstack_redirects_total{result="not_found"}[10m]))'],
          logql: ['{component="nginx"} | json | status = 404 | line_format "{{.remote_addr}} {{.uri}}"'],
          panel: overview(OVERVIEW_PANELS.notFoundShare),
          commands: {
            docker: [docker.psql('select count(*), max(created_at) from urls')],
            loopback: ['psql "$DIRECT_DATABASE_URL" -c "select count(*), max(created_at) from urls"'],
            aws: [aws.psql('select count(*), max(created_at) from urls')],
          },
        },
        mitigate: [
          'The links table is empty or old: stop writes, restore from the last backup, and find the change that pointed the app at the wrong data.',
          'One address guesses codes (nginx log): the per-address rate limit holds it; block it upstream if it persists.',
        ],
        escalate: 'Page the database owner if the links table lost rows; otherwise ticket the app team.',
      },
    },
  ];
}

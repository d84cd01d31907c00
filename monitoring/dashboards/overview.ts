// The service overview: the four golden signals first, then one row per component.
import { CERT_METRICS } from '../../app/src/certs/metrics.js';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { CAPACITY_SERIES } from '../../alerts/capacity.js';
import { NOT_PROBES } from '../../alerts/slo/spec.js';
import { EDGE_SCRAPE_JOB } from '../edge.js';
import { datasourceVariables, graph, logPanel, q, row, single, upDown, PROMETHEUS_DS } from './builders.js';
import { DASHBOARDS, OVERVIEW_PANEL_IDS as ID, OVERVIEW_PANELS as P, OVERVIEW_ROWS as R } from '../contract/panels.js';

const sel = 'job="app", instance=~"$instance"';
const rate = (metric: string, labels = sel) => `rate(${metric}{${labels}}[$__rate_interval])`;
const redirectQuantile = (q: number) =>
  `histogram_quantile(${q}, sum by (le) (${rate('http_request_duration_seconds_bucket', `${sel}, route="/:code"`)}))`;

/** LogQL over every component's JSON logs: nginx logs the request id it generated, the app logs it back. */
export const REQUEST_ID_LOGQL = '{component=~".+"} |= "$request_id"';

/** Deploys and restarts (a replica's start time changed), and firing alerts, on every time axis. */
export const ANNOTATION_QUERIES = {
  deploys: 'changes(process_start_time_seconds{job="app"}[2m]) > 0',
  alerts: 'ALERTS{alertstate="firing", severity=~"critical|warning"}',
} as const;

function annotations(): dashboard.AnnotationQueryBuilder[] {
  return [
    new dashboard.AnnotationQueryBuilder().name('Deploys and restarts').datasource(PROMETHEUS_DS).enable(true).iconColor('blue')
      .expr(ANNOTATION_QUERIES.deploys).step('1m').titleFormat('{{instance}} started').tagKeys('instance'),
    new dashboard.AnnotationQueryBuilder().name('Alerts').datasource(PROMETHEUS_DS).enable(true).iconColor('red')
      .expr(ANNOTATION_QUERIES.alerts).step('1m').titleFormat('{{alertname}}').tagKeys('severity,component'),
  ];
}

export function overviewDashboard(): dashboard.DashboardBuilder {
  const d = DASHBOARDS.overview;
  return new dashboard.DashboardBuilder(d.title)
    .uid(d.uid)
    .tags(['shortstack'])
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .readonly()
    .annotations(annotations())
    .variables([
      ...datasourceVariables(),
      new dashboard.QueryVariableBuilder('instance')
        .label('Replica')
        .datasource(PROMETHEUS_DS)
        .query('label_values(up{job="app"}, instance)')
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
      new dashboard.TextBoxVariableBuilder('request_id').label('Request id').description('X-Request-Id of one request (nginx generates it)'),
    ])
    .withRow(row(R.golden, ID['row:golden']))
    .withPanel(graph(P.traffic, 'reqps', [
      q(`sum by (route) (${rate('http_requests_total')})`, '{{route}}'),
      q('sum(rate(nginx_http_requests_total[$__rate_interval]))', 'nginx (all)'),
    ]))
    .withPanel(graph(P.errors, 'percentunit', [
      q(`sum(${rate('http_requests_total', `${sel}, status_code=~"5.."`)}) / sum(${rate('http_requests_total')})`, '5xx share'),
      q(`sum(${rate('http_requests_total', `${sel}, status_code=~"4.."`)}) / sum(${rate('http_requests_total')})`, '4xx share'),
    ]))
    .withPanel(graph(P.latency, 's', [
      q(redirectQuantile(0.5), 'p50'),
      q(redirectQuantile(0.9), 'p90'),
      q(redirectQuantile(0.99), 'p99'),
      q(`histogram_quantile(0.99, sum by (le) (${rate('http_request_duration_seconds_bucket')}))`, 'p99 all routes'),
    ]))
    .withPanel(graph(P.saturation, 'short', [
      q(`sum(shortstack_db_pool_connections{${sel}, state="waiting"})`, 'DB pool waiters'),
      q(`max(shortstack_click_buffer_depth{${sel}})`, 'click buffer depth (max)'),
      q('sum(pgbouncer_pools_client_waiting_connections)', 'PgBouncer waiting clients'),
    ]))
    .withPanel(graph(P.trafficWeekOverWeek, 'reqps', [
      q(`sum(rate(http_requests_total{job="app", ${NOT_PROBES}}[1h]))`, 'now (1 h)'),
      q(`sum(rate(http_requests_total{job="app", ${NOT_PROBES}}[1h] offset 1w))`, 'a week ago (1 h)'),
    ]))
    .withPanel(graph(P.notFoundShare, 'percentunit', [
      q(`sum(${rate('shortstack_redirects_total', `${sel}, result="not_found"`)}) / sum(${rate('shortstack_redirects_total')})`, 'not found'),
      q(`sum(${rate('shortstack_redirects_total', `${sel}, result="gone"`)}) / sum(${rate('shortstack_redirects_total')})`, 'gone'),
    ]))
    .withPanel(graph(P.edgeProbe, 'percentunit', [
      q(`avg_over_time(probe_success{job="${EDGE_SCRAPE_JOB}"}[$__rate_interval])`, 'probe success'),
      q(`probe_http_status_code{job="${EDGE_SCRAPE_JOB}"}`, 'status code', 'none'),
      q(`probe_duration_seconds{job="${EDGE_SCRAPE_JOB}"}`, 'probe duration', 's'),
    ], 'The blackbox exporter probes the front door as a client does (GET /urls without a key; the app answers 401): nginx\'s 502/504 and a dead nginx show here, not in the app\'s own metrics.').span(24))
    .withRow(row(R.nginx, ID['row:nginx']))
    .withPanel(upDown(P.nginxUp, [q('nginx_up', '{{instance}}')]))
    .withPanel(graph(P.nginxConnections, 'short', [
      q('nginx_connections_active', 'active'),
      q('nginx_connections_waiting', 'idle keepalive'),
      q('rate(nginx_connections_accepted[$__rate_interval]) - rate(nginx_connections_handled[$__rate_interval])', 'dropped per second', 'cps'),
    ]))
    .withPanel(graph(P.nginxRequests, 'reqps', [q('rate(nginx_http_requests_total[$__rate_interval])', 'requests')]))
    .withPanel(graph(P.certificate, 'none', [
      q(`(probe_ssl_earliest_cert_expiry{job="${EDGE_SCRAPE_JOB}"} - time()) / 86400`, 'days left (served)'),
      q(`(${CERT_METRICS.expiry} - time()) / 86400`, 'days left (on disk)'),
      q(CERT_METRICS.consecutiveFailures, 'renewal failures in a row'),
    ], 'HTTPS front door only (a stack with a domain, or loopback --tls): the certificate nginx serves, the one the certificate manager last wrote (they differ if nginx missed a reload), and failed renewals since the last success.').span(24))
    .withRow(row(R.app, ID['row:app']))
    .withPanel(upDown(P.replicasUp, [q('up{job="app"}', '{{instance}}')], 12))
    .withPanel(single(P.replicaRestarts, 'none', [
      q('changes(process_start_time_seconds{job="app"}[30m])', '{{instance}}'),
      q('count(shortstack_build_info) by (version, commit)', 'running {{version}} {{commit}}'),
    ], 12).thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
      { value: null, color: 'green' }, { value: 1, color: 'yellow' }, { value: 3, color: 'red' },
    ])))
    .withPanel(graph(P.replicaRequests, 'reqps', [q(`sum by (instance, status_code) (${rate('http_requests_total')})`, '{{instance}} {{status_code}}')]))
    .withPanel(graph(P.replicaErrors, 'percentunit', [
      q(`sum by (instance) (${rate('http_requests_total', `${sel}, status_code=~"5.."`)}) / sum by (instance) (${rate('http_requests_total')})`, '{{instance}}'),
    ]))
    .withPanel(graph(P.replicaLatency, 's', [
      q(`histogram_quantile(0.99, sum by (le, instance) (${rate('http_request_duration_seconds_bucket', `${sel}, route="/:code"`)}))`, '{{instance}}'),
    ]))
    .withPanel(graph(P.replicaCpu, 'percentunit', [q(`${rate('process_cpu_seconds_total')}`, '{{instance}}')],
      'CPU seconds per second of each replica process: 1 is one core busy.'))
    .withPanel(graph(P.replicaHeap, 'bytes', [
      q(`sum by (instance) (nodejs_heap_size_used_bytes{${sel}})`, '{{instance}} heap used'),
      q(`process_resident_memory_bytes{${sel}}`, '{{instance}} resident'),
    ]))
    .withPanel(graph(P.eventLoopLag, 's', [q(`nodejs_eventloop_lag_p99_seconds{${sel}}`, '{{instance}}')]))
    .withPanel(graph(P.clickBuffer, 'short', [
      q(`shortstack_click_buffer_depth{${sel}}`, '{{instance}} depth'),
      q(`shortstack_click_buffer_oldest_seconds{${sel}}`, '{{instance}} oldest', 's'),
      q(`shortstack_click_rollups_kept_oldest_seconds{${sel}}`, '{{instance}} counts kept', 's'),
    ]))
    .withPanel(graph(P.clickFlushes, 'cps', [
      q(`sum(${rate('shortstack_clicks_flushed_total')})`, 'flushed'),
      q(`sum(${rate('shortstack_clicks_dropped_total')})`, 'dropped'),
      q(`sum(${rate('shortstack_click_flush_failures_total')})`, 'failed flushes'),
    ]))
    .withPanel(graph(P.botsVsHumans, 'cps', [q(`sum by (agent) (${rate('shortstack_clicks_by_agent_total')})`, '{{agent}}')]))
    .withPanel(graph(P.webhookDeliveries, 'ops', [q(`sum by (outcome) (${rate('shortstack_webhook_deliveries_total')})`, '{{outcome}}')]))
    .withPanel(graph(P.webhookBacklog, 'short', [
      q(`max(shortstack_webhook_queue_depth{${sel}})`, 'undelivered'),
      q(`max(shortstack_webhook_oldest_pending_seconds{${sel}})`, 'oldest undelivered', 's'),
    ]))
    .withPanel(graph(P.deepPageCounts, 'short', [q(`shortstack_page_marks_uncounted_events{${sel}}`, '{{instance}}')]))
    .withPanel(graph(P.appPool, 'short', [q(`sum by (state) (shortstack_db_pool_connections{${sel}})`, '{{state}}')]))
    .withRow(row(R.pgbouncer, ID['row:pgbouncer']))
    .withPanel(upDown(P.pgbouncerUp, [q('pgbouncer_up', '{{instance}}')]))
    .withPanel(graph(P.pgbouncerClients, 'short', [
      q('sum(pgbouncer_pools_client_active_connections)', 'clients active'),
      q('sum(pgbouncer_pools_client_waiting_connections)', 'clients waiting'),
      q('sum(pgbouncer_pools_server_active_connections)', 'server connections active'),
      q('sum(pgbouncer_databases_pool_size)', 'pool size'),
    ]))
    .withPanel(graph(P.pgbouncerMaxWait, 's', [q('max(pgbouncer_pools_client_maxwait_seconds)', 'oldest waiting client')]))
    .withPanel(graph(P.pgbouncerClientLimit, 'short', [
      q('sum by (instance) (pgbouncer_pools_client_active_connections + pgbouncer_pools_client_waiting_connections)', 'client connections'),
      q('max by (instance) (pgbouncer_config_max_client_connections)', 'max_client_conn'),
    ]))
    .withRow(row(R.postgres, ID['row:postgres']))
    .withPanel(upDown(P.postgresUp, [q('pg_up', '{{instance}}')]))
    .withPanel(graph(P.postgresSize, 'bytes', [
      q('sum(pg_database_size_bytes)', 'databases'),
      q(CAPACITY_SERIES.postgresVolumeBytes, 'disk'),
      q(`${CAPACITY_SERIES.postgresVolumeBytes} - ${CAPACITY_SERIES.postgresVolumeAvailBytes}`, 'disk used'),
    ]))
    .withPanel(graph(P.postgresConnections, 'short', [
      q('sum by (state) (pg_stat_activity_count)', '{{state}}'),
      q('sum(rate(pg_stat_database_xact_commit[$__rate_interval]))', 'commits per second', 'ops'),
      q('sum(rate(pg_stat_database_xact_rollback[$__rate_interval]))', 'rollbacks per second', 'ops'),
    ]))
    .withPanel(graph(P.postgresConnectionLimit, 'short', [
      q('sum by (instance) (pg_stat_activity_count)', 'connections'),
      q('max by (instance) (pg_settings_max_connections)', 'max_connections'),
    ]))
    .withPanel(graph(P.postgresDeadlocks, 'short', [q('sum by (datname) (increase(pg_stat_database_deadlocks[$__rate_interval]))', '{{datname}}')]))
    .withPanel(graph(P.postgresLongestTransaction, 's', [q('max by (datname, state) (pg_stat_activity_max_tx_duration)', '{{datname}} {{state}}')]))
    .withRow(row(R.redis, ID['row:redis']))
    .withPanel(upDown(P.redisUp, [q('redis_up', '{{instance}}')]))
    .withPanel(graph(P.redisMemory, 'bytes', [q('redis_memory_used_bytes', 'used'), q('redis_memory_max_bytes', 'maxmemory')]))
    .withPanel(graph(P.redisEvictions, 'ops', [
      q('rate(redis_evicted_keys_total[$__rate_interval])', 'evicted keys'),
      q('rate(redis_rejected_connections_total[$__rate_interval])', 'rejected connections'),
    ]))
    .withPanel(graph(P.cacheHits, 'percentunit', [
      q(`sum by (tier) (${rate('shortstack_cache_lookups_total', `${sel}, result="hit"`)}) / sum by (tier) (${rate('shortstack_cache_lookups_total')})`, '{{tier}}'),
    ]))
    .withPanel(graph(P.redisCircuit, 'short', [
      q(`max by (instance) (shortstack_redis_circuit_open{${sel}})`, '{{instance}} circuit open'),
      q(`sum by (op) (${rate('shortstack_redis_errors_total')})`, 'errors {{op}}', 'ops'),
    ]))
    .withPanel(graph(P.linkInvalidations, 'short', [
      q(`max(shortstack_link_invalidations_pending{${sel}})`, 'waiting'),
      q(`max(shortstack_link_invalidations_oldest_seconds{${sel}})`, 'oldest waiting', 's'),
    ], 'The invalidation outbox: link changes whose invalidation the replicas have not yet sent again to Redis. A few seconds old at most while the relay works.'))
    .withRow(row(R.monitoring, ID['row:monitoring']))
    .withPanel(graph(P.scrapeTargets, 'short', [q('count by (job) (up == 0)', '{{job}}')]))
    .withPanel(graph(P.notifications, 'percentunit', [
      q('sum by (integration) (rate(alertmanager_notifications_failed_total[$__rate_interval])) / sum by (integration) (rate(alertmanager_notifications_total[$__rate_interval]))', '{{integration}}'),
    ]))
    .withPanel(upDown(P.watchdog, [q('max(ALERTS{alertname="Watchdog", alertstate="firing"}) or vector(0)', 'Watchdog')], 6, ['SILENT', 'FIRING']))
    .withPanel(graph(P.ruleFailures, 'short', [q('sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total[$__rate_interval]))', '{{rule_group}}')]))
    .withPanel(upDown(P.configReloads, [
      q('prometheus_config_last_reload_successful', 'prometheus'),
      q('alertmanager_config_last_reload_successful', 'alertmanager'),
    ], 6, ['FAILED', 'OK']))
    .withPanel(single(P.alertmanagersDiscovered, 'none', [q('prometheus_notifications_alertmanagers_discovered', '{{instance}}')])
      .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([{ value: null, color: 'red' }, { value: 1, color: 'green' }])))
    .withRow(row(R.logs, ID['row:logs']))
    .withPanel(logPanel(P.logs, REQUEST_ID_LOGQL));
}

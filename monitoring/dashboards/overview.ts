// The service overview: the four golden signals first, then one row per component.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { CAPACITY_SERIES } from '../../alerts/capacity.js';
import { datasourceVariables, graph, logPanel, q, single, PROMETHEUS_DS } from './builders.js';
import { DASHBOARDS, OVERVIEW_PANELS as P } from './panels.js';

const sel = 'job="app", instance=~"$instance"';
const rate = (metric: string, labels = sel) => `rate(${metric}{${labels}}[$__rate_interval])`;
const redirectQuantile = (q: number) =>
  `histogram_quantile(${q}, sum by (le) (${rate('http_request_duration_seconds_bucket', `${sel}, route="/:code"`)}))`;

/** LogQL over every component's JSON logs: nginx logs the request id it generated, the app logs it back. */
export const REQUEST_ID_LOGQL = '{component=~".+"} |= "$request_id"';

export function overviewDashboard(): dashboard.DashboardBuilder {
  const d = DASHBOARDS.overview;
  return new dashboard.DashboardBuilder(d.title)
    .uid(d.uid)
    .tags(['shortstack'])
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .readonly()
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
    .withRow(new dashboard.RowBuilder('Golden signals'))
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
    .withRow(new dashboard.RowBuilder('nginx'))
    .withPanel(single(P.nginxUp, 'none', [q('nginx_up', '{{instance}}')]))
    .withPanel(graph(P.nginxConnections, 'short', [
      q('nginx_connections_active', 'active'),
      q('nginx_connections_waiting', 'idle keepalive'),
      q('rate(nginx_connections_accepted[$__rate_interval]) - rate(nginx_connections_handled[$__rate_interval])', 'dropped per second'),
    ]))
    .withPanel(graph(P.nginxRequests, 'reqps', [q('rate(nginx_http_requests_total[$__rate_interval])', 'requests')]))
    .withRow(new dashboard.RowBuilder('App replicas'))
    .withPanel(single(P.replicasUp, 'none', [q('up{job="app"}', '{{instance}}'), q('count(shortstack_build_info) by (version, commit)', '{{version}} {{commit}}')], 12))
    .withPanel(graph(P.replicaRequests, 'reqps', [q(`sum by (instance, status_code) (${rate('http_requests_total')})`, '{{instance}} {{status_code}}')]))
    .withPanel(graph(P.replicaErrors, 'percentunit', [
      q(`sum by (instance) (${rate('http_requests_total', `${sel}, status_code=~"5.."`)}) / sum by (instance) (${rate('http_requests_total')})`, '{{instance}}'),
    ]))
    .withPanel(graph(P.eventLoopLag, 's', [q(`nodejs_eventloop_lag_p99_seconds{${sel}}`, '{{instance}}')]))
    .withPanel(graph(P.clickBuffer, 'short', [
      q(`shortstack_click_buffer_depth{${sel}}`, '{{instance}} depth'),
      q(`shortstack_click_buffer_oldest_seconds{${sel}}`, '{{instance}} oldest (s)'),
    ]))
    .withPanel(graph(P.clickFlushes, 'cps', [
      q(`sum(${rate('shortstack_clicks_flushed_total')})`, 'flushed'),
      q(`sum(${rate('shortstack_clicks_dropped_total')})`, 'dropped'),
      q(`sum(${rate('shortstack_click_flush_failures_total')})`, 'failed flushes'),
    ]))
    .withPanel(graph(P.appPool, 'short', [q(`sum by (state) (shortstack_db_pool_connections{${sel}})`, '{{state}}')]))
    .withRow(new dashboard.RowBuilder('PgBouncer'))
    .withPanel(single(P.pgbouncerUp, 'none', [q('pgbouncer_up', '{{instance}}')]))
    .withPanel(graph(P.pgbouncerClients, 'short', [
      q('sum(pgbouncer_pools_client_active_connections)', 'clients active'),
      q('sum(pgbouncer_pools_client_waiting_connections)', 'clients waiting'),
      q('sum(pgbouncer_pools_server_active_connections)', 'server connections active'),
      q('sum(pgbouncer_databases_pool_size)', 'pool size'),
    ]))
    .withPanel(graph(P.pgbouncerMaxWait, 's', [q('max(pgbouncer_pools_client_maxwait_seconds)', 'oldest waiting client')]))
    .withRow(new dashboard.RowBuilder('PostgreSQL'))
    .withPanel(single(P.postgresUp, 'none', [q('pg_up', '{{instance}}')]))
    .withPanel(graph(P.postgresSize, 'bytes', [
      q('sum(pg_database_size_bytes)', 'databases'),
      q(CAPACITY_SERIES.postgresVolumeBytes, 'volume'),
    ]))
    .withPanel(graph(P.postgresConnections, 'short', [
      q('sum by (state) (pg_stat_activity_count)', '{{state}}'),
      q('sum(rate(pg_stat_database_xact_commit[$__rate_interval]))', 'commits per second'),
      q('sum(rate(pg_stat_database_xact_rollback[$__rate_interval]))', 'rollbacks per second'),
    ]))
    .withRow(new dashboard.RowBuilder('Redis'))
    .withPanel(single(P.redisUp, 'none', [q('redis_up', '{{instance}}')]))
    .withPanel(graph(P.redisMemory, 'bytes', [q('redis_memory_used_bytes', 'used'), q('redis_memory_max_bytes', 'maxmemory')]))
    .withPanel(graph(P.cacheHits, 'percentunit', [
      q(`sum by (tier) (${rate('shortstack_cache_lookups_total', `${sel}, result="hit"`)}) / sum by (tier) (${rate('shortstack_cache_lookups_total')})`, '{{tier}}'),
    ]))
    .withPanel(graph(P.redisCircuit, 'short', [
      q(`max by (instance) (shortstack_redis_circuit_open{${sel}})`, '{{instance}} circuit open'),
      q(`sum by (op) (${rate('shortstack_redis_errors_total')})`, 'errors {{op}}'),
    ]))
    .withRow(new dashboard.RowBuilder('Monitoring'))
    .withPanel(graph(P.scrapeTargets, 'short', [q('count by (job) (up == 0)', '{{job}}')]))
    .withPanel(graph(P.notifications, 'short', [
      q('sum by (integration) (rate(alertmanager_notifications_failed_total[$__rate_interval]))', 'failed {{integration}}'),
      q('sum by (integration) (rate(alertmanager_notifications_total[$__rate_interval]))', 'sent {{integration}}'),
    ]))
    .withRow(new dashboard.RowBuilder('Logs'))
    .withPanel(logPanel(P.logs, REQUEST_ID_LOGQL));
}

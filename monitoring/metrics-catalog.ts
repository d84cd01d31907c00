// Every metric a panel or an alert may read, with what exports it. A query naming anything
// else reads a series nobody writes (tested in metrics-catalog.test.ts).
import { capacityRecordingGroup } from '../alerts/capacity.js';
import { RECORDING_GROUPS } from '../alerts/index.js';
import { CERT_METRICS } from '../app/src/certs/metrics.js';
import { BACKUP_METRIC_NAMES } from './backup-metrics.js';
import { postgresQueryMetrics } from './postgres-queries.js';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'untyped';
export type MetricSource =
  | 'app'
  | 'app (prom-client default)'
  | 'nginx-exporter'
  | 'postgres-exporter'
  | 'pgbouncer-exporter'
  | 'redis-exporter'
  | 'alertmanager'
  | 'prometheus'
  | 'blackbox-exporter'
  | 'node-exporter'
  | 'cert-manager'
  | 'prometheus (scrape)'
  | 'prometheus (rules)'
  | 'recording rule';

export interface CatalogEntry {
  name: string;
  type: MetricType;
  source: MetricSource;
  help: string;
}

const m = (source: MetricSource) => (name: string, type: MetricType, help: string): CatalogEntry => ({ name, type, source, help });
const app = m('app');
const node = m('app (prom-client default)');
const nginx = m('nginx-exporter');
const postgres = m('postgres-exporter');
const pgbouncer = m('pgbouncer-exporter');
const redis = m('redis-exporter');
const alertmanager = m('alertmanager');
const scrape = m('prometheus (scrape)');
const prometheus = m('prometheus');
const blackbox = m('blackbox-exporter');
const nodeExporter = m('node-exporter');
const rules = m('prometheus (rules)');

/** The app's contract metrics (shared contract "App metrics"). */
export const APP_METRICS: CatalogEntry[] = [
  app('http_requests_total', 'counter', 'HTTP requests by method, route template and status'),
  app('http_request_duration_seconds', 'histogram', 'HTTP request duration by method, route template and status'),
  app('shortstack_redirects_total', 'counter', 'Redirect lookups by result (found, gone, not_found)'),
  app('shortstack_cache_lookups_total', 'counter', 'Cache lookups by tier (lru, redis) and result (hit, miss)'),
  app('shortstack_db_pool_connections', 'gauge', 'DB pool clients by state (total, idle, waiting)'),
  app('shortstack_db_pool_wait_seconds', 'histogram', 'Time to acquire a DB pool client'),
  app('shortstack_db_errors_total', 'counter', 'Database errors by kind'),
  app('shortstack_redis_errors_total', 'counter', 'Redis errors by operation'),
  app('shortstack_redis_circuit_open', 'gauge', '1 while the Redis circuit breaker is open'),
  app('shortstack_click_buffer_depth', 'gauge', 'Clicks waiting in memory'),
  app('shortstack_click_buffer_oldest_seconds', 'gauge', 'Age of the oldest unflushed click'),
  app('shortstack_click_rollups_kept_oldest_seconds', 'gauge', 'Age of the oldest batch whose roll-up counts are kept for later'),
  app('shortstack_click_flush_duration_seconds', 'histogram', 'Duration of one click batch transaction'),
  app('shortstack_clicks_flushed_total', 'counter', 'Clicks written to the database'),
  app('shortstack_clicks_dropped_total', 'counter', 'Clicks dropped because the buffer was full'),
  app('shortstack_click_flush_failures_total', 'counter', 'Click batch transactions that failed'),
  app('shortstack_clicks_by_agent_total', 'counter', 'Clicks written, by agent (bot, human)'),
  app('shortstack_webhook_deliveries_total', 'counter', 'Webhook delivery attempts by outcome (delivered, failed, dead)'),
  app('shortstack_webhook_queue_depth', 'gauge', 'Webhook deliveries not yet delivered nor dead'),
  app('shortstack_webhook_oldest_pending_seconds', 'gauge', 'Age of the oldest undelivered webhook delivery'),
  app('shortstack_link_invalidations_pending', 'gauge', 'Link changes in the invalidation outbox not yet relayed to Redis'),
  app('shortstack_link_invalidations_oldest_seconds', 'gauge', 'Age of the oldest link change not yet relayed to Redis'),
  app('shortstack_page_marks_uncounted_events', 'gauge', 'Event ids above the spans counted for deep ?page pages'),
  app('shortstack_build_info', 'gauge', 'Build of the running app (version, commit)'),
];

/** prom-client default metrics the panels and alerts read. */
export const APP_DEFAULT_METRICS: CatalogEntry[] = [
  node('process_start_time_seconds', 'gauge', 'Start time of the process (changes on restart)'),
  node('process_resident_memory_bytes', 'gauge', 'Resident memory'),
  node('process_cpu_seconds_total', 'counter', 'CPU time'),
  node('nodejs_eventloop_lag_p99_seconds', 'gauge', 'Event loop lag, 99th percentile'),
  node('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap used'),
];

/** postgres_exporter's extra queries (postgres-queries.ts): WAL archiving. */
export const ARCHIVE_METRICS: CatalogEntry[] = postgresQueryMetrics().map((q) => postgres(q.name, q.type, q.help));

/** The backup commands' figures, through node-exporter's textfile collector (infra/backup/metrics.ts). */
export const BACKUP_METRICS: CatalogEntry[] = [
  nodeExporter(BACKUP_METRIC_NAMES.lastSuccess, 'gauge', 'When the newest finished backup of each type ended'),
  nodeExporter(BACKUP_METRIC_NAMES.repositoryBytes, 'gauge', 'Bytes the backups take in the repository'),
  nodeExporter(BACKUP_METRIC_NAMES.kept, 'gauge', 'Backups kept in the repository'),
];

/** Names checked against the Debian exporters' real /metrics output (exporters.test.ts). */
export const EXPORTER_METRICS: CatalogEntry[] = [
  nginx('nginx_up', 'gauge', 'stub_status answered'),
  nginx('nginx_connections_active', 'gauge', 'Active client connections'),
  nginx('nginx_connections_accepted', 'counter', 'Accepted client connections'),
  nginx('nginx_connections_handled', 'counter', 'Handled client connections'),
  nginx('nginx_connections_waiting', 'gauge', 'Idle keepalive connections'),
  nginx('nginx_http_requests_total', 'counter', 'Requests nginx received'),
  postgres('pg_up', 'gauge', 'The exporter could connect to PostgreSQL'),
  postgres('pg_database_size_bytes', 'gauge', 'Size of each database'),
  postgres('pg_stat_activity_count', 'gauge', 'Connections by database and state'),
  postgres('pg_stat_activity_max_tx_duration', 'gauge', 'Longest running transaction by state'),
  postgres('pg_stat_database_xact_commit', 'counter', 'Transactions committed'),
  postgres('pg_stat_database_xact_rollback', 'counter', 'Transactions rolled back'),
  postgres('pg_stat_database_deadlocks', 'counter', 'Deadlocks detected'),
  postgres('pg_settings_max_connections', 'gauge', 'max_connections'),
  redis('redis_up', 'gauge', 'The exporter could reach Redis'),
  redis('redis_memory_used_bytes', 'gauge', 'Memory used by Redis'),
  redis('redis_memory_max_bytes', 'gauge', 'maxmemory'),
  redis('redis_connected_clients', 'gauge', 'Connected clients'),
  redis('redis_evicted_keys_total', 'counter', 'Keys evicted under maxmemory'),
  redis('redis_commands_processed_total', 'counter', 'Commands processed'),
  redis('redis_rejected_connections_total', 'counter', 'Connections refused at maxclients'),
];

/**
 * prometheus-community/pgbouncer_exporter names (the Docker image); the loopback stack serves
 * the same names from infra/loopback/exporters, because Debian's exporter does not work with
 * PgBouncer 1.18.
 */
export const PGBOUNCER_METRICS: CatalogEntry[] = [
  pgbouncer('pgbouncer_up', 'gauge', 'PgBouncer answered the exporter'),
  pgbouncer('pgbouncer_pools_client_active_connections', 'gauge', 'Clients linked to a server connection'),
  pgbouncer('pgbouncer_pools_client_waiting_connections', 'gauge', 'Clients waiting for a server connection'),
  pgbouncer('pgbouncer_pools_server_active_connections', 'gauge', 'Server connections linked to a client'),
  pgbouncer('pgbouncer_pools_server_idle_connections', 'gauge', 'Server connections idle'),
  pgbouncer('pgbouncer_pools_client_maxwait_seconds', 'gauge', 'Age of the oldest waiting client'),
  pgbouncer('pgbouncer_databases_pool_size', 'gauge', 'Configured pool size per database'),
  pgbouncer('pgbouncer_config_max_client_connections', 'gauge', 'max_client_conn'),
];

export const TOOL_METRICS: CatalogEntry[] = [
  scrape('up', 'gauge', '1 when the last scrape of the target succeeded'),
  scrape('scrape_duration_seconds', 'gauge', 'Duration of the last scrape'),
  scrape('scrape_samples_scraped', 'gauge', 'Samples the last scrape returned'),
  rules('ALERTS', 'gauge', 'Every pending and firing alert, by alertname and alertstate'),
];

/** Prometheus' and Alertmanager's own metrics, checked against the Debian binaries (tools-metrics.test.ts). */
export const SELF_METRICS: CatalogEntry[] = [
  alertmanager('alertmanager_notifications_total', 'counter', 'Notifications attempted by integration'),
  alertmanager('alertmanager_notifications_failed_total', 'counter', 'Notifications failed by integration'),
  alertmanager('alertmanager_notification_requests_failed_total', 'counter', 'Requests to an integration that failed (before retries)'),
  alertmanager('alertmanager_config_last_reload_successful', 'gauge', '1 if the last configuration reload succeeded'),
  alertmanager('alertmanager_config_last_reload_success_timestamp_seconds', 'gauge', 'Time of the last successful reload'),
  prometheus('prometheus_rule_evaluation_failures_total', 'counter', 'Rule evaluations that failed, by rule group'),
  prometheus('prometheus_rule_group_last_duration_seconds', 'gauge', 'Duration of the last evaluation of each rule group'),
  prometheus('prometheus_notifications_alertmanagers_discovered', 'gauge', 'Alertmanagers Prometheus sends to'),
  prometheus('prometheus_notifications_errors_total', 'counter', 'Errors sending alerts to Alertmanager'),
  prometheus('prometheus_notifications_sent_total', 'counter', 'Alerts sent to Alertmanager'),
  prometheus('prometheus_notifications_queue_length', 'gauge', 'Alerts waiting to be sent'),
  prometheus('prometheus_config_last_reload_successful', 'gauge', '1 if the last configuration reload succeeded'),
  prometheus('prometheus_config_last_reload_success_timestamp_seconds', 'gauge', 'Time of the last successful reload'),
];

/** The blackbox exporter's probe results (the edge SLI, monitoring/edge.ts). */
export const BLACKBOX_METRICS: CatalogEntry[] = [
  blackbox('probe_success', 'gauge', '1 when the probe passed every check of its module'),
  blackbox('probe_http_status_code', 'gauge', 'Status code of the probed answer'),
  blackbox('probe_duration_seconds', 'gauge', 'Duration of the probe'),
];

/** Only when the probed front door is HTTPS (infra/loopback/https.test.ts reads it from Prometheus). */
export const BLACKBOX_TLS_METRICS: CatalogEntry[] = [
  blackbox('probe_ssl_earliest_cert_expiry', 'gauge', 'notAfter of the earliest-expiring certificate of the chain served (HTTPS front door)'),
];

/** The certificate manager's own figures (HTTPS on Docker and loopback: app/src/certs/metrics.ts). */
export const CERT_MANAGER_METRICS: CatalogEntry[] = [
  m('cert-manager')(CERT_METRICS.expiry, 'gauge', 'notAfter of the certificate in the certificate files (Unix seconds)'),
  m('cert-manager')(CERT_METRICS.selfSigned, 'gauge', '1 while the temporary self-signed certificate is in place'),
  m('cert-manager')(CERT_METRICS.renewals, 'counter', 'Certificates obtained and put in service'),
  m('cert-manager')(CERT_METRICS.failures, 'counter', 'Renewal attempts that failed'),
  m('cert-manager')(CERT_METRICS.consecutiveFailures, 'gauge', 'Failed renewal attempts since the last success'),
  m('cert-manager')(CERT_METRICS.lastSuccess, 'gauge', 'When a certificate was last obtained (Unix seconds)'),
];

/** node-exporter's filesystem collector: PostgreSQL's disk (alerts/capacity.ts). */
export const NODE_METRICS: CatalogEntry[] = [
  nodeExporter('node_filesystem_size_bytes', 'gauge', 'Filesystem size in bytes'),
  nodeExporter('node_filesystem_avail_bytes', 'gauge', 'Filesystem space available to non-root users in bytes'),
];

/** Recording rules from alerts/ (SLO ratios), one entry per recorded name. */
export function recordingRuleMetrics(): CatalogEntry[] {
  const slo = new Set(RECORDING_GROUPS.flatMap((g) => g.rules.map((r) => r.record)));
  return [
    // The recorded names are the same whatever measures the disk.
    ...capacityRecordingGroup({ kind: 'declared', bytes: 1 }).rules.map((r) => ({ name: r.record, type: 'gauge' as const, source: 'recording rule' as const, help: 'a stack capacity (alerts/capacity.ts)' })),
    ...[...slo].map((name) => ({ name, type: 'gauge' as const, source: 'recording rule' as const, help: 'SLO recording rule (alerts/slo)' })),
  ];
}

export function metricsCatalog(): CatalogEntry[] {
  return [
    ...APP_METRICS, ...APP_DEFAULT_METRICS, ...EXPORTER_METRICS, ...PGBOUNCER_METRICS, ...TOOL_METRICS, ...SELF_METRICS,
    ...BLACKBOX_METRICS, ...BLACKBOX_TLS_METRICS, ...CERT_MANAGER_METRICS, ...NODE_METRICS, ...ARCHIVE_METRICS, ...BACKUP_METRICS,
    ...recordingRuleMetrics(),
  ];
}

/** Every series name a query may use: histograms contribute _bucket, _sum and _count. */
export function knownSeriesNames(catalog: CatalogEntry[] = metricsCatalog()): Set<string> {
  const names = new Set<string>();
  for (const e of catalog) {
    if (e.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(e.name + s);
    else names.add(e.name);
  }
  return names;
}

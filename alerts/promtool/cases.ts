// promtool unit tests, per alert: a series that fires it at the expected time with the
// expected labels (and not one evaluation earlier), and one that must not fire it.

export interface SeriesInput {
  series: string;
  values: string;
}

export interface AlertCase {
  alert: string;
  kind: 'fires' | 'quiet';
  /** Step between input samples; 1m unless set. */
  interval?: string;
  /** How often the rules are evaluated; 1m unless set (a week-long case: 10m). */
  evaluationInterval?: string;
  series: SeriesInput[];
  /** fires: firing here with `expect`; quiet: nothing here. */
  at: string;
  /** fires: not yet firing here (still pending, or not yet true); only the Watchdog has none. */
  before?: string;
  /** fires: one entry per expected alert: labels from the series (the rule's own are added), and
   * $value where the annotations print it. */
  expect?: { labels: Record<string, string>; value?: number }[];
}

const s = (series: string, values: string): SeriesInput => ({ series, values });
/** PostgreSQL's disk as node-exporter reports it (the Docker placement's mount), 10 GiB in size. */
const disk = (avail: string) => [
  s('node_filesystem_size_bytes{job="node", instance="postgres", mountpoint="/data/postgres", fstype="ext4"}', `${10 * 1024 ** 3}x20`),
  s('node_filesystem_avail_bytes{job="node", instance="postgres", mountpoint="/data/postgres", fstype="ext4"}', avail),
];
const target = (job: string, instance: string) => `job="${job}", instance="${instance}", component="${job}"`;
const app = (instance: string) => target('app', instance);
const req = (instance: string, status: string) =>
  `http_requests_total{${app(instance)}, method="GET", route="/:code", status_code="${status}"}`;
const latency = (suffix: 'bucket' | 'count', le?: string) =>
  `http_request_duration_seconds_${suffix}{${app('app-1')}, method="GET", route="/:code", status_code="302"${le ? `, le="${le}"` : ''}}`;
const slo = (id: string) => ({ service: 'shortstack', slo: id });
const waiting = `pgbouncer_pools_client_waiting_connections{${target('pgbouncer', 'pgbouncer')}, database="shortstack", user="shortstack"}`;
/** A gauge its instance could not read, 21 samples (promtool expands no NaN with `x`). */
const unknown = Array(21).fill('NaN').join(' ');
const probe = (values: string) => s('probe_success{job="edge", instance="front-door", component="edge"}', values);
const am = (metric: string, integration: string, values: string) =>
  s(`${metric}{${target('alertmanager', 'alertmanager')}, integration="${integration}"}`, values);
const pg = (metric: string, labels: string, values: string) => s(`${metric}{${target('postgres', 'postgres')}${labels}}`, values);
const redis = (metric: string, values: string) => s(`${metric}{${target('redis', 'redis')}}`, values);
const bouncer = (metric: string, labels: string, values: string) => s(`${metric}{${target('pgbouncer', 'pgbouncer')}${labels}}`, values);
const lookup = (result: string, values: string) => s(`shortstack_redirects_total{${app('app-1')}, result="${result}"}`, values);
const prom = (metric: string, labels: string, values: string) => s(`${metric}{${target('prometheus', 'prometheus')}${labels}}`, values);
/** Every scrape job present, so absent() finds nothing missing. */
const allJobs = (values: string) => ['nginx', 'postgres', 'pgbouncer', 'redis', 'prometheus', 'alertmanager', 'edge']
  .map((j) => s(`up{${target(j, j)}}`, values));

/** A target that goes down after the first sample, and a quiet twin that stays up. */
function downCases(alert: string, metric: string, job: string, instance: string, forMinutes: number): AlertCase[] {
  const series = (values: string) => [s(`${metric}{${target(job, instance)}}`, values)];
  return [
    { alert, kind: 'fires', series: series('1 0x20'), before: `${forMinutes}m`, at: `${forMinutes + 1}m`, expect: [{ labels: { job, instance } }] },
    { alert, kind: 'quiet', series: series('1x20'), at: '15m' },
  ];
}

/** 12 failed probes (60:15 to 63:00) of the 241 in the hour up to 63:00, both ends included. */
const EDGE_OUTAGE_RATIO_AT_63M = 12 / 241;

export const ALERT_CASES: AlertCase[] = [
  ...downCases('AppReplicaDown', 'up', 'app', 'app-1', 1),
  {
    alert: 'AppRedundancyLost', kind: 'fires',
    series: [s(`up{${app('app-1')}}`, '1x20'), s(`up{${app('app-2')}}`, '1 0x20')],
    before: '1m', at: '2m', expect: [{ labels: {}, value: 1 }],
  },
  // A one-replica stack has no redundancy to lose.
  { alert: 'AppRedundancyLost', kind: 'quiet', series: [s(`up{${app('app-1')}}`, '1x20')], at: '15m' },
  {
    alert: 'AppAllReplicasDown', kind: 'fires',
    series: [s(`up{${app('app-1')}}`, '1 0x20'), s(`up{${app('app-2')}}`, '1 0x20')],
    before: '1m', at: '2m', expect: [{ labels: {} }],
  },
  {
    alert: 'AppAllReplicasDown', kind: 'quiet',
    series: [s(`up{${app('app-1')}}`, '1x20'), s(`up{${app('app-2')}}`, '1 0x20')], at: '15m',
  },
  {
    alert: 'AppReplicaRestarted', kind: 'fires',
    series: [s(`process_start_time_seconds{${app('app-1')}}`, '1000 1000 1000 1180x20')],
    before: '2m', at: '3m', expect: [{ labels: { job: 'app', instance: 'app-1' }, value: 1 }],
  },
  { alert: 'AppReplicaRestarted', kind: 'quiet', series: [s(`process_start_time_seconds{${app('app-1')}}`, '1000x30')], at: '20m' },
  ...downCases('NginxDown', 'nginx_up', 'nginx', 'nginx', 1),
  {
    alert: 'AppReplicaErrorRatioHigh', kind: 'fires',
    series: [s(req('app-1', '302'), '0+100x30'), s(req('app-1', '500'), '0+10x30'), s(req('app-2', '302'), '0+100x30')],
    before: '5m', at: '6m', expect: [{ labels: { instance: 'app-1' }, value: 10 / 110 }],
  },
  {
    alert: 'AppReplicaErrorRatioHigh', kind: 'quiet',
    series: [s(req('app-1', '302'), '0+100x30'), s(req('app-1', '500'), '0+1x30')], at: '20m',
  },
  {
    // Half of an idle replica's requests failed: 1 in 2 per minute is under the traffic guard.
    alert: 'AppReplicaErrorRatioHigh', kind: 'quiet',
    series: [s(req('app-1', '302'), '0+1x30'), s(req('app-1', '500'), '0+1x30')], at: '20m',
  },
  {
    // Docker's health checks are not traffic: they neither dilute nor make up the ratio.
    alert: 'AppReplicaErrorRatioHigh', kind: 'quiet',
    series: [s(`http_requests_total{${app('app-1')}, method="GET", route="/health", status_code="200"}`, '0+600x30'), s(req('app-1', '500'), '0+1x30')], at: '20m',
  },
  {
    // p99 inside the (0.25, 0.5] bucket: 0.25 + 0.25 * (99 - 98) / (100 - 98) = 0.375 s.
    alert: 'RedirectLatencyHigh', kind: 'fires',
    series: [s(latency('bucket', '0.25'), '0+98x30'), s(latency('bucket', '0.5'), '0+100x30'), s(latency('bucket', '+Inf'), '0+100x30')],
    before: '10m', at: '11m', expect: [{ labels: {}, value: 0.375 }],
  },
  {
    alert: 'RedirectLatencyHigh', kind: 'quiet',
    series: [s(latency('bucket', '0.1'), '0+100x30'), s(latency('bucket', '0.25'), '0+100x30'), s(latency('bucket', '+Inf'), '0+100x30')], at: '20m',
  },
  ...downCases('PostgresDown', 'pg_up', 'postgres', 'postgres', 1),
  {
    // A backup at time 0, none since: 26 h later it is too old, 30 minutes after that it fires.
    alert: 'BackupTooOld', kind: 'fires', interval: '10m', evaluationInterval: '10m',
    series: [s('shortstack_backup_last_success_timestamp_seconds{job="node", instance="postgres", stanza="shortstack", type="full"}', '0x200')],
    before: '26h20m', at: '26h40m', expect: [{ labels: { stanza: 'shortstack' }, value: 96000 }],
  },
  {
    // A daily full and hourly differentials: the newest is never more than an hour old.
    alert: 'BackupTooOld', kind: 'quiet', interval: '10m', evaluationInterval: '10m',
    series: [s('shortstack_backup_last_success_timestamp_seconds{job="node", instance="postgres", stanza="shortstack", type="full"}', '0x143 86400x130'),
      s('shortstack_backup_last_success_timestamp_seconds{job="node", instance="postgres", stanza="shortstack", type="diff"}', '0+600x270')],
    at: '44h',
  },
  {
    // Archived at 60 s, then every attempt fails from 2 minutes on.
    alert: 'WalArchivingFailing', kind: 'fires',
    series: [pg('pg_stat_archiver_last_archived_time_seconds', '', '60x20'), pg('pg_stat_archiver_last_failed_time_seconds', '', '0 0 120+60x18')],
    before: '6m', at: '7m', expect: [{ labels: { job: 'postgres', instance: 'postgres' } }],
  },
  {
    // One failure, then archived again: the retry worked.
    alert: 'WalArchivingFailing', kind: 'quiet',
    series: [pg('pg_stat_archiver_last_archived_time_seconds', '', '60 60 60 240+60x17'), pg('pg_stat_archiver_last_failed_time_seconds', '', '0 0 120x18')],
    at: '15m',
  },
  {
    alert: 'WalArchiveLagging', kind: 'fires',
    series: [pg('pg_archive_ready_segments', '', '0 12+1x30')],
    before: '15m', at: '16m', expect: [{ labels: { job: 'postgres', instance: 'postgres' }, value: 27 }],
  },
  {
    // A bulk import's burst that drains within minutes.
    alert: 'WalArchiveLagging', kind: 'quiet',
    series: [pg('pg_archive_ready_segments', '', '0 30 25 20 15 10 5 0x20')],
    at: '20m',
  },
  ...downCases('PgbouncerDown', 'pgbouncer_up', 'pgbouncer', 'pgbouncer', 1),
  {
    alert: 'PgbouncerPoolSaturated', kind: 'fires',
    series: [s(`${waiting}`, '0 3x20')],
    before: '2m', at: '3m', expect: [{ labels: { instance: 'pgbouncer', database: 'shortstack' } }],
  },
  {
    // The pool fills and drains between scrapes: a zero every other sample must not reset `for`.
    alert: 'PgbouncerPoolSaturated', kind: 'fires',
    series: [s(`${waiting}`, '0 4 0 4 0 4 0 4 0 4 0 4 0 4 0 4')],
    before: '2m', at: '3m', expect: [{ labels: { instance: 'pgbouncer', database: 'shortstack' } }],
  },
  {
    // The oldest client waits seconds while the queue itself looks short at scrape time.
    alert: 'PgbouncerPoolSaturated', kind: 'fires',
    series: [s(`${waiting}`, '0x20'), s(`pgbouncer_pools_client_maxwait_seconds{${target('pgbouncer', 'pgbouncer')}, database="shortstack", user="shortstack"}`, '0 4 0 4 0 4 0 4 0 4 0 4 0 4')],
    before: '2m', at: '3m', expect: [{ labels: { instance: 'pgbouncer', database: 'shortstack' } }],
  },
  {
    alert: 'PgbouncerPoolSaturated', kind: 'quiet',
    // A one-sample queue during a burst is normal.
    series: [s(`${waiting}`, '0 4 0x20')], at: '3m',
  },
  ...downCases('RedisDown', 'redis_up', 'redis', 'redis', 1),
  {
    alert: 'RedisCircuitOpen', kind: 'fires',
    series: [s(`shortstack_redis_circuit_open{${app('app-2')}}`, '0 1x20')],
    before: '1m', at: '2m', expect: [{ labels: { instance: 'app-2' }, value: 1 }],
  },
  { alert: 'RedisCircuitOpen', kind: 'quiet', series: [s(`shortstack_redis_circuit_open{${app('app-2')}}`, '0 1 0x20')], at: '15m' },
  {
    // 0.2 GB less free space every 10 minutes out of 5 GB: gone in about 4 h, well within 24 h;
    // firing 30 minutes after the second sample makes a slope.
    alert: 'PostgresVolumeFilling', kind: 'fires', interval: '10m',
    series: disk('5000000000-200000000x20'),
    before: '39m', at: '40m', expect: [{ labels: {} }],
  },
  { alert: 'PostgresVolumeFilling', kind: 'quiet', interval: '10m', series: disk('5000000000x20'), at: '3h' },
  {
    // 1 GB free of 10 GiB: 90.7% used.
    alert: 'PostgresVolumeAlmostFull', kind: 'fires', series: disk('5000000000 1000000000x20'),
    before: '5m', at: '6m', expect: [{ labels: {}, value: 1 - 1_000_000_000 / (10 * 1024 ** 3) }],
  },
  {
    // Only PostgreSQL's mount counts: the container's root file system nearly full is not it.
    alert: 'PostgresVolumeAlmostFull', kind: 'quiet', at: '15m',
    series: [...disk('5000000000x20'), s('node_filesystem_avail_bytes{job="node", instance="postgres", mountpoint="/", fstype="overlay"}', '1x20'),
      s('node_filesystem_size_bytes{job="node", instance="postgres", mountpoint="/", fstype="overlay"}', `${10 * 1024 ** 3}x20`)],
  },
  {
    alert: 'ClicksDropped', kind: 'fires',
    series: [s(`shortstack_clicks_dropped_total{${app('app-1')}}`, '0 0 0 50 100x20')],
    before: '2m', at: '3m', expect: [{ labels: { instance: 'app-1' }, value: 50 }],
  },
  { alert: 'ClicksDropped', kind: 'quiet', series: [s(`shortstack_clicks_dropped_total{${app('app-1')}}`, '0x20')], at: '15m' },
  {
    alert: 'ClickFlusherBehind', kind: 'fires',
    series: [s(`shortstack_click_buffer_oldest_seconds{${app('app-1')}}`, '0 45x20')],
    before: '2m', at: '3m', expect: [{ labels: { instance: 'app-1' }, value: 45 }],
  },
  {
    // A change waits and ages a minute a minute: past 60 s at 2m, and 5 minutes more.
    alert: 'LinkInvalidationsStuck', kind: 'fires',
    series: [s(`shortstack_link_invalidations_oldest_seconds{${app('app-1')}}`, '0+60x20'), s(`shortstack_link_invalidations_oldest_seconds{${app('app-2')}}`, '0+60x20')],
    before: '6m', at: '7m', expect: [{ labels: {}, value: 420 }],
  },
  {
    // One replica cannot read the outbox (NaN: unknown), another reads a change ageing a minute
    // a minute: max() passes over the NaN and the alert fires as before.
    alert: 'LinkInvalidationsStuck', kind: 'fires',
    series: [s(`shortstack_link_invalidations_oldest_seconds{${app('app-1')}}`, unknown), s(`shortstack_link_invalidations_oldest_seconds{${app('app-2')}}`, '0+60x20')],
    before: '6m', at: '7m', expect: [{ labels: {}, value: 420 }],
  },
  {
    // One replica cannot read the outbox, the other finds it empty: quiet.
    alert: 'LinkInvalidationsStuck', kind: 'quiet',
    series: [s(`shortstack_link_invalidations_oldest_seconds{${app('app-1')}}`, unknown), s(`shortstack_link_invalidations_oldest_seconds{${app('app-2')}}`, '0x20')],
    at: '14m',
  },
  {
    // The relay at work: each change waits its few seconds, one after another.
    alert: 'LinkInvalidationsStuck', kind: 'quiet',
    series: [s(`shortstack_link_invalidations_oldest_seconds{${app('app-1')}}`, '0 2 3 0 2 1 3 2 0x5')],
    at: '14m',
  },
  {
    // The oldest undelivered delivery ages a minute a minute and the outbox grows: past 900 s
    // (at 16m) and 10 minutes more.
    alert: 'WebhookBacklogGrowing', kind: 'fires',
    series: [s(`shortstack_webhook_oldest_pending_seconds{${app('app-1')}}`, '0+60x40'), s(`shortstack_webhook_queue_depth{${app('app-1')}}`, '0+10x40')],
    before: '25m', at: '26m', expect: [{ labels: {}, value: 1560 }],
  },
  {
    // Just as old, but the outbox does not grow (one receiver down, waiting out its retries).
    alert: 'WebhookBacklogGrowing', kind: 'quiet',
    series: [s(`shortstack_webhook_oldest_pending_seconds{${app('app-1')}}`, '0+60x40'), s(`shortstack_webhook_queue_depth{${app('app-1')}}`, '5x40')],
    at: '30m',
  },
  {
    alert: 'CertificateRenewalFailing', kind: 'fires',
    series: [s(`shortstack_certificate_renewal_consecutive_failures{${target('cert-manager', 'cert-manager')}}`, '0 1 2 3x20')],
    before: '7m', at: '8m', expect: [{ labels: { job: 'cert-manager', instance: 'cert-manager' }, value: 3 }],
  },
  // Two failures, then a success: the backoff did its job.
  { alert: 'CertificateRenewalFailing', kind: 'quiet', series: [s(`shortstack_certificate_renewal_consecutive_failures{${target('cert-manager', 'cert-manager')}}`, '0 1 2 0x20')], at: '15m' },
  {
    // 13 days left at the start (promtool's clock starts at 0): firing once it held for an hour.
    alert: 'CertificateExpiresSoon', kind: 'fires',
    series: [s('probe_ssl_earliest_cert_expiry{job="edge", instance="front-door", component="edge"}', `${13 * 86400}x90`)],
    before: '59m', at: '61m', expect: [{ labels: { job: 'edge', instance: 'front-door' }, value: (13 * 86400 - 61 * 60) / 86400 }],
  },
  { alert: 'CertificateExpiresSoon', kind: 'quiet', series: [s('probe_ssl_earliest_cert_expiry{job="edge", instance="front-door", component="edge"}', `${15 * 86400}x90`)], at: '90m' },
  { alert: 'ClickFlusherBehind', kind: 'quiet', series: [s(`shortstack_click_buffer_oldest_seconds{${app('app-1')}}`, '0 10x20')], at: '15m' },
  {
    // Kept counts aging a minute a minute from 0: past 60 s at 2m, firing 5 minutes later.
    alert: 'ClickRollupsBehind', kind: 'fires',
    series: [s(`shortstack_click_rollups_kept_oldest_seconds{${app('app-1')}}`, '0+60x20')],
    before: '6m', at: '8m', expect: [{ labels: { instance: 'app-1' }, value: 480 }],
  },
  // Applied every delay under load: the age climbs to the delay and a turn more, then drops.
  { alert: 'ClickRollupsBehind', kind: 'quiet', series: [s(`shortstack_click_rollups_kept_oldest_seconds{${app('app-1')}}`, '0 15 29 3 17 30x20')], at: '15m' },
  {
    // Nothing counted while 100,000 events a minute arrive: past 1M at 11m, firing 15 minutes later.
    alert: 'DeepPageCountsBehind', kind: 'fires',
    series: [s(`shortstack_page_marks_uncounted_events{${app('app-1')}}`, '0+100000x40'), s(`shortstack_page_marks_uncounted_events{${app('app-2')}}`, '0+100000x40')],
    before: '25m', at: '27m', expect: [{ labels: {}, value: 2_700_000 }],
  },
  // One replica's last read is old and high; the other counts on: a span and a few seconds behind.
  {
    alert: 'DeepPageCountsBehind', kind: 'quiet',
    series: [s(`shortstack_page_marks_uncounted_events{${app('app-1')}}`, '5000000x40'), s(`shortstack_page_marks_uncounted_events{${app('app-2')}}`, '40000 60000 35000x38')],
    at: '30m',
  },
  {
    alert: 'ScrapeTargetDown', kind: 'fires',
    series: [s(`up{${target('redis', 'redis')}}`, '1 0x20'), s(`up{${app('app-1')}}`, '1 0x20')],
    before: '5m', at: '6m', expect: [{ labels: { job: 'redis', instance: 'redis' } }],
  },
  // Replicas have alerts of their own.
  { alert: 'ScrapeTargetDown', kind: 'quiet', series: [s(`up{${target('redis', 'redis')}}`, '1x20'), s(`up{${app('app-1')}}`, '1 0x20')], at: '15m' },
  {
    alert: 'AlertmanagerNotificationsFailing', kind: 'fires',
    series: [am('alertmanager_notifications_failed_total', 'discord', '0+1x20'), am('alertmanager_notifications_total', 'discord', '0+2x20')],
    before: '5m', at: '6m', expect: [{ labels: { instance: 'alertmanager', integration: 'discord' }, value: 0.5 }],
  },
  {
    // One failure long ago is not a failing integration; PagerDuty has its own, critical alert.
    alert: 'AlertmanagerNotificationsFailing', kind: 'quiet',
    series: [am('alertmanager_notifications_failed_total', 'discord', '0 1x20'), am('alertmanager_notifications_total', 'discord', '0+10x20'),
      am('alertmanager_notifications_failed_total', 'pagerduty', '0+1x20'), am('alertmanager_notifications_total', 'pagerduty', '0+1x20')], at: '15m',
  },
  {
    alert: 'AlertmanagerPagerdutyNotificationsFailing', kind: 'fires',
    series: [am('alertmanager_notifications_failed_total', 'pagerduty', '0+1x20'), am('alertmanager_notifications_total', 'pagerduty', '0+1x20'),
      am('alertmanager_notifications_failed_total', 'discord', '0+1x20'), am('alertmanager_notifications_total', 'discord', '0+1x20')],
    before: '5m', at: '6m', expect: [{ labels: { instance: 'alertmanager', integration: 'pagerduty' }, value: 1 }],
  },
  {
    alert: 'AlertmanagerPagerdutyNotificationsFailing', kind: 'quiet',
    series: [am('alertmanager_notifications_failed_total', 'pagerduty', '0x20'), am('alertmanager_notifications_total', 'pagerduty', '0+1x20')], at: '15m',
  },
  { alert: 'Watchdog', kind: 'fires', series: [], at: '0m', expect: [{ labels: {} }] },
  // The Watchdog has no quiet case in a working pipeline: "quiet" is the dead man's switch's job.
  {
    alert: 'ScrapeJobAbsent', kind: 'fires',
    series: allJobs('1x30').filter((x) => !x.series.includes('job="edge"')),
    before: '9m', at: '10m', expect: [{ labels: { job: 'edge' } }],
  },
  { alert: 'ScrapeJobAbsent', kind: 'quiet', series: allJobs('1x30'), at: '20m' },
  {
    alert: 'PrometheusRuleEvaluationFailures', kind: 'fires',
    series: [prom('prometheus_rule_evaluation_failures_total', ', rule_group="shortstack-alerts.yml;shortstack-app"', '0+1x20')],
    before: '5m', at: '6m', expect: [{ labels: { instance: 'prometheus', rule_group: 'shortstack-alerts.yml;shortstack-app' }, value: 5 }],
  },
  {
    alert: 'PrometheusRuleEvaluationFailures', kind: 'quiet',
    series: [prom('prometheus_rule_evaluation_failures_total', ', rule_group="g"', '0 1 1x20')], at: '15m',
  },
  {
    alert: 'PrometheusNotConnectedToAlertmanagers', kind: 'fires',
    series: [prom('prometheus_notifications_alertmanagers_discovered', '', '1 0x20')],
    before: '10m', at: '11m', expect: [{ labels: { job: 'prometheus', instance: 'prometheus' } }],
  },
  {
    // A restart of Alertmanager (one scrape without it) is not a lost Alertmanager.
    alert: 'PrometheusNotConnectedToAlertmanagers', kind: 'quiet',
    series: [prom('prometheus_notifications_alertmanagers_discovered', '', '1 0 1x20')], at: '15m',
  },
  {
    alert: 'PrometheusErrorSendingAlerts', kind: 'fires',
    series: [prom('prometheus_notifications_errors_total', ', alertmanager="http://127.0.0.1:9093/api/v2/alerts"', '0+1x20'),
      prom('prometheus_notifications_sent_total', ', alertmanager="http://127.0.0.1:9093/api/v2/alerts"', '0+4x20')],
    before: '10m', at: '11m', expect: [{ labels: { instance: 'prometheus', alertmanager: 'http://127.0.0.1:9093/api/v2/alerts' }, value: 0.25 }],
  },
  {
    alert: 'PrometheusErrorSendingAlerts', kind: 'quiet',
    series: [prom('prometheus_notifications_errors_total', ', alertmanager="a"', '0x20'), prom('prometheus_notifications_sent_total', ', alertmanager="a"', '0+4x20')], at: '15m',
  },
  {
    alert: 'PrometheusConfigReloadFailed', kind: 'fires',
    series: [prom('prometheus_config_last_reload_successful', '', '1 0x30')],
    before: '15m', at: '16m', expect: [{ labels: { job: 'prometheus', instance: 'prometheus' } }],
  },
  { alert: 'PrometheusConfigReloadFailed', kind: 'quiet', series: [prom('prometheus_config_last_reload_successful', '', '1x30')], at: '20m' },
  {
    alert: 'AlertmanagerConfigReloadFailed', kind: 'fires',
    series: [s(`alertmanager_config_last_reload_successful{${target('alertmanager', 'alertmanager')}}`, '1 0x30')],
    before: '15m', at: '16m', expect: [{ labels: { job: 'alertmanager', instance: 'alertmanager' } }],
  },
  {
    alert: 'AlertmanagerConfigReloadFailed', kind: 'quiet',
    series: [s(`alertmanager_config_last_reload_successful{${target('alertmanager', 'alertmanager')}}`, '1 0 1x30')], at: '20m',
  },
  {
    alert: 'AppCrashLoop', kind: 'fires',
    series: [s(`process_start_time_seconds{${app('app-1')}}`, '1000 1000 1120 1120 1240 1240 1360x20')],
    before: '5m', at: '6m', expect: [{ labels: { job: 'app', instance: 'app-1' }, value: 3 }],
  },
  {
    // A deploy restarts each replica once.
    alert: 'AppCrashLoop', kind: 'quiet',
    series: [s(`process_start_time_seconds{${app('app-1')}}`, '1000 1000 1120x20')], at: '10m',
  },
  {
    // Last week 10 req/s, now 2 req/s (probes not counted).
    alert: 'TrafficDropWeekOverWeek', kind: 'fires', interval: '30m', evaluationInterval: '30m',
    series: [s(req('app-1', '302'), '0+18000x336 6048000+3600x20')],
    before: '7d1h', at: '7d1h30m', expect: [{ labels: {}, value: 2 }],
  },
  {
    // The same traffic as last week; and a new stack (no last week) is quiet too.
    alert: 'TrafficDropWeekOverWeek', kind: 'quiet', interval: '30m', evaluationInterval: '30m',
    series: [s(req('app-1', '302'), '0+18000x360')], at: '7d2h',
  },
  {
    alert: 'NotFoundShareHigh', kind: 'fires',
    series: [lookup('found', '0+30x30'), lookup('not_found', '0x5 0+90x25')],
    before: '19m', at: '20m', expect: [{ labels: {}, value: 0.75 }],
  },
  {
    // A few misses at night: a high share of almost nothing.
    alert: 'NotFoundShareHigh', kind: 'quiet',
    series: [lookup('found', '0+1x30'), lookup('not_found', '0+5x30')], at: '25m',
  },
  {
    alert: 'PostgresConnectionsNearMax', kind: 'fires',
    series: [pg('pg_stat_activity_count', ', datname="shortstack", state="active"', '50 90x20'), pg('pg_stat_activity_count', ', datname="shortstack", state="idle"', '0x20'),
      pg('pg_settings_max_connections', '', '100x20')],
    before: '5m', at: '6m', expect: [{ labels: { instance: 'postgres' }, value: 0.9 }],
  },
  {
    alert: 'PostgresConnectionsNearMax', kind: 'quiet',
    series: [pg('pg_stat_activity_count', ', datname="shortstack", state="active"', '50x20'), pg('pg_settings_max_connections', '', '100x20')], at: '15m',
  },
  {
    alert: 'PostgresDeadlocks', kind: 'fires',
    series: [pg('pg_stat_database_deadlocks', ', datid="16384", datname="shortstack"', '0 0 0 1x20')],
    before: '2m', at: '3m', expect: [{ labels: { instance: 'postgres', datname: 'shortstack' }, value: 1 }],
  },
  { alert: 'PostgresDeadlocks', kind: 'quiet', series: [pg('pg_stat_database_deadlocks', ', datid="16384", datname="shortstack"', '2x20')], at: '15m' },
  {
    alert: 'PostgresLongTransaction', kind: 'fires',
    series: [pg('pg_stat_activity_max_tx_duration', ', datname="shortstack", state="idle in transaction"', '0 400+60x20')],
    before: '2m', at: '3m', expect: [{ labels: { instance: 'postgres', datname: 'shortstack' }, value: 520 }],
  },
  {
    alert: 'PostgresLongTransaction', kind: 'quiet',
    series: [pg('pg_stat_activity_max_tx_duration', ', datname="shortstack", state="active"', '0 2 1 3 0x20')], at: '15m',
  },
  {
    alert: 'PgbouncerClientsNearMax', kind: 'fires',
    series: [bouncer('pgbouncer_pools_client_active_connections', ', database="shortstack", user="shortstack"', '10 85x20'),
      bouncer('pgbouncer_pools_client_waiting_connections', ', database="shortstack", user="shortstack"', '0 5x20'),
      bouncer('pgbouncer_config_max_client_connections', '', '100x20')],
    before: '5m', at: '6m', expect: [{ labels: { instance: 'pgbouncer' }, value: 0.9 }],
  },
  {
    alert: 'PgbouncerClientsNearMax', kind: 'quiet',
    series: [bouncer('pgbouncer_pools_client_active_connections', ', database="shortstack", user="shortstack"', '20x20'),
      bouncer('pgbouncer_pools_client_waiting_connections', ', database="shortstack", user="shortstack"', '0x20'),
      bouncer('pgbouncer_config_max_client_connections', '', '100x20')], at: '15m',
  },
  {
    alert: 'RedisRejectedConnections', kind: 'fires',
    series: [redis('redis_rejected_connections_total', '0 0 3x20')],
    before: '1m', at: '2m', expect: [{ labels: { instance: 'redis' }, value: 3 }],
  },
  { alert: 'RedisRejectedConnections', kind: 'quiet', series: [redis('redis_rejected_connections_total', '3x20')], at: '15m' },
  {
    alert: 'RedisMemoryNearMaxEvicting', kind: 'fires',
    series: [redis('redis_memory_used_bytes', '95x30'), redis('redis_memory_max_bytes', '100x30'), redis('redis_evicted_keys_total', '0+10x30')],
    before: '10m', at: '11m', expect: [{ labels: { job: 'redis', instance: 'redis' }, value: 0.95 }],
  },
  {
    // Full but not evicting (keys expire on their own), and no maxmemory at all (0): quiet.
    alert: 'RedisMemoryNearMaxEvicting', kind: 'quiet',
    series: [redis('redis_memory_used_bytes', '95x30'), redis('redis_memory_max_bytes', '100x30'), redis('redis_evicted_keys_total', '5x30')], at: '20m',
  },
  {
    // Every replica down stays a root cause for 35 minutes after it resolved: the SLO burns it
    // caused must not page on the way out.
    alert: 'RootCauseRecentlyFiring', kind: 'fires',
    series: [s(`up{${app('app-1')}}`, '1 0x10 1x60'), s(`up{${app('app-2')}}`, '1 0x10 1x60')],
    before: '1m', at: '40m', expect: [{ labels: { cause: 'AppAllReplicasDown' } }],
  },
  {
    alert: 'RootCauseRecentlyFiring', kind: 'quiet',
    series: [s(`up{${app('app-1')}}`, '1 0x10 1x60'), s(`up{${app('app-2')}}`, '1 0x10 1x60')], at: '50m',
  },
  // SLO burns: a 2% error ratio is over 14.4x the 0.1% budget; 0.5% is over 3x but under 6x.
  {
    alert: 'AvailabilityBudgetBurnPage', kind: 'fires',
    series: [s(req('app-1', '302'), '0+980x30'), s(req('app-1', '500'), '0+20x30')],
    before: '2m', at: '3m', expect: [{ labels: slo('availability'), value: 0.02 }],
  },
  {
    alert: 'AvailabilityBudgetBurnPage', kind: 'quiet',
    series: [s(req('app-1', '302'), '0+995x30'), s(req('app-1', '500'), '0+5x30')], at: '25m',
  },
  {
    alert: 'AvailabilityBudgetBurnTicket', kind: 'fires',
    series: [s(req('app-1', '302'), '0+995x30'), s(req('app-1', '500'), '0+5x30')],
    before: '15m', at: '16m', expect: [{ labels: slo('availability'), value: 0.005 }],
  },
  {
    alert: 'AvailabilityBudgetBurnTicket', kind: 'quiet',
    series: [s(req('app-1', '302'), '0+1999x40'), s(req('app-1', '500'), '0+1x40')], at: '35m',
  },
  // Latency: the budget is 1% of redirects over 0.1 s; 20% slow is over 14.4x, 5% over 3x only.
  {
    alert: 'RedirectLatencyBudgetBurnPage', kind: 'fires',
    series: [s(latency('bucket', '0.1'), '0+80x30'), s(latency('count'), '0+100x30')],
    before: '2m', at: '3m', expect: [{ labels: slo('redirect-latency'), value: 0.2 }],
  },
  {
    alert: 'RedirectLatencyBudgetBurnPage', kind: 'quiet',
    series: [s(latency('bucket', '0.1'), '0+95x30'), s(latency('count'), '0+100x30')], at: '25m',
  },
  {
    alert: 'RedirectLatencyBudgetBurnTicket', kind: 'fires',
    series: [s(latency('bucket', '0.1'), '0+95x30'), s(latency('count'), '0+100x30')],
    before: '15m', at: '16m', expect: [{ labels: slo('redirect-latency'), value: 0.05 }],
  },
  {
    alert: 'RedirectLatencyBudgetBurnTicket', kind: 'quiet',
    series: [s(latency('bucket', '0.1'), '0+995x40'), s(latency('count'), '0+1000x40')], at: '35m',
  },
  // Edge: every replica down, nginx answers 502 to the probe (one probe every 15 s) after an
  // hour of success: the page fires 3 minutes into the outage.
  {
    alert: 'EdgeAvailabilityBudgetBurnPage', kind: 'fires', interval: '15s',
    series: [probe('1x240 0x40'), s('probe_http_status_code{job="edge", instance="front-door", component="edge"}', '401x240 502x40'),
      s(`up{${app('app-1')}}`, '1x60 0x10'), s(`up{${app('app-2')}}`, '1x60 0x10')],
    before: '62m', at: '63m', expect: [{ labels: slo('edge-availability'), value: EDGE_OUTAGE_RATIO_AT_63M }],
  },
  {
    // One failed probe in an hour is noise, not a page.
    alert: 'EdgeAvailabilityBudgetBurnPage', kind: 'quiet', interval: '15s',
    series: [probe('1x200 0 1x100')], at: '70m',
  },
  {
    // One probe in a hundred failing (from 25:00): over 3x the 0.1% budget; the ticket
    // follows 15 minutes later. Its value is the 1-day ratio so far, weighted by probes: the
    // failed probe is in 6 of the 5-minute windows recorded (25:00 to 30:00), and those 41
    // windows (0:00 to 40:00) hold 1 + 5 + 9 + 13 + 17 + 36 * 21 = 801 probes.
    alert: 'EdgeAvailabilityBudgetBurnTicket', kind: 'fires', interval: '15s',
    series: [probe('1x99 0 1x99 0 1x99 0 1x99 0 1x99 0 1x99 0 1x99 0 1x99 0 1x99 0 1x99 0 1x99 0 1x99 0')],
    before: '39m', at: '40m', expect: [{ labels: slo('edge-availability'), value: 6 / 801 }],
  },
  { alert: 'EdgeAvailabilityBudgetBurnTicket', kind: 'quiet', interval: '15s', series: [probe('1x400')], at: '90m' },
];

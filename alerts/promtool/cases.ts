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
  series: SeriesInput[];
  /** fires: firing here with `expect`; quiet: nothing here. */
  at: string;
  /** fires: not yet firing here (still pending, or not yet true). */
  before?: string;
  /** fires: one entry per expected alert: labels from the series (the rule's own are added), and
   * $value where the annotations print it. */
  expect?: { labels: Record<string, string>; value?: number }[];
}

const s = (series: string, values: string): SeriesInput => ({ series, values });
const target = (job: string, instance: string) => `job="${job}", instance="${instance}", component="${job}"`;
const app = (instance: string) => target('app', instance);
const req = (instance: string, status: string) =>
  `http_requests_total{${app(instance)}, method="GET", route="/:code", status_code="${status}"}`;
const latency = (suffix: 'bucket' | 'count', le?: string) =>
  `http_request_duration_seconds_${suffix}{${app('app-1')}, method="GET", route="/:code", status_code="302"${le ? `, le="${le}"` : ''}}`;
const slo = (id: string) => ({ service: 'shortstack', slo: id });

/** A target that goes down after the first sample, and a quiet twin that stays up. */
function downCases(alert: string, metric: string, job: string, instance: string, forMinutes: number): AlertCase[] {
  const series = (values: string) => [s(`${metric}{${target(job, instance)}}`, values)];
  return [
    { alert, kind: 'fires', series: series('1 0x20'), before: `${forMinutes}m`, at: `${forMinutes + 1}m`, expect: [{ labels: { job, instance } }] },
    { alert, kind: 'quiet', series: series('1x20'), at: '15m' },
  ];
}

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
  ...downCases('PgbouncerDown', 'pgbouncer_up', 'pgbouncer', 'pgbouncer', 1),
  {
    alert: 'PgbouncerPoolSaturated', kind: 'fires',
    series: [s(`pgbouncer_pools_client_waiting_connections{${target('pgbouncer', 'pgbouncer')}, database="shortstack", user="shortstack"}`, '0 3x20')],
    before: '2m', at: '3m', expect: [{ labels: { instance: 'pgbouncer', database: 'shortstack' }, value: 3 }],
  },
  {
    alert: 'PgbouncerPoolSaturated', kind: 'quiet',
    // A one-sample queue during a burst is normal.
    series: [s(`pgbouncer_pools_client_waiting_connections{${target('pgbouncer', 'pgbouncer')}, database="shortstack", user="shortstack"}`, '0 4 0x20')], at: '15m',
  },
  ...downCases('RedisDown', 'redis_up', 'redis', 'redis', 1),
  {
    alert: 'RedisCircuitOpen', kind: 'fires',
    series: [s(`shortstack_redis_circuit_open{${app('app-2')}}`, '0 1x20')],
    before: '1m', at: '2m', expect: [{ labels: { instance: 'app-2' }, value: 1 }],
  },
  { alert: 'RedisCircuitOpen', kind: 'quiet', series: [s(`shortstack_redis_circuit_open{${app('app-2')}}`, '0 1 0x20')], at: '15m' },
  {
    // +1.2 GB every 10 minutes: far past the volume within 24 h, firing 30 minutes after the
    // second sample makes a slope.
    alert: 'PostgresVolumeFilling', kind: 'fires', interval: '10m',
    series: [s(`pg_database_size_bytes{${target('postgres', 'postgres')}, datname="shortstack"}`, '100000000+200000000x20')],
    before: '39m', at: '40m', expect: [{ labels: { instance: 'postgres' } }],
  },
  {
    alert: 'PostgresVolumeFilling', kind: 'quiet', interval: '10m',
    series: [s(`pg_database_size_bytes{${target('postgres', 'postgres')}, datname="shortstack"}`, '5000000000x20')], at: '3h',
  },
  {
    alert: 'PostgresVolumeAlmostFull', kind: 'fires',
    series: [s(`pg_database_size_bytes{${target('postgres', 'postgres')}, datname="shortstack"}`, '1000000000 10000000000x20')],
    before: '5m', at: '6m', expect: [{ labels: { instance: 'postgres' }, value: 10_000_000_000 / (10 * 1024 ** 3) }],
  },
  {
    alert: 'PostgresVolumeAlmostFull', kind: 'quiet',
    series: [s(`pg_database_size_bytes{${target('postgres', 'postgres')}, datname="shortstack"}`, '9000000000x20')], at: '15m',
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
  { alert: 'ClickFlusherBehind', kind: 'quiet', series: [s(`shortstack_click_buffer_oldest_seconds{${app('app-1')}}`, '0 10x20')], at: '15m' },
  {
    alert: 'ScrapeTargetDown', kind: 'fires',
    series: [s(`up{${target('redis', 'redis')}}`, '1 0x20'), s(`up{${app('app-1')}}`, '1 0x20')],
    before: '5m', at: '6m', expect: [{ labels: { job: 'redis', instance: 'redis' } }],
  },
  // Replicas have alerts of their own.
  { alert: 'ScrapeTargetDown', kind: 'quiet', series: [s(`up{${target('redis', 'redis')}}`, '1x20'), s(`up{${app('app-1')}}`, '1 0x20')], at: '15m' },
  {
    alert: 'AlertmanagerNotificationsFailing', kind: 'fires',
    series: [s(`alertmanager_notifications_failed_total{${target('alertmanager', 'alertmanager')}, integration="discord"}`, '0+1x20')],
    before: '5m', at: '6m', expect: [{ labels: { instance: 'alertmanager', integration: 'discord' }, value: 1 / 60 }],
  },
  {
    // One failure long ago is not a failing integration.
    alert: 'AlertmanagerNotificationsFailing', kind: 'quiet',
    series: [s(`alertmanager_notifications_failed_total{${target('alertmanager', 'alertmanager')}, integration="discord"}`, '0 1x20')], at: '15m',
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
];

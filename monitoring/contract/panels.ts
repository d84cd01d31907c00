// Dashboard and panel titles, and each panel's id: the dashboards are built with them, runbooks
// point at them, and every alert's dashboard_url opens its panel (`/d/<uid>?viewPanel=<id>`).
// Ids are written here once and never reused: a link in an old notification keeps working.
// (A test checks every runbook's panel exists in the rendered dashboards, with this id.)

export const DASHBOARDS = {
  overview: { uid: 'shortstack-overview', title: 'Shortstack / Service overview', file: 'service-overview.json' },
  slos: { uid: 'shortstack-slos', title: 'Shortstack / SLOs', file: 'slos.json' },
} as const;

export const OVERVIEW_PANELS = {
  traffic: 'Traffic: requests per second',
  errors: 'Errors: 5xx share of requests',
  latency: 'Latency: redirect percentiles',
  saturation: 'Saturation: DB pool waiters and click buffer',
  trafficWeekOverWeek: 'Traffic against the same time last week',
  notFoundShare: 'Redirects answered not found (share)',
  edgeProbe: 'Edge probe: success and status code',
  nginxConnections: 'nginx connections',
  nginxRequests: 'nginx requests per second',
  certificate: 'TLS certificate: days left and renewal failures',
  nginxUp: 'nginx up',
  replicasUp: 'App replicas up',
  replicaRestarts: 'App replica restarts (30 m)',
  replicaRequests: 'Requests per replica by status',
  replicaErrors: '5xx share per replica',
  replicaLatency: 'Redirect p99 per replica',
  replicaCpu: 'CPU per replica',
  replicaHeap: 'Heap used per replica',
  eventLoopLag: 'Event loop lag per replica',
  clickBuffer: 'Click buffer depth and oldest click age',
  clickFlushes: 'Clicks flushed, dropped and failed flushes',
  botsVsHumans: 'Clicks by bots and by humans',
  webhookDeliveries: 'Webhook deliveries by outcome',
  webhookBacklog: 'Webhook backlog: undelivered and oldest age',
  deepPageCounts: 'Deep page counts: events not yet counted',
  appPool: 'App DB pool connections',
  pgbouncerUp: 'PgBouncer up',
  pgbouncerClients: 'PgBouncer clients active and waiting',
  pgbouncerMaxWait: 'PgBouncer oldest waiting client',
  pgbouncerClientLimit: 'PgBouncer client connections against max_client_conn',
  postgresUp: 'PostgreSQL up',
  postgresSize: 'PostgreSQL database size vs volume',
  postgresConnections: 'PostgreSQL connections by state',
  postgresConnectionLimit: 'PostgreSQL connections against max_connections',
  postgresDeadlocks: 'PostgreSQL deadlocks',
  postgresLongestTransaction: 'PostgreSQL longest transaction',
  redisUp: 'Redis up',
  redisMemory: 'Redis memory used',
  redisEvictions: 'Redis evictions and rejected connections',
  cacheHits: 'Cache hit ratio by tier',
  redisCircuit: 'Redis circuit breaker and errors',
  linkInvalidations: 'Link changes waiting to be relayed to Redis',
  scrapeTargets: 'Scrape targets down',
  notifications: 'Alertmanager notification failure ratio',
  watchdog: 'Watchdog (heartbeat of the alerting pipeline)',
  ruleFailures: 'Prometheus rule evaluation failures',
  configReloads: 'Config reloads successful',
  alertmanagersDiscovered: 'Alertmanagers Prometheus sends to',
  logs: 'Logs for request id',
} as const;

/** Row titles of the overview (rows are panels too, with ids of their own). */
export const OVERVIEW_ROWS = {
  golden: 'Golden signals',
  nginx: 'nginx',
  app: 'App replicas',
  pgbouncer: 'PgBouncer',
  postgres: 'PostgreSQL',
  redis: 'Redis',
  monitoring: 'Monitoring',
  logs: 'Logs',
} as const;

export const OVERVIEW_PANEL_IDS: Record<keyof typeof OVERVIEW_PANELS | `row:${keyof typeof OVERVIEW_ROWS}`, number> = {
  'row:golden': 100, traffic: 1, errors: 2, latency: 3, saturation: 4, trafficWeekOverWeek: 40, notFoundShare: 41,
  edgeProbe: 42,
  'row:nginx': 101, nginxUp: 5, nginxConnections: 6, nginxRequests: 7, certificate: 59,
  'row:app': 102, replicasUp: 8, replicaRestarts: 43, replicaRequests: 9, replicaErrors: 10, replicaLatency: 44,
  replicaCpu: 45, replicaHeap: 46, eventLoopLag: 11, clickBuffer: 12, clickFlushes: 13, appPool: 14,
  botsVsHumans: 56, webhookDeliveries: 57, webhookBacklog: 58, deepPageCounts: 60,
  'row:pgbouncer': 103, pgbouncerUp: 15, pgbouncerClients: 16, pgbouncerMaxWait: 17, pgbouncerClientLimit: 47,
  'row:postgres': 104, postgresUp: 18, postgresSize: 19, postgresConnections: 20, postgresConnectionLimit: 48,
  postgresDeadlocks: 49, postgresLongestTransaction: 50,
  'row:redis': 105, redisUp: 21, redisMemory: 22, redisEvictions: 51, cacheHits: 23, redisCircuit: 24, linkInvalidations: 61,
  'row:monitoring': 106, scrapeTargets: 25, notifications: 26, watchdog: 52, ruleFailures: 53, configReloads: 54,
  alertmanagersDiscovered: 55,
  'row:logs': 107, logs: 27,
};

export const SLO_PANELS = {
  availabilitySli: 'Availability: good share (30 d objective)',
  availabilityBudget: 'Availability: error budget remaining (30 d)',
  availabilityBurn: 'Availability: burn rate by window',
  latencySli: 'Redirect latency: share under threshold',
  latencyBudget: 'Redirect latency: error budget remaining (30 d)',
  latencyBurn: 'Redirect latency: burn rate by window',
  edgeSli: 'Edge availability: good share (30 d objective)',
  edgeBudget: 'Edge availability: error budget remaining (30 d)',
  edgeBurn: 'Edge availability: burn rate by window',
} as const;

export const SLO_PANEL_IDS: Record<keyof typeof SLO_PANELS, number> = {
  availabilitySli: 1, availabilityBudget: 2, availabilityBurn: 3,
  latencySli: 4, latencyBudget: 5, latencyBurn: 6,
  edgeSli: 7, edgeBudget: 8, edgeBurn: 9,
};

/** Row ids of the SLO dashboard, one row per SLO id. */
export const SLO_ROW_IDS: Record<string, number> = { availability: 100, 'redirect-latency': 101, 'edge-availability': 102 };

type DashboardKey = keyof typeof DASHBOARDS;

function idsOf(key: DashboardKey): Map<string, number> {
  const [titles, ids] = key === 'overview'
    ? [OVERVIEW_PANELS as Record<string, string>, OVERVIEW_PANEL_IDS as Record<string, number>]
    : [SLO_PANELS as Record<string, string>, SLO_PANEL_IDS as Record<string, number>];
  return new Map(Object.entries(titles).map(([k, title]) => [title, ids[k]!]));
}

/** The id of a panel, by dashboard and panel title (what runbooks hold). */
export function panelId(dashboardTitle: string, panelTitle: string): number {
  const key = (Object.keys(DASHBOARDS) as DashboardKey[]).find((k) => DASHBOARDS[k].title === dashboardTitle);
  if (!key) throw new Error(`unknown dashboard ${dashboardTitle}`);
  const id = idsOf(key).get(panelTitle);
  if (id === undefined) throw new Error(`no panel "${panelTitle}" in ${dashboardTitle}`);
  return id;
}

/** Default Grafana root: the Docker placement's published port (stack config `localPorts.grafana`). */
export const DEFAULT_GRAFANA_URL = 'http://127.0.0.1:3000';

/** The link that opens one panel alone: Grafana's `/d/<uid>?viewPanel=<id>`. */
export function panelUrl(dashboardTitle: string, panelTitle: string, grafanaUrl: string = DEFAULT_GRAFANA_URL): string {
  const d = Object.values(DASHBOARDS).find((x) => x.title === dashboardTitle)!;
  return `${grafanaUrl.replace(/\/$/, '')}/d/${d.uid}?viewPanel=${panelId(dashboardTitle, panelTitle)}`;
}

// Dashboard and panel titles: the dashboards are built with them and runbooks point at them
// (a test checks every runbook's panel exists in the rendered dashboards).

export const DASHBOARDS = {
  overview: { uid: 'shortstack-overview', title: 'Shortstack / Service overview', file: 'service-overview.json' },
  slos: { uid: 'shortstack-slos', title: 'Shortstack / SLOs', file: 'slos.json' },
} as const;

export const OVERVIEW_PANELS = {
  traffic: 'Traffic: requests per second',
  errors: 'Errors: 5xx share of requests',
  latency: 'Latency: redirect percentiles',
  saturation: 'Saturation: DB pool waiters and click buffer',
  nginxConnections: 'nginx connections',
  nginxRequests: 'nginx requests per second',
  nginxUp: 'nginx up',
  replicasUp: 'App replicas up',
  replicaRequests: 'Requests per replica by status',
  replicaErrors: '5xx share per replica',
  eventLoopLag: 'Event loop lag per replica',
  clickBuffer: 'Click buffer depth and oldest click age',
  clickFlushes: 'Clicks flushed, dropped and failed flushes',
  appPool: 'App DB pool connections',
  pgbouncerUp: 'PgBouncer up',
  pgbouncerClients: 'PgBouncer clients active and waiting',
  pgbouncerMaxWait: 'PgBouncer oldest waiting client',
  postgresUp: 'PostgreSQL up',
  postgresSize: 'PostgreSQL database size vs volume',
  postgresConnections: 'PostgreSQL connections by state',
  redisUp: 'Redis up',
  redisMemory: 'Redis memory used',
  cacheHits: 'Cache hit ratio by tier',
  redisCircuit: 'Redis circuit breaker and errors',
  scrapeTargets: 'Scrape targets down',
  notifications: 'Alertmanager notifications failed',
  logs: 'Logs for request id',
} as const;

export const SLO_PANELS = {
  availabilitySli: 'Availability: good share (30 d objective)',
  availabilityBudget: 'Availability: error budget remaining (30 d)',
  availabilityBurn: 'Availability: burn rate by window',
  latencySli: 'Redirect latency: share under threshold',
  latencyBudget: 'Redirect latency: error budget remaining (30 d)',
  latencyBurn: 'Redirect latency: burn rate by window',
} as const;

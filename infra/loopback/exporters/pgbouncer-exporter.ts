// A PgBouncer exporter for the loopback stack. Debian's prometheus-pgbouncer-exporter (1.7) fails
// on PgBouncer 1.18's SHOW STATS columns, so this one reads SHOW POOLS / DATABASES / CONFIG itself and
// exports the metric names of prometheus-community/pgbouncer_exporter, the image the Docker and AWS
// placements run: alert rules and dashboards see the same series on every placement.
import { createServer, type Server } from 'node:http';
import pg from 'pg';

export interface PgbouncerExporterOptions {
  host: string;
  port: number;
  user: string;
  password: string;
}

type Row = Record<string, string | number | null>;

async function adminQuery(o: PgbouncerExporterOptions, sql: string): Promise<Row[]> {
  // The admin console speaks the simple query protocol only: no parameters.
  const client = new pg.Client({
    host: o.host, port: o.port, user: o.user, password: o.password, database: 'pgbouncer',
    connectionTimeoutMillis: 2000,
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

// eslint-disable-next-line @typescript-eslint/no-base-to-string -- label values are PgBouncer's text and integer columns
const esc = (v: unknown) => String(v ?? '').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, unknown>) =>
  `{${Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`;

interface Family { name: string; help: string; samples: Array<[Record<string, unknown>, number]> }

/** Prometheus text exposition of PgBouncer's state; pgbouncer_up 0 when it cannot be asked. */
export function renderPgbouncerMetrics(up: boolean, pools: Row[], databases: Row[], config: Row[]): string {
  const num = (v: unknown) => Number(v ?? 0);
  const poolGauge = (name: string, col: string, help: string): Family => ({
    name, help,
    samples: pools.map((r) => [{ database: r.database, user: r.user }, num(r[col])]),
  });
  const maxClient = config.find((r) => r.key === 'max_client_conn');
  const families: Family[] = [
    { name: 'pgbouncer_up', help: 'PgBouncer answered the exporter', samples: [[{}, up ? 1 : 0]] },
    poolGauge('pgbouncer_pools_client_active_connections', 'cl_active', 'Client connections linked to a server connection'),
    poolGauge('pgbouncer_pools_client_waiting_connections', 'cl_waiting', 'Client connections waiting for a server connection'),
    poolGauge('pgbouncer_pools_server_active_connections', 'sv_active', 'Server connections linked to a client'),
    poolGauge('pgbouncer_pools_server_idle_connections', 'sv_idle', 'Server connections idle and ready'),
    poolGauge('pgbouncer_pools_server_used_connections', 'sv_used', 'Server connections idle longer than server_check_delay'),
    poolGauge('pgbouncer_pools_client_maxwait_seconds', 'maxwait', 'Age of the oldest waiting client'),
    {
      name: 'pgbouncer_databases_pool_size', help: 'Configured pool size',
      samples: databases.map((r) => [{ name: r.name, database: r.database }, num(r.pool_size)]),
    },
    {
      name: 'pgbouncer_databases_current_connections', help: 'Server connections open for the database',
      samples: databases.map((r) => [{ name: r.name, database: r.database }, num(r.current_connections)]),
    },
  ];
  if (maxClient) {
    families.push({ name: 'pgbouncer_config_max_client_connections', help: 'max_client_conn', samples: [[{}, num(maxClient.value)]] });
  }
  return families
    .map((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`,
      ...f.samples.map(([l, v]) => `${f.name}${Object.keys(l).length ? labels(l) : ''} ${v}`)].join('\n'))
    .join('\n') + '\n';
}

export async function scrapePgbouncer(o: PgbouncerExporterOptions): Promise<string> {
  try {
    const [pools, databases, config] = await Promise.all([
      adminQuery(o, 'SHOW POOLS'), adminQuery(o, 'SHOW DATABASES'), adminQuery(o, 'SHOW CONFIG'),
    ]);
    return renderPgbouncerMetrics(true, pools.filter((r) => r.database !== 'pgbouncer'),
      databases.filter((r) => r.name !== 'pgbouncer'), config);
  } catch {
    return renderPgbouncerMetrics(false, [], [], []);
  }
}

/** Serves GET /metrics on 127.0.0.1:listenPort. */
export function startPgbouncerExporter(o: PgbouncerExporterOptions, listenPort: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    void scrapePgbouncer(o).then((body) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve(server));
  });
}

// pgbouncer.ini and its auth file: pure renderers shared by every placement.

export interface PgbouncerConfig {
  listen: { host: string; port: number };
  /** The one database the app uses, and where PostgreSQL really is. */
  database: { name: string; host: string; port: number };
  authFile: string;
  poolSize: number;
  maxClientConnections: number;
  /** Users allowed to read SHOW STATS / SHOW POOLS (the exporter). */
  statsUsers: string[];
  /**
   * TLS to PostgreSQL: `require` encrypts (a managed database such as RDS forces it); the
   * default leaves it off, for a database on the same private network.
   */
  serverTlsMode?: 'require';
  /** Files for a loopback run; containers log to stderr and need no pid file. */
  logFile?: string;
  pidFile?: string;
}

export function renderPgbouncerIni(c: PgbouncerConfig): string {
  const lines = [
    '[databases]',
    `${c.database.name} = host=${c.database.host} port=${c.database.port} dbname=${c.database.name}`,
    '',
    '[pgbouncer]',
    `listen_addr = ${c.listen.host}`,
    `listen_port = ${c.listen.port}`,
    // No unix socket: every client, the exporter included, comes over TCP.
    "unix_socket_dir =",
    'auth_type = scram-sha-256',
    `auth_file = ${c.authFile}`,
    // Transaction pooling: a server connection is held only for the length of a transaction,
    // so N replicas x M client connections share `poolSize` server connections.
    'pool_mode = transaction',
    `default_pool_size = ${c.poolSize}`,
    `max_db_connections = ${c.poolSize}`,
    'min_pool_size = 0',
    'reserve_pool_size = 0',
    `max_client_conn = ${c.maxClientConnections}`,
    'server_check_query = select 1',
    'server_connect_timeout = 5',
    'server_login_retry = 1',
    'query_wait_timeout = 10',
    'ignore_startup_parameters = extra_float_digits,options,statement_timeout',
    `stats_users = ${c.statsUsers.join(',')}`,
    'log_connections = 0',
    'log_disconnections = 0',
  ];
  if (c.serverTlsMode) lines.push(`server_tls_sslmode = ${c.serverTlsMode}`);
  if (c.logFile) lines.push(`logfile = ${c.logFile}`);
  if (c.pidFile) lines.push(`pidfile = ${c.pidFile}`);
  return `${lines.join('\n')}\n`;
}

export interface PgbouncerUser {
  name: string;
  password: string;
}

/** userlist.txt: PgBouncer accepts plain passwords here and speaks SCRAM with them. */
export function renderPgbouncerUserlist(users: PgbouncerUser[]): string {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return users.map((u) => `${quote(u.name)} ${quote(u.password)}\n`).join('');
}

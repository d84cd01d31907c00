// PgBouncer started on the rendered ini and userlist (the same renderers the Docker placement
// uploads), answering the app's query in transaction mode and the exporter's SHOW POOLS.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgbouncerServer, pgbouncerPaths } from '../loopback/servers/pgbouncer.js';
import { freePorts } from '../loopback/servers/ports.js';
import { PostgresServer } from '../loopback/servers/postgres.js';
import { renderPgbouncerIni, renderPgbouncerUserlist } from '../render/pgbouncer.js';
import { DATABASE, PGBOUNCER_STATS_USER } from '../topology/names.js';

describe('rendered pgbouncer.ini', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-pgbouncer-'));
  const appPassword = randomBytes(8).toString('hex');
  const statsPassword = randomBytes(8).toString('hex');
  let postgres: PostgresServer;
  let bouncer: PgbouncerServer;

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    const [pgPort, bouncerPort] = (await freePorts(2)) as [number, number];
    postgres = new PostgresServer({ dir: join(dir, 'postgres'), port: pgPort, superPassword: randomBytes(8).toString('hex') });
    await postgres.start();
    await postgres.createDatabase(DATABASE.name, DATABASE.user, appPassword);
    const paths = pgbouncerPaths(join(dir, 'pgbouncer'));
    bouncer = new PgbouncerServer({
      dir: join(dir, 'pgbouncer'),
      port: bouncerPort,
      ini: renderPgbouncerIni({
        listen: { host: '127.0.0.1', port: bouncerPort },
        database: { name: DATABASE.name, host: '127.0.0.1', port: pgPort },
        authFile: paths.authFile, poolSize: 3, maxClientConnections: 50,
        statsUsers: [PGBOUNCER_STATS_USER], logFile: paths.logFile, pidFile: paths.pidFile,
      }),
      userlist: renderPgbouncerUserlist([
        { name: DATABASE.user, password: appPassword },
        { name: PGBOUNCER_STATS_USER, password: statsPassword },
      ]),
    });
    await bouncer.start();
  });

  afterAll(async () => {
    await bouncer?.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (user: string, password: string, database: string) =>
    new pg.Client({ host: '127.0.0.1', port: bouncer.port, user, password, database, connectionTimeoutMillis: 3000 });

  it('answers the app through the pool, six clients over three server connections', async () => {
    const clients = Array.from({ length: 6 }, () => client(DATABASE.user, appPassword, DATABASE.name));
    await Promise.all(clients.map((c) => c.connect()));
    try {
      const rows = await Promise.all(clients.map((c) => c.query('select current_user as u, 1 + 1 as two')));
      for (const r of rows) expect(r.rows[0]).toEqual({ u: DATABASE.user, two: 2 });
      const servers = await postgres.query(
        "select count(*)::int as n from pg_stat_activity where usename = $1 and backend_type = 'client backend'", [DATABASE.user]);
      expect(servers.rows[0].n).toBeLessThanOrEqual(3);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('lets the exporter user read SHOW POOLS, and refuses a wrong password', async () => {
    const stats = client(PGBOUNCER_STATS_USER, statsPassword, 'pgbouncer');
    await stats.connect();
    try {
      const pools = await stats.query('SHOW POOLS');
      expect(pools.rows.map((r) => r.database)).toContain(DATABASE.name);
      expect(pools.rows.find((r) => r.database === DATABASE.name).pool_mode).toBe('transaction');
    } finally {
      await stats.end();
    }
    await expect(client(DATABASE.user, 'wrong', DATABASE.name).connect()).rejects.toThrow(/password authentication failed|SASL/);
  });
});

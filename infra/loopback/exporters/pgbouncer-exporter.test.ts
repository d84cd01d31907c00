import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startDataServices, type DataServices } from '../data-services.js';
import { scrapePgbouncer, renderPgbouncerMetrics } from './pgbouncer-exporter.js';

describe('pgbouncer exporter', () => {
  let ds: DataServices;
  beforeAll(async () => {
    ds = await startDataServices({ config: { pools: { pgbouncerPoolSize: 2 } } });
  });
  afterAll(async () => {
    await ds?.stop();
  });

  it('reports waiting clients when the pool is saturated', async () => {
    const opts = { host: '127.0.0.1', port: ds.pgbouncer.port, user: ds.statsUser.name, password: ds.statsUser.password };
    const pool = new pg.Pool({ connectionString: ds.databaseUrl, max: 6 });
    const sleeping = Promise.all(Array.from({ length: 6 }, () => pool.query('select pg_sleep(1.5)')));
    await new Promise((r) => setTimeout(r, 700));
    const text = await scrapePgbouncer(opts);
    await sleeping;
    await pool.end();
    expect(text).toContain('pgbouncer_up 1');
    const waiting = /pgbouncer_pools_client_waiting_connections\{database="shortstack",user="shortstack"\} (\d+)/.exec(text);
    expect(Number(waiting?.[1])).toBe(4);
    expect(text).toMatch(/pgbouncer_databases_pool_size\{name="shortstack",database="shortstack"\} 2/);
    expect(text).toMatch(/pgbouncer_config_max_client_connections 1000/);
  });

  it('says pgbouncer_up 0 when PgBouncer is down', async () => {
    await ds.pgbouncer.stop();
    const text = await scrapePgbouncer({ host: '127.0.0.1', port: ds.pgbouncer.port, user: ds.statsUser.name, password: ds.statsUser.password });
    expect(text).toContain('pgbouncer_up 0');
    expect(renderPgbouncerMetrics(false, [], [], [])).not.toContain('waiting_connections{');
    await ds.pgbouncer.start();
  });
});

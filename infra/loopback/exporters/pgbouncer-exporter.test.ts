import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDataServices, type DataServices } from '../data-services.js';
import { scrapePgbouncer, renderPgbouncerMetrics } from './pgbouncer-exporter.js';
import { testPool } from '../../../app/test/support/test-pool.js';

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
    const pool = testPool(ds.databaseUrl, { max: 6 });
    // 6 clients on a pool of 2: while the first two sleep, 4 wait. Polled, not read once after a
    // fixed pause: on a busy machine the clients and PgBouncer's server connections come late.
    const sleeping = Promise.all(Array.from({ length: 6 }, () => pool.query('select pg_sleep(4)')));
    const waitingOf = (t: string) => Number(/pgbouncer_pools_client_waiting_connections\{database="shortstack",user="shortstack"\} (\d+)/.exec(t)?.[1]);
    const text = await vi.waitFor(async () => {
      const t = await scrapePgbouncer(opts);
      expect(waitingOf(t)).toBe(4);
      return t;
    }, { timeout: 30_000, interval: 100 });
    await sleeping;
    await pool.end();
    expect(text).toContain('pgbouncer_up 1');
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

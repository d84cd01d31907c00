import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startDataServices, type DataServices } from './data-services.js';
import { testPool } from '../../app/test/support/test-pool.js';

describe('loopback data services (real PostgreSQL, PgBouncer, Redis)', () => {
  let ds: DataServices;
  beforeAll(async () => {
    ds = await startDataServices({ config: { pools: { pgbouncerPoolSize: 3 } } });
  });
  afterAll(async () => {
    await ds?.stop();
  });

  it('answers queries through PgBouncer in transaction mode', async () => {
    const pool = testPool(ds.databaseUrl, { max: 20 });
    // 20 concurrent clients share at most 3 server connections.
    const rows = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.query('select $1::int as n, pg_sleep(0.05)', [i])));
    expect(rows.map((r) => r.rows[0].n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const server = await ds.postgres.query(
      "select count(*)::int as n from pg_stat_activity where usename = 'shortstack' and backend_type = 'client backend'",
    );
    expect(server.rows[0].n).toBeLessThanOrEqual(3);
    await pool.end();
  });

  it('serves Redis and survives a PostgreSQL restart on the same port', async () => {
    const redis = new Redis(ds.redisUrl);
    await redis.set('k', 'v');
    expect(await redis.get('k')).toBe('v');
    redis.disconnect();

    await ds.postgres.stop();
    expect(ds.postgres.isRunning()).toBe(false);
    await ds.postgres.start();
    const client = new pg.Client({ connectionString: ds.directDatabaseUrl });
    await client.connect();
    expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
    await client.end();
  });
});

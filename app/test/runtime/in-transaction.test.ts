// inTransaction on a connection that dies between two statements: the call fails (the client is
// not reused), and the process does not crash on the client's 'error' event, which the pool
// does not listen for while the client is checked out.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { inTransaction } from '../../src/db/pool.js';
import { testPool } from '../support/test-pool.js';

describe('inTransaction', () => {
  let ds: DataServices;
  let direct: pg.Pool;

  beforeAll(async () => {
    ds = await startDataServices();
    direct = testPool(ds.directDatabaseUrl, { max: 2 });
  }, 120_000);
  afterAll(async () => {
    await direct?.end();
    await ds?.stop();
  });

  it('fails, without an unhandled error event, when its backend is terminated between statements', async () => {
    const pool = testPool(ds.directDatabaseUrl, { max: 1 });
    const unhandled: unknown[] = [];
    const onUncaught = (err: unknown) => unhandled.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      await expect(inTransaction(pool, async (client) => {
        const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        await direct.query('SELECT pg_terminate_backend($1)', [pid]);
        // The server's goodbye reaches the idle client before its next statement.
        await new Promise((r) => setTimeout(r, 500));
        await client.query('SELECT 1');
      })).rejects.toThrow();
      expect(unhandled).toEqual([]);
      // The pool goes on with a new connection.
      expect((await pool.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.end();
    }
  }, 60_000);
});

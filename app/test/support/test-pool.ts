// A pg pool for a test's own queries and assertions.
import pg from 'pg';
import { createPool } from '../../src/db/pool.js';

/**
 * Its errors are expected, and handled: tests stop PostgreSQL or PgBouncer under it on purpose,
 * and `pool.end()` resolves before its clients' sockets have closed (pg-pool drops them from its
 * list at once), so the data services' stop that follows can meet a client still ending. The
 * server's FATAL (57P01, terminating connection) then reaches the pool as an 'error' event, which
 * with no listener is an uncaught exception in whichever test runs next.
 */
export function testPool(connectionString: string, options: Omit<pg.PoolConfig, 'connectionString'> = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, ...options });
  pool.on('error', () => undefined);
  return pool;
}

/** The app's own pool (its type parsers: int8 as a number), its errors handled as testPool's are. */
export function appTestPool(connectionString: string, max: number): pg.Pool {
  const pool = createPool(connectionString, max);
  pool.on('error', () => undefined);
  return pool;
}

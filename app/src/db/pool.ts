// The pg pool the API uses, through PgBouncer in transaction mode: every statement is sent
// unnamed (pg's default without a `name`), no session state is ever set, and a transaction
// holds one client from BEGIN to COMMIT, which is all transaction pooling needs.
import pg from 'pg';

/** int8 (bigserial ids, count(*)) as a JS number: ids stay far below 2^53. */
const types = {
  getTypeParser: ((oid, format) =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : (pg.types.getTypeParser(oid, format) as (v: string) => unknown)) as typeof pg.types.getTypeParser,
};

export function createPool(databaseUrl: string, max: number): pg.Pool {
  return new pg.Pool({
    connectionString: databaseUrl,
    max,
    types,
    // Fail fast when the database is away: a request gets its 503 in seconds instead of hanging,
    // and the pool simply connects again on a later request once the database is back. A
    // PgBouncer that is down refuses at once (behind one that is up, a PostgreSQL that is down
    // fails the query, not the connect); the bound is for an address that does not answer and
    // for a full pool. Not 2 s: on a busy host, a replica just started can take that long to
    // open a connection (a name lookup, the SCRAM handshake, a cold process), and each request
    // waiting on it would get a 503 with the database fine.
    connectionTimeoutMillis: 5_000,
    query_timeout: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'shortstack-app',
  });
}

/** Anything that runs a query: the pool or one client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

/** Runs fn inside one transaction on one client; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no 'error' listener of the pool's: a connection lost between two
  // statements would be an unhandled 'error' event, a crash. The next statement fails instead.
  const onError = () => undefined;
  client.on('error', onError);
  // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => { broken = e; });
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

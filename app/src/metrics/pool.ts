// Pool instrumentation: client counts read at scrape time, the time to acquire a client, and
// connection failures. Wraps the pool's own connect so pool.query (which calls this.connect)
// is measured too.
import type pg from 'pg';
import type { Metrics } from './metrics.js';

type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

export function instrumentPool(pool: pg.Pool, metrics: Metrics): void {
  metrics.probes.pool = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
  // Without a listener an idle client's error (the database restarting) would crash the process.
  pool.on('error', () => metrics.dbErrors.inc({ kind: 'idle_client' }));

  const connect = pool.connect.bind(pool) as (cb?: ConnectCallback) => Promise<pg.PoolClient> | void;
  const wrapped = (cb?: ConnectCallback): Promise<pg.PoolClient> | void => {
    const end = metrics.dbPoolWait.startTimer();
    if (cb) {
      return connect((err, client, done) => {
        end();
        if (err) metrics.dbErrors.inc({ kind: 'connect' });
        cb(err, client, done);
      });
    }
    return (connect() as Promise<pg.PoolClient>).then(
      (client) => { end(); return client; },
      (err: unknown) => { end(); metrics.dbErrors.inc({ kind: 'connect' }); throw err; },
    );
  };
  (pool as unknown as { connect: typeof wrapped }).connect = wrapped;
}

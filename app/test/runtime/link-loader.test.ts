// Cold redirects' links read in batches (store/link-loader.ts), on real PostgreSQL: the codes of
// one event-loop turn share one statement, which reads short_code's index; later turns get their
// own; a batch past the bound is split; a failed statement fails every load of its batch.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import type { Queryable } from '../../src/db/pool.js';
import { runMigrations } from '../../src/migrate.js';
import { linkLoader } from '../../src/store/link-loader.js';
import { plansOf, readsIndex } from '../support/plans.js';
import { testPool } from '../support/test-pool.js';

describe('linkLoader', () => {
  let ds: DataServices;
  let pool: pg.Pool;

  /** The pool, counting the statements sent through it. */
  function counting(): { db: Queryable; statements: string[] } {
    const statements: string[] = [];
    const db: Queryable = {
      query: ((text: string, values: unknown[]) => {
        statements.push(text);
        return pool.query(text, values);
      }) as Queryable['query'],
    };
    return { db, statements };
  }

  beforeAll(async () => {
    ds = await startDataServices();
    await runMigrations(ds.directDatabaseUrl);
    pool = testPool(ds.directDatabaseUrl, { max: 3 });
    await pool.query(`INSERT INTO urls (short_code, original_url, is_active) SELECT 'll' || g, 'https://example.com/' || g, g % 2 = 0 FROM generate_series(1, 2000) g`);
    await pool.query('ANALYZE urls');
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await ds?.stop();
  });

  it('reads the codes asked for in one turn with one statement, each caller its own link or null', async () => {
    const { db, statements } = counting();
    const load = linkLoader(db);
    // As several requests' misses arrive: separate callers, same turn, one code twice, one unknown.
    const [a, b, again, unknown] = await Promise.all([load('ll1'), load('ll2'), load('ll1'), load('nope')]);
    expect(statements).toHaveLength(1);
    expect(a).toMatchObject({ originalUrl: 'https://example.com/1', isActive: false, userId: null, maxVisits: null, redirectType: 302 });
    expect(b).toMatchObject({ originalUrl: 'https://example.com/2', isActive: true });
    expect(again).toEqual(a);
    expect(unknown).toBeNull();
  });

  it('batches codes asked for by separate callbacks of one turn, as requests read from different sockets are', async () => {
    const { db, statements } = counting();
    const load = linkLoader(db);
    // Each callback ends with its promise jobs run, as each socket's does: a batch dispatched
    // after the first callback's jobs (DataLoader's default) would be a statement per request.
    const loads = await new Promise<Promise<unknown>[]>((done) => {
      const started: Promise<unknown>[] = [];
      setImmediate(() => started.push(load('ll13')));
      setImmediate(() => started.push(load('ll14')));
      setImmediate(() => done(started));
    });
    expect((await Promise.all(loads)).map((l) => (l as { originalUrl: string }).originalUrl)).toEqual(['https://example.com/13', 'https://example.com/14']);
    expect(statements).toHaveLength(1);
  });

  it('gives a later turn its own statement', async () => {
    const { db, statements } = counting();
    const load = linkLoader(db);
    expect((await load('ll3'))?.originalUrl).toBe('https://example.com/3');
    expect((await load('ll4'))?.originalUrl).toBe('https://example.com/4');
    expect(statements).toHaveLength(2);
  });

  it('splits a burst past the bound into statements of at most the bound', async () => {
    const { db, statements } = counting();
    const load = linkLoader(db, 2);
    const links = await Promise.all(['ll5', 'll6', 'll7', 'll8', 'll9'].map(load));
    expect(links.map((l) => l?.originalUrl)).toEqual([5, 6, 7, 8, 9].map((n) => `https://example.com/${n}`));
    expect(statements).toHaveLength(3);
  });

  it("reads short_code's index, not the table", async () => {
    const plans = await plansOf(pool, 'urls', async (db) => {
      const load = linkLoader(db);
      await Promise.all(['ll10', 'll11', 'll12'].map(load));
    });
    expect(plans).toHaveLength(1);
    expect(plans[0]!.scans.length).toBeGreaterThan(0);
    expect(plans[0]!.scans.every(readsIndex)).toBe(true);
  });

  it('fails every load of a batch whose statement fails', async () => {
    const failing: Queryable = { query: (() => Promise.reject(new Error('connection lost'))) as Queryable['query'] };
    const load = linkLoader(failing);
    const results = await Promise.allSettled([load('ll1'), load('ll2')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

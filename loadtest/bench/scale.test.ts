// COPY of generated links and the server-connection watch, against real PostgreSQL + PgBouncer.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../infra/loopback/data-services.js';
import { withDb } from '../chaos/probes.js';
import { generatedLink } from '../lib/links.js';
import { copyGeneratedLinks } from '../lib/copy-links.js';
import { watchServerConnections } from './scale.js';

let data: DataServices;
beforeAll(async () => {
  data = await startDataServices({ config: { pools: { pgbouncerPoolSize: 3 } } });
  // The columns COPY writes, as the app's migration defines them.
  await withDb(data.directDatabaseUrl, (c) =>
    c.query('CREATE TABLE urls (id bigserial PRIMARY KEY, short_code text NOT NULL UNIQUE, original_url text NOT NULL)'));
});
afterAll(async () => {
  await data?.stop();
});

describe('bench scale data', () => {
  it('writes the generated links with COPY, codes and URLs as the load generator expects them', async () => {
    const rate = await copyGeneratedLinks(data.directDatabaseUrl, 'g', 25_000);
    expect(rate).toBeGreaterThan(0);
    const rows = await withDb(data.directDatabaseUrl, async (c) =>
      (await c.query<{ n: string; url: string }>(
        `SELECT (SELECT count(*) FROM urls)::text AS n, (SELECT original_url FROM urls WHERE short_code = $1) AS url`,
        [generatedLink('g', 12_345).code],
      )).rows[0]!);
    expect(rows).toEqual({ n: '25000', url: generatedLink('g', 12_345).originalUrl });
  });

  it('sees PgBouncer hold PostgreSQL to its pool size however many clients connect', async () => {
    const watch = watchServerConnections(data.directDatabaseUrl, 50);
    const clients = Array.from({ length: 12 }, () => new pg.Client({ connectionString: data.databaseUrl }));
    await Promise.all(clients.map((c) => c.connect()));
    // Every client busy at once: more than the pool can serve together.
    await Promise.all(clients.map((c) => c.query('SELECT pg_sleep(0.3)')));
    await Promise.all(clients.map((c) => c.end()));
    const max = await watch.stop();
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(3);
  });
});

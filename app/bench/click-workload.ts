// The click benches' shared workload: N links spread over users as loadtest/lib/link-owners.ts has it, and clicks drawn over them
// (Zipf, exponent 1, seeded) as `npm run bench`'s cached redirect sends them or, varied, with the
// mixed scenario's agents, referrers and client addresses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startDataServices, type BackupOptions, type DataServices } from '../../infra/loopback/data-services.js';
import { runMigrations } from '../src/migrate.js';
import { ownerOf, ownersOf } from '../../loadtest/lib/link-owners.js';
import { seededRng } from '../../loadtest/lib/rng.js';
import { LOAD_AGENTS } from '../../loadtest/lib/traffic.js';
import { zipfSampler } from '../../loadtest/lib/zipf.js';
import type { Click } from '../src/clicks/click-buffer.js';

const ADDRESSES = ['8.8.8.8', '2a00:1450:4001::1', '81.2.69.142', '1.1.1.1', '203.0.113.7'];

type Query = (text: string, values?: unknown[]) => Promise<unknown>;

/** Users 1..ownersOf(N) ('bench1', ...) and links b1..bN, link j owned by user 1 + ownerOf(j, N), on a fresh database. */
export async function seedBenchLinks(query: Query, links: number): Promise<void> {
  await query(`INSERT INTO users (id, username, email)
    SELECT g, 'bench' || g, 'bench' || g || '@example.com' FROM generate_series(1, $1::int) g`, [ownersOf(links)]);
  await query(`SELECT setval('users_id_seq', $1::int)`, [ownersOf(links)]);
  await query(`INSERT INTO urls (user_id, short_code, original_url)
    SELECT o, 'b' || g, 'https://example.com/' || g FROM unnest($1::int[]) WITH ORDINALITY AS x(o, g)`,
  [Array.from({ length: links }, (_, i) => 1 + ownerOf(i + 1, links))]);
}

/** Where PostgreSQL's WAL insert position is, in bytes: the WAL a stretch of work wrote is the difference. */
export async function walPosition(client: pg.Client): Promise<bigint> {
  const { rows } = await client.query<{ b: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS b");
  return BigInt(rows[0]!.b.split('.')[0]!);
}

/** The postmaster's pid, from its pid file: the bench's CPU figures are its process tree's. */
export const postmasterPid = (dataDir: string): number =>
  Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

/** Draws clicks over links 1..N; the same sequence every run (seed 13). */
export function clickSource(links: number, varied = false): () => Click {
  const rng = seededRng(13);
  const zipf = zipfSampler(links, 1, rng);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  return () => {
    const urlId = zipf.sample();
    const userId = 1 + ownerOf(urlId, links);
    if (!varied) return { urlId, userId, at: new Date(), referrer: null, userAgent: null, ip: '127.0.0.1', forwardedFor: null };
    const r = Math.floor(rng() * 60);
    return {
      urlId, userId, at: new Date(), referrer: r < 50 ? `https://ref${r}.example/` : null,
      userAgent: pick(LOAD_AGENTS), ip: pick(ADDRESSES), forwardedFor: null,
    };
  };
}

/** A migrated data tier with the bench's links, and one client straight to PostgreSQL; its WAL archived with `backup`. */
export async function benchDatabase(links: number, backup?: BackupOptions, postgresSettings?: Readonly<Record<string, string>>): Promise<{ data: DataServices; client: pg.Client; stop: () => Promise<void> }> {
  const data = await startDataServices({ ...(backup ? { backup } : {}), ...(postgresSettings ? { postgresSettings } : {}) });
  const client = new pg.Client({ connectionString: data.directDatabaseUrl });
  const stop = async () => {
    await client.end();
    await data.stop();
  };
  try {
    await runMigrations(data.directDatabaseUrl);
    await client.connect();
    await seedBenchLinks((text, values) => client.query(text, values), links);
    // Links a day old, not a second: hint bits set, frozen, analysed. Otherwise the first batches
    // pay the load's own after-cost (and autovacuum of it runs in the measurement).
    await client.query('VACUUM (FREEZE, ANALYZE)');
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { data, client, stop };
}

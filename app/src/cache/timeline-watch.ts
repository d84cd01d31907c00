// After a point-in-time restore, or a failover to a standby that lagged, the database may hold
// older rows than the caches: a link the restore lost would still redirect for up to a day
// (LINK_CACHE_TTL_S), an API key it lost would still sign in, a link it brought back to life would
// still answer 410. Such a database writes on a new WAL timeline: archive recovery and promotion
// always end on one. So each replica reads the timeline every second; the one that first finds
// another timeline than the one Redis recorded empties the caches, in Redis and on every replica,
// and then records it. A replica that dies half-way leaves it unrecorded: the next round, on any
// replica, does it all again. Meanwhile, for a second or two after the writers are back, the
// caches still serve what they held.
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { PeriodicJob } from '../jobs/periodic.js';
import type { ResilientRedis } from '../redis/resilient-redis.js';

/** The timeline the cached values were read on, in Redis. Read every second, so LRU eviction passes it over. */
export const TIMELINE_KEY = 'shortstack:cache:timeline';
export const TIMELINE_EVERY_MS = 1_000;

/** A cache that can be emptied on every replica (cache/two-tier-cache.ts); false when Redis did not take it. */
export interface Forgettable { forgetEverywhere(): Promise<boolean> }

export interface TimelineWatchOptions {
  db: Queryable;
  redis: ResilientRedis;
  caches: readonly Forgettable[];
  logger: Logger;
  everyMs?: number;
}

/** The database's WAL timeline, or undefined while it is in recovery (it writes no WAL of its own yet). */
export async function readTimeline(db: Queryable): Promise<number | undefined> {
  const { rows } = await db.query<{ wal: string | null }>(
    'SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS wal');
  const wal = rows[0]?.wal;
  // A WAL segment's name begins with its timeline: 8 hex digits.
  return wal ? Number.parseInt(wal.slice(0, 8), 16) : undefined;
}

/**
 * Whether the caches must be emptied: Redis recorded another timeline. None recorded is a new or
 * emptied Redis (nothing stale in it), or the first replica of a release with this check (its
 * caches read on this database): the timeline is recorded, and a full cache kept.
 */
export function cachesOutlived(recorded: string | null, timeline: number): boolean {
  return recorded !== null && recorded !== String(timeline);
}

/** One round: empties the caches when the database is on another timeline than the one Redis recorded. Rejects when it could not finish. */
export async function checkTimeline(o: TimelineWatchOptions): Promise<void> {
  const { db, redis, caches, logger } = o;
  const timeline = await readTimeline(db);
  if (timeline === undefined) return;
  const recorded = await redis.run('get', (r) => r.get(TIMELINE_KEY));
  // Redis down: it serves nothing stale meanwhile, and every LRU is emptied when its subscription is back.
  if (recorded === undefined) return;
  // NX: a replica that found another timeline, and is emptying the caches, records it itself.
  if (recorded === null) return void (await redis.run('set', (r) => r.set(TIMELINE_KEY, String(timeline), 'NX')));
  if (!cachesOutlived(recorded, timeline)) return;
  const emptied = await Promise.all(caches.map((c) => c.forgetEverywhere()));
  if (!emptied.every(Boolean)) throw new Error('Redis did not take the emptying of the caches');
  if ((await redis.run('set', (r) => r.set(TIMELINE_KEY, String(timeline)))) === undefined) throw new Error('Redis did not record the timeline');
  logger.warn({ timeline, recorded }, 'caches emptied: the database is on a new timeline (a restore or a failover); links and API keys are read from it again');
}

/** The check as a replica's periodic job: start() with the replica, stop() waits for its round. */
export function timelineWatch(o: TimelineWatchOptions): PeriodicJob {
  return new PeriodicJob(o.everyMs ?? TIMELINE_EVERY_MS, () => checkTimeline(o), (err) => o.logger.warn({ err }, 'database timeline check failed; trying again on the next tick'));
}

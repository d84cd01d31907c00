// After a point-in-time restore, or a failover to a standby that lagged, the database may hold
// older rows than the caches: a link the restore lost would still redirect for up to a day
// (LINK_CACHE_TTL_S), an API key it lost would still sign in, a link it brought back to life would
// still answer 410. Such a database is not the one the caches were read from, and says so in its
// lineage: archive recovery and promotion always end on a new WAL timeline, a database loaded
// from a dump into a new cluster has another system identifier, and one dropped and loaded again
// in the same cluster another oid. So each replica reads the lineage every second; the one that
// first finds another than the one Redis recorded empties the caches, in Redis and on every
// replica, and then records it. A replica that dies half-way leaves it unrecorded: the next round,
// on any replica, does it all again. Meanwhile, for a second or two after the writers are back,
// the caches still serve what they held. (A major upgrade by pg_upgrade gives the cluster a new
// system identifier too: the caches are emptied once, and only made cold.)
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { PeriodicJob } from '../jobs/periodic.js';
import type { ResilientRedis } from '../redis/resilient-redis.js';

/** The lineage the cached values were read on, in Redis. Read every second, so LRU eviction passes it over. */
export const LINEAGE_KEY = 'shortstack:cache:lineage';
export const LINEAGE_EVERY_MS = 1_000;

/** Where the database's rows come from. */
export interface Lineage {
  /** The cluster's system identifier; null where the role may not read it (EXECUTE on pg_control_system() revoked). */
  system: string | null;
  /** The database's oid in its cluster. */
  database: string;
  /** The WAL timeline it writes on. */
  timeline: number;
}

/** As recorded in Redis: `system/database/timeline`, `-` for a system identifier not read. */
export function lineageText(l: Lineage): string {
  return `${l.system ?? '-'}/${l.database}/${l.timeline}`;
}

/**
 * Whether the caches must be emptied: Redis recorded another lineage. A system identifier one side
 * could not read is not compared (a grant changed, not the database). None recorded is a new or
 * emptied Redis (nothing stale in it), or the first replica of a release with this check (its
 * caches read on this database): the lineage is recorded, and a full cache kept.
 */
export function cachesOutlived(recorded: string | null, now: Lineage): boolean {
  if (recorded === null) return false;
  const [system, database, timeline] = recorded.split('/');
  if (timeline !== String(now.timeline) || database !== now.database) return true;
  return system !== '-' && now.system !== null && system !== now.system;
}

// The timeline is the first 8 hex digits of the current WAL segment's name. In recovery the
// database writes no WAL of its own yet: nothing is read.
const SELECT_LINEAGE = (system: string) => `SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS wal,
  (SELECT oid::text FROM pg_database WHERE datname = current_database()) AS database, ${system} AS system`;
const WITH_SYSTEM = SELECT_LINEAGE('(SELECT system_identifier::text FROM pg_control_system())');
const WITHOUT_SYSTEM = SELECT_LINEAGE('NULL::text');
/** insufficient_privilege */
const NOT_ALLOWED = '42501';

/** Reads the database's lineage; once the role may not read the system identifier, it reads the rest. */
export class LineageReader {
  private systemReadable = true;

  constructor(private readonly db: Queryable, private readonly logger?: Logger) {}

  /** Undefined while the database is in recovery. */
  async read(): Promise<Lineage | undefined> {
    const { rows } = await this.query();
    const row = rows[0];
    if (!row?.wal || !row.database) return undefined;
    return { system: row.system, database: row.database, timeline: Number.parseInt(row.wal.slice(0, 8), 16) };
  }

  private async query() {
    type Row = { wal: string | null; database: string | null; system: string | null };
    if (this.systemReadable) {
      try {
        return await this.db.query<Row>(WITH_SYSTEM);
      } catch (err) {
        if ((err as { code?: unknown }).code !== NOT_ALLOWED) throw err;
        this.systemReadable = false;
        this.logger?.info('the database role may not read the cluster\'s system identifier (pg_control_system()): a restore is told by the timeline and the database\'s oid alone');
      }
    }
    return this.db.query<Row>(WITHOUT_SYSTEM);
  }
}

export interface LineageWatchOptions {
  db: Queryable;
  redis: ResilientRedis;
  caches: readonly Forgettable[];
  logger: Logger;
  everyMs?: number;
}

/** A cache that can be emptied on every replica (cache/two-tier-cache.ts); false when Redis did not take it. */
export interface Forgettable { forgetEverywhere(): Promise<boolean> }

/**
 * A replica's watch: check() once (a starting replica, before it listens), then start(): a round
 * every second from one second on, stop() waits for its round.
 */
export class LineageWatch {
  private readonly reader: LineageReader;
  private readonly job: PeriodicJob;

  constructor(private readonly o: LineageWatchOptions) {
    this.reader = new LineageReader(o.db, o.logger);
    this.job = new PeriodicJob(o.everyMs ?? LINEAGE_EVERY_MS, () => this.check(),
      (err) => o.logger.warn({ err }, 'database lineage check failed; trying again on the next tick'));
  }

  start(): void { this.job.start({ now: false }); }
  stop(): Promise<void> { return this.job.stop(); }

  /** One round: empties the caches when the database is not the one Redis recorded. Rejects when it could not finish. */
  async check(): Promise<void> {
    const { redis, caches, logger } = this.o;
    const lineage = await this.reader.read();
    if (lineage === undefined) return;
    const recorded = await redis.run('get', (r) => r.get(LINEAGE_KEY));
    // Redis down: it serves nothing stale meanwhile, and every LRU is emptied when its subscription is back.
    if (recorded === undefined) return;
    // NX: a replica that found another lineage, and is emptying the caches, records it itself.
    if (recorded === null) return void (await redis.run('set', (r) => r.set(LINEAGE_KEY, lineageText(lineage), 'NX')));
    if (!cachesOutlived(recorded, lineage)) return;
    const emptied = await Promise.all(caches.map((c) => c.forgetEverywhere()));
    if (!emptied.every(Boolean)) throw new Error('Redis did not take the emptying of the caches');
    if ((await redis.run('set', (r) => r.set(LINEAGE_KEY, lineageText(lineage)))) === undefined) throw new Error('Redis did not record the lineage');
    logger.warn({ lineage: lineageText(lineage), recorded }, 'caches emptied: the database is not the one they were read from (a restore or a failover); links and API keys are read from it again');
  }
}

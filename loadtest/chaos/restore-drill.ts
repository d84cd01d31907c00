// The restore drill (chaos scenario `restore`): under load, take a backup, keep writing, note a
// point in time, keep writing, destroy PostgreSQL's data directory, restore to the point. Then
// the books: every link that got a 201 before the point is back, none committed after it is,
// links the restore lost no longer redirect once the stack is back (their caches are emptied),
// and the figures: RPO (writes only the lost, unarchived WAL held) and RTO (destruction to the
// front door's next 201).
import { randomBytes } from 'node:crypto';
import type { TimedLink } from '../lib/load.js';
import { seedThroughApi } from '../lib/seed.js';
import { withDb } from './probes.js';
import { describeLost } from './scenarios.js';

/** What the drill needs of a stack besides load: loopback only (it destroys a data directory). */
export interface DrillTarget {
  takeBackup(): Promise<void>;
  /** SIGKILL PostgreSQL and remove its data directory. */
  destroyData(): Promise<void>;
  restoreTo(at: Date, log: (line: string) => void): Promise<void>;
}

export interface DrillMarks {
  backupDoneMs?: number;
  pointMs?: number;
  destroyMs?: number;
  /** pg_stat_archiver's last archive before the destruction: the newest point --latest could reach. */
  lastArchivedMs?: number;
  restoredMs?: number;
}

/** Links the drill makes after the point and follows once (cached), so the restore loses them. */
export const LOST_LINKS = 20;
/** How long after the restore the drill asks for the lost links before it gives up on them. */
const LOST_LINKS_WATCH_MS = 60_000;

/** The lost links through the front door: made and followed before the destruction, asked for after the restore. */
export interface LostLinks {
  made: number;
  /** Of those, how many redirected (302) before the destruction: in the caches then. */
  followed: number;
  /** How many still redirected when first asked for after the restore. */
  redirectingAfterRestore: number;
  /** Seconds from the restore's end until none redirected (each answered 404); undefined if some still did after a minute. */
  goneS: number | undefined;
}

export interface FrontDoor { url: string; adminKey: string }

export interface RestoreDrill {
  point: string;
  /** Seconds between the destruction and the last WAL archived before it: writes only the lost WAL held. */
  rpoS: number | undefined;
  /** Seconds from the destruction until the front door answered a create with 201 again. */
  rtoS: number | undefined;
  /** Seconds the restore itself took (stop writers .. start writers). */
  restoreS: number;
  beforePoint: number;
  beforePointMissing: number;
  /** Links answered between the point and the destruction, and how many of those committed after the point are back. */
  afterPoint: number;
  afterPointBack: number;
  lost: LostLinks;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The fault and the way back, as runChaos's steps; `keepS` of writes before and after the point. */
export function drillSteps(t: DrillTarget, databaseUrl: string, frontDoor: FrontDoor, keepS: number, log: (line: string) => void) {
  const marks: DrillMarks = {};
  const lost: LostLinks = { made: 0, followed: 0, redirectingAfterRestore: 0, goneS: undefined };
  let lostCodes: string[] = [];
  let watching: Promise<LostLinks> | undefined;
  return {
    marks,
    /** The lost links' books, once the watch that begins with the restore's end is over. */
    lost: async (): Promise<LostLinks> => (watching ? watching : lost),
    fault: async () => {
      log('backup (full) under load ...');
      await t.takeBackup();
      marks.backupDoneMs = Date.now();
      log(`backup done; writing for ${keepS} s more`);
      await sleep(keepS * 1000);
      marks.pointMs = Date.now();
      log(`point in time: ${new Date(marks.pointMs).toISOString()}; writing for ${keepS} s more`);
      const keepUntil = marks.pointMs + keepS * 1000;
      // Custom codes: a link the restored stack makes later can never take one of them.
      const tag = randomBytes(4).toString('hex');
      const made = await seedThroughApi(Array.from({ length: LOST_LINKS }, (_, i) => ({
        originalUrl: `https://example.com/restore-drill/${tag}/${i}`, shortCode: `lost${tag}x${i}`,
      })), { baseUrl: frontDoor.url, adminKey: frontDoor.adminKey, concurrency: 4 });
      lostCodes = made.flatMap((l) => (l ? [l.code] : []));
      lost.made = lostCodes.length;
      lost.followed = (await statuses(frontDoor.url, lostCodes)).filter((s) => s === 302).length;
      log(`${lost.made} links made after the point and ${lost.followed} followed (cached), for the restore to lose`);
      await sleep(keepUntil - Date.now());
      const last = await withDb(databaseUrl, (c) => c.query<{ at: Date | null }>('select last_archived_time as at from pg_stat_archiver'));
      marks.lastArchivedMs = last.rows[0]?.at?.getTime();
      marks.destroyMs = Date.now();
      log('destroying PostgreSQL\'s data directory');
      await t.destroyData();
    },
    restore: async () => {
      await t.restoreTo(new Date(marks.pointMs!), (l) => log(`restore: ${l}`));
      marks.restoredMs = Date.now();
      // Beside the load's tail, not in the restore's time: the recovery figures count from here.
      watching = watchLost(frontDoor.url, lostCodes, marks.restoredMs).then((seen) => {
        const books = { ...lost, ...seen };
        log(`lost links: ${describeLost(books)}`);
        return books;
      });
    },
  };
}

/** Each code's status through the front door, not following the redirect. */
async function statuses(url: string, codes: readonly string[]): Promise<number[]> {
  return Promise.all(codes.map(async (code) => {
    const res = await fetch(new URL(`/${code}`, url), { redirect: 'manual' }).catch(() => undefined);
    await res?.arrayBuffer();
    return res?.status ?? 0;
  }));
}

/** Asks for the lost links until every one answers 404, or a minute has passed. */
async function watchLost(url: string, codes: readonly string[], restoredMs: number): Promise<Pick<LostLinks, 'redirectingAfterRestore' | 'goneS'>> {
  let first: number | undefined;
  for (;;) {
    const answers = await statuses(url, codes);
    const redirecting = answers.filter((s) => s === 302).length;
    first ??= redirecting;
    if (answers.every((s) => s === 404)) return { redirectingAfterRestore: first, goneS: (Date.now() - restoredMs) / 1000 };
    if (Date.now() - restoredMs > LOST_LINKS_WATCH_MS) return { redirectingAfterRestore: first, goneS: undefined };
    await sleep(100);
  }
}

export async function drillFigures(databaseUrl: string, created: readonly TimedLink[], m: DrillMarks, lost: LostLinks): Promise<RestoreDrill> {
  const pointMs = m.pointMs!;
  const destroyMs = m.destroyMs!;
  const before = created.filter((l) => l.atMs < pointMs).map((l) => l.code);
  const between = created.filter((l) => l.atMs >= pointMs && l.atMs <= destroyMs).map((l) => l.code);
  const point = new Date(pointMs);
  const after = created.filter((l) => l.atMs > destroyMs);
  const { present, newer, written } = await withDb(databaseUrl, async (c) => {
    const p = await c.query<{ n: string }>('select count(*)::text as n from urls where short_code = any($1::text[])', [before]);
    // An answer that arrived after the point may carry a commit from before it: only rows begun after the point must be gone.
    const n = await c.query<{ n: string }>('select count(*)::text as n from urls where short_code = any($1::text[]) and created_at > $2', [between, point]);
    // A slow answer may arrive after the destruction for a commit made before it: the restored
    // stack's first write is the first row begun after the destruction.
    const w = await c.query<{ short_code: string }>('select short_code from urls where short_code = any($1::text[]) and created_at > $2',
      [after.map((l) => l.code), new Date(destroyMs)]);
    return { present: Number(p.rows[0]!.n), newer: Number(n.rows[0]!.n), written: new Set(w.rows.map((r) => r.short_code)) };
  });
  const firstAfter = after.find((l) => written.has(l.code));
  return {
    point: point.toISOString(),
    rpoS: m.lastArchivedMs === undefined ? undefined : (destroyMs - m.lastArchivedMs) / 1000,
    rtoS: firstAfter === undefined ? undefined : (firstAfter.atMs - destroyMs) / 1000,
    restoreS: ((m.restoredMs ?? destroyMs) - destroyMs) / 1000,
    beforePoint: before.length,
    beforePointMissing: before.length - present,
    afterPoint: between.length,
    afterPointBack: newer,
    lost,
  };
}

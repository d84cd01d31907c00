// The bench's own connection to a stack's PostgreSQL: it watches the server connections during a
// run and waits for a run's kept roll-ups after it. Its backend is the bench's instrument, not
// the stack's work: the bench knows its pid and counts its CPU apart from aim 2's figure. Polling
// pg_stat_activity five times a second cost that backend about 1.2 ms a poll (half of it planning),
// 0.1 s of every 17 s window: 2.5 us per click of a 5 s cached run, when it counted as the stack's.
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_DEFAULTS } from '../../app/src/config-defaults.js';

export interface StackProbe {
  /** Its backend's process id, for the CPU attribution. */
  readonly backendPid: number;
  /** Samples the PostgreSQL server connections of the app's user (those PgBouncer opened) until stopped: their most. */
  watchServerConnections(everyMs?: number): { stop(): Promise<number> };
  /**
   * Waits until no kept roll-up row is left in the stack's database (each written batch's counts
   * added), at most `maxMs`. False when the bound came first.
   */
  keptRollupsApplied(maxMs: number): Promise<boolean>;
  /**
   * After a load that set up a measurement (a warm-up): its kept roll-ups applied (at most
   * `maxMs`), then every table vacuumed and analyzed, so the measured runs do not meet the
   * autovacuum of what the set-up wrote.
   */
  settled(maxMs: number): Promise<void>;
  close(): Promise<void>;
}

const ROLLUPS_POLL_MS = 200;
/** A replica writes a run's last clicks within a flush interval of it: twice that, and they are written. */
export const CLICKS_WRITTEN_MS = 2 * APP_DEFAULTS.clickFlushIntervalMs;

/** Connects as the app's user, straight to PostgreSQL (`directUrl`). */
export async function openStackProbe(directUrl: string): Promise<StackProbe> {
  const client = new pg.Client({ connectionString: directUrl });
  await client.connect();
  try {
    const { rows: [me] } = await client.query<{ pid: number; keeps: boolean }>(
      "SELECT pg_backend_pid() AS pid, to_regclass('click_rollups_pending') IS NOT NULL AS keeps");
    const backendPid = me!.pid;
    const keptRollupsApplied = async (maxMs: number): Promise<boolean> => {
      // An older schema (a --baseline commit's) adds every click's counts in its own statement.
      if (!me!.keeps) return true;
      const deadline = Date.now() + maxMs;
      for (;;) {
        const { rows } = await client.query<{ kept: boolean }>('SELECT EXISTS (SELECT 1 FROM click_rollups_pending) AS kept');
        if (!rows[0]!.kept) return true;
        if (Date.now() >= deadline) return false;
        await sleep(ROLLUPS_POLL_MS);
      }
    };
    return {
      backendPid,
      watchServerConnections(everyMs = 200) {
        let max = 0;
        const timer = setInterval(() => {
          client
            .query<{ n: string }>(
              `SELECT count(*)::text AS n FROM pg_stat_activity
               WHERE usename = current_user AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
            )
            .then(({ rows }) => {
              max = Math.max(max, Number(rows[0]!.n));
            })
            .catch(() => undefined);
        }, everyMs);
        return {
          async stop() {
            clearInterval(timer);
            return max;
          },
        };
      },
      keptRollupsApplied,
      async settled(maxMs) {
        await sleep(CLICKS_WRITTEN_MS);
        if (!await keptRollupsApplied(maxMs)) throw new Error(`kept click roll-ups not applied ${maxMs / 1000} s after a warm-up`);
        await client.query('VACUUM (ANALYZE)');
      },
      close: () => client.end(),
    };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

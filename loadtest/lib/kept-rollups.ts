// Under load a replica adds its clicks' roll-up counts a delay after their events
// (app/src/clicks/pending-rollups.ts): a bench that charges a run's clicks their whole cost waits
// for those counts too, or the apply lands in whichever run comes next.
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 200;

/**
 * Waits until no kept roll-up row is left in the stack's database (each written batch's counts
 * added), at most `maxMs`. False when the bound came first.
 */
export async function keptRollupsApplied(directDatabaseUrl: string, maxMs: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: directDatabaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + maxMs;
    for (;;) {
      const { rows } = await client.query<{ kept: boolean }>('SELECT EXISTS (SELECT 1 FROM click_rollups_pending) AS kept');
      if (!rows[0]!.kept) return true;
      if (Date.now() >= deadline) return false;
      await sleep(POLL_MS);
    }
  } finally {
    await client.end();
  }
}

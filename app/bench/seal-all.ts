// The page marks' count (app/src/page-marks/) brought up to date at once, as a replica's job would
// bring it over its rounds: a bench's table of earlier events is counted before its load, not in it.
import type pg from 'pg';
import { sealRound, SEAL_DEFAULTS } from '../src/page-marks/seal.js';

/** A round that moved nothing waits this long before the next: for a transaction the line waits on to end. */
const IDLE_WAIT_MS = 100;

/**
 * Rounds until less than a span's ids is left uncounted. A round counts nothing while the line
 * below which ids are final waits for older transactions (a replica's) to end, or while another
 * process holds the job. Spans counted here.
 */
export async function sealAll(pool: pg.Pool, timeoutMs = 600_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let spans = 0;
  for (;;) {
    const r = await sealRound(pool);
    spans += r.sealed;
    if (!r.skipped && r.uncounted < SEAL_DEFAULTS.spanIds) return spans;
    if (Date.now() > deadline) throw new Error(`the page marks were still ${r.uncounted} ids behind after ${timeoutMs} ms`);
    if (r.sealed === 0) await new Promise((done) => setTimeout(done, IDLE_WAIT_MS));
  }
}

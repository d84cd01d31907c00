// When a failed delivery is tried again, and when it is given up. Pure.
//
// Exponential backoff with full jitter: attempt n waits a random time in [d/2, d] where
// d = base * 2^(n-1), capped. The jitter spreads retries of many deliveries that failed together
// (a receiver that was down) so they do not come back as one burst. A delivery is given up
// (dead-lettered) once it is older than the retry window, which is at least an hour in
// production (the contract), shorter only in tests.

export interface BackoffPolicy { baseMs: number; capMs: number; windowMs: number }

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5_000, capMs: 10 * 60_000, windowMs: 2 * 3_600_000 };

/** Delay before the next try after `attempts` tries (>= 1). `random` in [0, 1). */
export function retryDelayMs(attempts: number, policy: BackoffPolicy, random: number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(exp / 2 + (exp / 2) * random);
}

/** After a failure: retry at `at`, or give up because the window has passed by then. */
export function afterFailure(createdAt: number, now: number, attempts: number, policy: BackoffPolicy, random: number):
  { kind: 'retry'; at: number } | { kind: 'dead' } {
  const at = now + retryDelayMs(attempts, policy, random);
  return at - createdAt > policy.windowMs ? { kind: 'dead' } : { kind: 'retry', at };
}

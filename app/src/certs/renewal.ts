// When a certificate is due for renewal. Pure.

const DAY_MS = 86_400_000;

/** Of a certificate's lifetime, the share left when it is renewed at the latest (a 90-day one: 30 days). */
export const RENEW_AT_REMAINING_SHARE = 1 / 3;

/**
 * The moment renewal is due: when fewer than `renewBeforeDays` remain, or a third of the lifetime
 * for a certificate shorter than three times that (Pebble's minutes-long test certificates, or
 * Let's Encrypt's six-day ones), so a short one is not renewed on every check.
 */
export function renewalDueAt(notBefore: Date, notAfter: Date, renewBeforeDays: number): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const margin = Math.min(renewBeforeDays * DAY_MS, lifetime * RENEW_AT_REMAINING_SHARE);
  return new Date(notAfter.getTime() - margin);
}

export const daysLeft = (notAfter: Date, now: Date): number => (notAfter.getTime() - now.getTime()) / DAY_MS;

/** Wait after the n-th failure in a row (1-based): doubling from `minMs`, at most `maxMs`. */
export const retryDelayMs = (failures: number, minMs: number, maxMs: number): number =>
  Math.min(maxMs, minMs * 2 ** Math.max(0, failures - 1));

import { describe, expect, it } from 'vitest';
import { daysLeft, renewalDueAt, retryDelayMs } from './renewal.js';

const DAY = 86_400_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const after = (ms: number) => new Date(t0.getTime() + ms);

describe('renewalDueAt', () => {
  it('renews a 90-day certificate when 30 days remain', () => {
    expect(renewalDueAt(t0, after(90 * DAY), 30)).toEqual(after(60 * DAY));
  });

  it('renews a short-lived one when a third of its lifetime remains, not at once', () => {
    // Let's Encrypt's six-day certificates, and Pebble's one-hour ones on loopback.
    expect(renewalDueAt(t0, after(6 * DAY), 30)).toEqual(after(4 * DAY));
    expect(renewalDueAt(t0, after(3_600_000), 30)).toEqual(after(2_400_000));
  });

  it('counts days left, negative once expired', () => {
    expect(daysLeft(after(14 * DAY), t0)).toBe(14);
    expect(daysLeft(t0, after(DAY / 2))).toBe(-0.5);
  });
});

describe('retryDelayMs', () => {
  it('doubles from the minimum up to the ceiling', () => {
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(n, 30_000, 3_600_000))).toEqual([30_000, 60_000, 120_000, 240_000, 3_600_000]);
  });
});

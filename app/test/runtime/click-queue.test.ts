import { describe, expect, it } from 'vitest';
import type { Click } from '../../src/clicks/click-buffer.js';
import { ClickBatch, ClickQueue } from '../../src/clicks/click-queue.js';

const T0 = Date.UTC(2026, 11, 2);

/** Click i, every field telling which it is; no user on every third, no strings on every fifth. */
function click(i: number): Click {
  const none = i % 5 === 0;
  return {
    urlId: 1_000_000_000_000 + i, userId: i % 3 === 0 ? null : i, at: new Date(T0 + i),
    referrer: none ? null : `https://r${i % 7}.example/`, userAgent: none ? null : `ua-${i % 11}`,
    ip: none ? null : `10.0.0.${i % 13}`, forwardedFor: none ? null : `203.0.113.${i}`,
  };
}
const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => click(from + k));
const all = (b: ClickBatch) => Array.from({ length: b.length }, (_, i) => b.click(i));

describe('ClickQueue (the clicks waiting for the flush, as columns)', () => {
  it('gives back every field of every click, oldest first, across wrapping and growing', () => {
    const q = new ClickQueue();
    for (const c of range(0, 1_000)) q.push(c);
    expect(all(q.take(600))).toEqual(range(0, 600));
    // 400 wait at the back of the first 1,024 slots: these wrap around, then the room doubles.
    for (const c of range(1_000, 3_000)) q.push(c);
    expect(q.length).toBe(3_400);
    expect(q.oldestAt()).toBe(T0 + 600);
    expect(q.dropOldest()).toBe(true);
    expect(all(q.take(2_000))).toEqual(range(601, 2_000));
    for (const c of range(4_000, 10)) q.push(c);
    expect(all(q.take(10_000))).toEqual([...range(2_601, 1_399), ...range(4_000, 10)]);
    expect(q.length).toBe(0);
    expect(q.oldestAt()).toBeUndefined();
    expect(q.dropOldest()).toBe(false);
    expect(q.take(5).length).toBe(0);
  });

  it('keeps strings right past the bound of the strings it shares', () => {
    const q = new ClickQueue();
    const clicks = range(0, 25_000).map((c, i) => ({ ...c, referrer: `https://unique.example/${i}` }));
    for (const c of clicks) q.push(c);
    expect(all(q.take(25_000))).toEqual(clicks);
  });

  it('gives a missing X-Forwarded-For back as null', () => {
    const q = new ClickQueue();
    const { forwardedFor: _, ...bare } = click(1);
    q.push(bare);
    expect(all(q.take(1))).toEqual([{ ...bare, forwardedFor: null }]);
  });

  it('takes a batch as columns that filters by link and tells when each click was made', () => {
    const clicks = range(0, 50);
    const batch = ClickBatch.of(clicks);
    expect(batch.length).toBe(50);
    expect(batch.atMs(7)).toBe(T0 + 7);
    expect([...batch.urlId]).toEqual(clicks.map((c) => c.urlId));
    const odd = batch.filter((urlId) => urlId % 2 === 1);
    expect(all(odd)).toEqual(clicks.filter((c) => c.urlId % 2 === 1));
    expect(odd.filter(() => false).length).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { clicksInOrder, copyLines, linkOrder, prepareBatch } from '../../src/clicks/batch-prep.js';
import type { Click } from '../../src/clicks/click-buffer.js';
import { ClickBatch } from '../../src/clicks/click-queue.js';
import { batchRows } from '../../src/clicks/batch-rows.js';
import { aggregateClicks, type ClickRollups } from '../../src/clicks/click-sql.js';
import { noCountry } from '../../src/clicks/country.js';
import { createEnricher } from '../../src/clicks/enricher.js';

const AGENTS = [null, 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', 'Googlebot/2.1 (+http://www.google.com/bot.html)',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'];

/** A batch over two days, many links (a few hot), referrers with COPY's special characters. */
function batch(n: number): Click[] {
  return Array.from({ length: n }, (_, i) => ({
    urlId: i % 3 === 0 ? 1 : (i * 7919) % 97 + 2,
    userId: i % 5 === 0 ? null : 3,
    at: new Date(Date.UTC(2026, 0, 1, 23, 59, 59, 990) + i),
    referrer: i % 4 === 0 ? null : `https://r${i % 6}.example/\t"\\`,
    userAgent: AGENTS[i % AGENTS.length]!,
    ip: '127.0.0.1',
    forwardedFor: null,
  }));
}

/** Every roll-up entry as one row per key, sorted: the same set whatever the entries' order. */
function rows(r: ClickRollups): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [table, columns] of Object.entries(r) as [string, Record<string, unknown[]>][]) {
    const names = Object.keys(columns);
    out[table] = columns[names[0]!]!.map((_, i) => JSON.stringify(names.map((c) => columns[c]![i]))).sort();
  }
  return out;
}

describe('prepareBatch (the click flush\'s JS work, in slices)', () => {
  it('gives the rows, traits and roll-ups of the batch in one piece, exactly, in link order', async () => {
    const clicks = batch(1_000);
    // Array#sort is stable: each link's clicks stay in the order they came.
    const inLinkOrder = [...clicks].sort((a, b) => a.urlId - b.urlId);
    const enrich = createEnricher(noCountry);
    const traits = inLinkOrder.map(enrich);
    const p = await prepareBatch(ClickBatch.of(clicks), createEnricher(noCountry), 37);
    expect(clicksInOrder(p)).toEqual(inLinkOrder);
    // A row per link (and owner) and slice, the rows one after another over the whole batch.
    const slices = Array.from({ length: Math.ceil(1_000 / 37) }, (_, k) => k * 37);
    expect(p.rows).toEqual(slices.flatMap((from) => batchRows(inLinkOrder.slice(from, from + 37), traits.slice(from, from + 37), from)));
    expect(p.rows.map((r) => r.start)).toEqual(p.rows.map((_, i) => p.rows.slice(0, i).reduce((n, r) => n + r.n, 0)));
    expect(p.rows.reduce((n, r) => n + r.n, 0)).toBe(1_000);
    expect(p.traits).toEqual(traits);
    const whole = aggregateClicks(inLinkOrder, traits);
    expect(rows(p.rollups)).toEqual(rows(whole));
    // One entry per key, as the statement needs (ON CONFLICT cannot touch a row twice in one statement).
    const { urls, ...counted } = rows(p.rollups);
    expect(new Set(urls).size).toBe(urls!.length);
    for (const entries of Object.values(counted)) {
      const keys = entries.map((e) => JSON.stringify((JSON.parse(e) as unknown[]).slice(0, -1)));
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(p.rollups.days.n.reduce((a, b) => a + b, 0)).toBe(1_000);
    expect(p.urlIds).toEqual([...new Set(clicks.map((c) => c.urlId))].sort((a, b) => a - b));
  });

  it('gives each click its id from the spans the transaction took, splitting a row that would cross into the next', async () => {
    const p = await prepareBatch(ClickBatch.of(batch(300)), createEnricher(noCountry), 100);
    const idsOf = (lines: string[]) => lines.flatMap((l) => {
      const [first, , , n] = l.split('\t');
      return Array.from({ length: Number(n) }, (_, k) => Number(first) + k);
    });
    const one = copyLines(p, [{ first: 1_000, n: 300 }]);
    expect(one).toHaveLength(p.rows.length);
    expect(idsOf(one)).toEqual(Array.from({ length: 300 }, (_, k) => 1_000 + k));
    // Another writer took ids meanwhile: three spans, cut inside two of link 1's rows (its clicks
    // of user 3 at positions 1-4 and 6-9, between those of no user).
    const spans = [{ first: 1_000, n: 2 }, { first: 1_100, n: 5 }, { first: 1_200, n: 293 }];
    const split = copyLines(p, spans);
    expect(split.length).toBe(one.length + 2);
    expect(idsOf(split)).toEqual(spans.flatMap((s) => Array.from({ length: s.n }, (_, k) => s.first + k)));
    // The same clicks in the same order, whatever the cut: each row's link is the link of the clicks it holds.
    const linkOf = (lines: string[]) => lines.flatMap((l) => { const [, url, , n] = l.split('\t'); return Array(Number(n)).fill(Number(url)) as number[]; });
    expect(linkOf(split)).toEqual(linkOf(one));
  });

  it('orders clicks by link, stably, and says where each link starts', () => {
    const clicks = batch(500).map((c, i) => ({ ...c, urlId: [9_007_199_254_740_000, 3, 1_000_000_000_000, 3, 7][i % 5]! }));
    const { order, urlIds, starts } = linkOrder(clicks.map((c) => c.urlId));
    expect(urlIds).toEqual([3, 7, 1_000_000_000_000, 9_007_199_254_740_000]);
    expect([...order].map((i) => clicks[i])).toEqual([...clicks].sort((a, b) => a.urlId - b.urlId));
    expect([...starts]).toEqual([0, 200, 300, 400, 500]);
    for (let r = 0; r < urlIds.length; r++) {
      const positions = [...order.subarray(starts[r], starts[r + 1])];
      expect(positions.every((i) => clicks[i]!.urlId === urlIds[r])).toBe(true);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
    expect(linkOrder(new Float64Array(0))).toEqual({ order: new Uint32Array(0), urlIds: [], starts: new Uint32Array([0]) });
  });

  it('lets the event loop turn between slices', async () => {
    let turns = 0;
    let ticking = true;
    const tick = () => { turns += 1; if (ticking) setImmediate(tick); };
    setImmediate(tick);
    await prepareBatch(ClickBatch.of(batch(1_000)), createEnricher(noCountry), 100);
    ticking = false;
    // Ten slices of rows, then ten parts of roll-ups: a turn of the loop before each but the first.
    expect(turns).toBeGreaterThanOrEqual(19);
  });

  it('handles an empty batch', async () => {
    const p = await prepareBatch(ClickBatch.of([]), createEnricher(noCountry));
    expect(p.rows).toEqual([]);
    expect(p.rollups.urls).toEqual({ id: [] });
    expect(p.urlIds).toEqual([]);
  });
});

import { classifyAgent } from '../../src/clicks/traits.js';
import { createEnricher } from '../../src/clicks/enricher.js';
import { openCountryLookup } from '../../src/clicks/country.js';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../../src/redis/circuit-breaker.js';
import { Queue } from '../../src/clicks/queue.js';
import { countByUrl, incrementClickCounts, insertClickEvents } from '../../src/clicks/click-sql.js';
import type { Click } from '../../src/clicks/click-buffer.js';

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, lets one probe through after openMs, closes on its success', () => {
    let now = 0;
    const changes: BreakerState[] = [];
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, now: () => now, onChange: (s) => changes.push(s) });
    b.failure();
    b.failure();
    b.success(); // not consecutive: starts again
    b.failure();
    b.failure();
    expect(b.state).toBe('closed');
    b.failure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    now = 999;
    expect(b.tryAcquire()).toBe(false);
    now = 1000;
    expect(b.tryAcquire()).toBe(true); // the probe
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(false); // only one probe at a time
    b.success();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again for openMs when the probe fails', () => {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 1, openMs: 100, now: () => now });
    b.failure();
    now = 100;
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    now = 150;
    expect(b.tryAcquire()).toBe(false);
    now = 200;
    expect(b.tryAcquire()).toBe(true);
  });
});

describe('Queue', () => {
  it('is FIFO across push, shift and take, with compaction', () => {
    const q = new Queue<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    expect(q.shift()).toBe(0);
    expect(q.take(2000)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(q.length).toBe(2999);
    expect(q.peek()).toBe(2001);
    q.push(5000);
    expect(q.take(10_000).at(-1)).toBe(5000);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});

describe('click batch SQL', () => {
  const click = (urlId: number, referrer: string | null = null): Click =>
    ({ urlId, userId: null, at: new Date('2026-01-01T00:00:00Z'), referrer, userAgent: 'ua', ip: null });

  it('counts clicks per url in id order', () => {
    expect([...countByUrl([click(5), click(2), click(5), click(9)])]).toEqual([[2, 1], [5, 2], [9, 1]]);
    expect(incrementClickCounts([click(5), click(2), click(5)]).values).toEqual([[2, 5], [1, 2]]);
  });

  it('sends the batch as one JSON parameter with epoch-ms times, referrer, user agent and its traits', () => {
    const traits = { bot: false, device: 'desktop', browser: 'Firefox', os: 'Linux', country: 'DE' } as const;
    const s = insertClickEvents([click(1, 'https://ref.example/'), click(2)], () => traits);
    const t = { b: false, d: 'desktop', br: 'Firefox', o: 'Linux', c: 'DE' };
    expect(JSON.parse(s.values[0] as string)).toEqual([
      { u: 1, us: null, t: Date.parse('2026-01-01T00:00:00Z'), r: 'https://ref.example/', a: 'ua', ...t },
      { u: 2, us: null, t: Date.parse('2026-01-01T00:00:00Z'), r: null, a: 'ua', ...t },
    ]);
  });

  it('classifies agents: bots, devices, browsers, systems; parses each distinct agent once', () => {
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
    const ipad = 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
    const google = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    expect(classifyAgent(chrome)).toEqual({ bot: false, device: 'desktop', browser: 'Chrome', os: 'Windows' });
    expect(classifyAgent(iphone)).toEqual({ bot: false, device: 'mobile', browser: 'Safari', os: 'iOS' });
    expect(classifyAgent(ipad)).toMatchObject({ bot: false, device: 'tablet' });
    expect(classifyAgent(google)).toMatchObject({ bot: true, device: 'bot' });
    expect(classifyAgent('curl/8.5.0')).toMatchObject({ bot: true, device: 'bot' });
    expect(classifyAgent(null)).toEqual({ bot: false, device: 'other', browser: null, os: null });
    expect(classifyAgent('\u0000\uffff'.repeat(500)).browser?.length ?? 0).toBeLessThanOrEqual(64);
    let lookups = 0;
    const enrich = createEnricher((ip) => { lookups++; return ip === '8.8.8.8' ? 'US' : null; });
    expect(enrich({ userAgent: chrome, ip: '8.8.8.8' })).toEqual({ bot: false, device: 'desktop', browser: 'Chrome', os: 'Windows', country: 'US' });
    expect(enrich({ userAgent: chrome, ip: null }).country).toBeNull();
    expect(enrich({ userAgent: iphone, ip: '8.8.8.8' }).country).toBe('US');
    expect(lookups).toBe(2); // one lookup per distinct address
  });

  it('looks countries up in the shipped DB-IP database', async () => {
    const countryOf = await openCountryLookup();
    expect(countryOf('8.8.8.8')).toBe('US');
    expect(countryOf('::ffff:8.8.8.8')).toBe('US');
    expect(countryOf('127.0.0.1')).toBeNull();
    expect(countryOf('10.1.2.3')).toBeNull();
    expect(countryOf('not an address')).toBeNull();
    expect(countryOf(null)).toBeNull();
  });
});

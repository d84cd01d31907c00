import { classifyAgent } from '../../src/clicks/traits.js';
import { createEnricher } from '../../src/clicks/enricher.js';
import { openCountryLookup } from '../../src/clicks/country.js';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../../src/redis/circuit-breaker.js';
import { arrayLiteral } from '../../src/db/array-literal.js';
import { aggregateClicks, clickDeliveries, clickEventsCopy, COPY_CLICK_EVENTS, rollUpClicks, urlsPast } from '../../src/clicks/click-sql.js';
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

describe('click batch SQL', () => {
  const click = (urlId: number, referrer: string | null = null): Click =>
    ({ urlId, userId: null, at: new Date('2026-01-01T00:00:00Z'), referrer, userAgent: 'ua', ip: null });

  const traits = { bot: false, device: 'desktop', browser: 'Firefox', os: 'Linux', country: 'DE' } as const;
  const crawler = { bot: true, device: 'bot', browser: null, os: null, country: null } as const;

  it('aggregates a batch into one roll-up entry per key, null apart from an empty string', () => {
    const clicks = [click(5, 'https://a.example/'), click(2), click(5, 'https://a.example/'), click(5, ''),
      { ...click(5), at: new Date('2026-01-02T23:59:59.999Z') }];
    const r = aggregateClicks(clicks, [traits, traits, crawler, traits, traits]);
    expect(r.urls).toEqual({ id: [5, 2] });
    // Link by link, in order of first click; keys within a link likewise.
    expect(r.days).toEqual({ url: [5, 5, 2], day: ['2026-01-01', '2026-01-02', '2026-01-01'], n: [3, 1, 1] });
    expect(r.referrers).toEqual({ url: [5, 5, 5, 2], referrer: ['https://a.example/', '', null, null], n: [2, 1, 1, 1] });
    expect(r.agents).toEqual({
      url: [5, 5, 2], bot: [false, true, false], device: ['desktop', 'bot', 'desktop'], browser: ['Firefox', null, 'Firefox'],
      os: ['Linux', null, 'Linux'], country: ['DE', null, 'DE'], n: [3, 1, 1],
    });
    // Parameters in the statement's order: days, referrers, agents (no urls row is written).
    const s = rollUpClicks(r);
    expect(s.values.slice(0, 3)).toEqual(['{5,5,2}', '{"2026-01-01","2026-01-02","2026-01-01"}', '{3,1,1}']);
    expect(s.values).toHaveLength(13);
    expect(s.values.slice(-2)).toEqual(['{"DE",NULL,"DE"}', '{3,1,1}']);
    expect(s.text).not.toMatch(/urls/);
    expect(s.values[4]).toBe('{"https://a.example/","",NULL,NULL}');
    expect(arrayLiteral(['a"b\\c', 'NULL', null, ' , {}'])).toBe('{"a\\"b\\\\c","NULL",NULL," , {}"}');
    expect(arrayLiteral([true, false])).toBe('{true,false}');
  });

  it('takes a link as missing when its id is past the newest link\'s, every link when there are none', () => {
    expect(urlsPast([5, 12, 9, 13], '12')).toEqual([13]);
    expect(urlsPast([5, 12], '12')).toEqual([]);
    expect(urlsPast([3, 1], null)).toEqual([3, 1]);
  });

  it('writes the events as COPY text: one column per detail, tabs, newlines and backslashes escaped, null as \\N', () => {
    const text = clickEventsCopy([click(1, 'https://ref.example/?q="x"\ty\\z\n\r'), { ...click(2), userId: 7 }], [traits, crawler]);
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    // No raw tab, newline or carriage return inside a field: COPY would split the row there.
    expect(lines[0]!.split('\t')).toEqual(['1', '\\N', 'click', '2026-01-01T00:00:00.000Z',
      'https://ref.example/?q="x"\\ty\\\\z\\n\\r', 'ua', 'false', 'desktop', 'Firefox', 'Linux', 'DE']);
    expect(lines[1]!.split('\t')).toEqual(['2', '7', 'click', '2026-01-01T00:00:00.000Z', '\\N', 'ua', 'true', 'bot', '\\N', '\\N', '\\N']);
    expect(COPY_CLICK_EVENTS).toMatch(/^COPY events \(url_id, user_id, event_type, "timestamp", click_referrer, click_user_agent, click_bot, click_device, click_browser, click_os, click_country\) FROM STDIN$/);
  });

  it('sends the webhook deliveries their batch as one JSON parameter with epoch-ms times and traits', () => {
    const s = clickDeliveries([click(1, 'https://ref.example/'), click(2)], [traits, traits]);
    const t = { b: false, d: 'desktop', br: 'Firefox', o: 'Linux', c: 'DE' };
    expect(JSON.parse(s.values[0] as string)).toEqual([
      { u: 1, t: Date.parse('2026-01-01T00:00:00Z'), r: 'https://ref.example/', a: 'ua', ...t },
      { u: 2, t: Date.parse('2026-01-01T00:00:00Z'), r: null, a: 'ua', ...t },
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

import { describe, expect, it } from 'vitest';
import { arrayLinkSet, generatedLink, generatedLinkSet, toBase62 } from './links.js';
import { seededRng } from './rng.js';
import { connectionsAt, spike, steady, totalDuration } from './schedule.js';
import { MIXED, REDIRECTS_ONLY, TrafficPlan } from './traffic.js';

const links = arrayLinkSet(
  Array.from({ length: 50 }, (_, i) => ({ id: i + 1, code: `c${i + 1}`, location: `https://example.com/${i + 1}` })),
);

function tally(plan: TrafficPlan, n: number) {
  const ops: Record<string, number> = {};
  const reqs = Array.from({ length: n }, () => plan.next());
  for (const r of reqs) ops[r.op] = (ops[r.op] ?? 0) + 1;
  return { ops, reqs };
}

describe('TrafficPlan', () => {
  it('sends redirects with their expected Location, and about 1% unknown codes expecting 404', () => {
    const { ops, reqs } = tally(new TrafficPlan({ links, mix: REDIRECTS_ONLY, rng: seededRng(3) }), 20_000);
    expect(Object.keys(ops).sort()).toEqual(['redirect', 'redirect_unknown']);
    expect(ops.redirect_unknown! / 20_000).toBeGreaterThan(0.007);
    expect(ops.redirect_unknown! / 20_000).toBeLessThan(0.013);
    for (const r of reqs.slice(0, 200)) {
      if (r.op === 'redirect') {
        const n = r.path.slice(2);
        expect(r.expect).toEqual({ kind: 'redirect', location: `https://example.com/${n}` });
      } else {
        expect(r.path).toMatch(/^\/zzNoSuchLink[0-9A-Za-z]{8}$/);
        expect(r.expect).toEqual({ kind: 'status', status: 404 });
      }
    }
    // The head of the Zipf distribution dominates.
    const first = reqs.filter((r) => r.path === '/c1').length;
    const tenth = reqs.filter((r) => r.path === '/c10').length;
    expect(first).toBeGreaterThan(5 * tenth);
  });

  it('mixes 90% redirects, 7% creates and 3% reads, with the admin key on API calls', () => {
    const { ops, reqs } = tally(new TrafficPlan({ links, mix: MIXED, rng: seededRng(5), adminKey: 'k', runTag: 't1' }), 20_000);
    const share = (k: string) => (ops[k] ?? 0) / 20_000;
    expect(share('redirect') + share('redirect_unknown')).toBeCloseTo(0.9, 1);
    expect(share('create')).toBeCloseTo(0.07, 2);
    expect(share('list') + share('stats')).toBeCloseTo(0.03, 2);
    const create = reqs.find((r) => r.op === 'create')!;
    expect(create).toMatchObject({ method: 'POST', path: '/urls', expect: { kind: 'status', status: 201 } });
    expect(create.headers).toEqual({ authorization: 'Bearer k', 'content-type': 'application/json' });
    expect(JSON.parse(create.body!).original_url).toMatch(/^https:\/\/example\.com\/loadtest\/t1\/created\/\d+$/);
    // The second-wave fields ride along: tags, limits, fallbacks, redirect types, agents.
    expect(JSON.parse(create.body!)).toMatchObject({ tags: ['loadtest', expect.any(String)], max_visits: 1_000_000, fallback_url: expect.any(String) });
    expect(new Set(reqs.filter((r) => r.op === 'create').map((r) => JSON.parse(r.body!).redirect_type))).toEqual(new Set([302, 307]));
    const agents = new Set(reqs.filter((r) => r.op === 'redirect').map((r) => r.headers['user-agent']));
    expect(agents.size).toBe(4);
    expect(reqs.some((r) => r.op === 'list' && r.path.endsWith('&tag=loadtest'))).toBe(true);
    const stats = reqs.find((r) => r.op === 'stats')!;
    expect(stats.path).toMatch(/^\/urls\/\d+\/stats$/);
    expect(reqs.find((r) => r.op === 'list')!.path).toMatch(/^\/urls\?page=[1-5]&per_page=20(&tag=loadtest)?$/);
  });

  it('refuses creates without an admin key and an empty mix', () => {
    expect(() => new TrafficPlan({ links, mix: MIXED, rng: seededRng(1) })).toThrow(/admin key/);
    expect(() => new TrafficPlan({ links, mix: { redirect: 0, create: 0, read: 0 }, rng: seededRng(1) })).toThrow(/empty/);
  });
});

describe('links', () => {
  it('generates codes as base62 of the index', () => {
    expect(toBase62(0)).toBe('0');
    expect(toBase62(61)).toBe('z');
    expect(toBase62(62)).toBe('10');
    expect(generatedLink('g', 62)).toEqual({ code: 'g10', originalUrl: 'https://example.com/generated/g/62' });
    const set = generatedLinkSet('g', 10_000_000, 5);
    expect(set.code(10_000_000)).toBe(`g${toBase62(10_000_000)}`);
    expect(set.id(1)).toBe(5);
  });

  it('refuses an empty seeded set', () => {
    expect(() => arrayLinkSet([])).toThrow(/no links/);
  });
});

describe('schedule', () => {
  it('steps a spike up to 10x and back', () => {
    const phases = spike(7, 10);
    expect([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5].map((t) => connectionsAt(phases, t))).toEqual([10, 20, 50, 100, 50, 20, 10]);
    expect(totalDuration(phases)).toBe(7);
    expect(connectionsAt(steady(5, 8), 4.9)).toBe(8);
    expect(connectionsAt(steady(5, 8), 5)).toBe(0);
  });
});

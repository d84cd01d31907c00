// What each next request is: a redirect of a Zipf-chosen link (or now and then an unknown code),
// a link creation, or a read of a list or of a link's stats, in the scenario's proportions.
import type { Expectation, Op } from './classify.js';
import type { LinkSet } from './links.js';
import { BASE62 } from './base62.js';
import type { Rng } from './rng.js';
import { zipfSampler, type ZipfSampler } from './zipf.js';

export interface Mix {
  /** Shares of the traffic; they need not sum to 1. */
  redirect: number;
  create: number;
  read: number;
  /**
   * Exercise the second-wave link features: redirects carry browser, phone and bot User-Agents
   * (the flush classifies them), creates set tags, max_visits, valid_since, fallback_url and
   * redirect_type, and lists filter by tag. Off for the benches, whose figures compare with
   * runs before these features.
   */
  linkFeatures?: boolean;
}

export const REDIRECTS_ONLY: Mix = { redirect: 1, create: 0, read: 0 };
export const MIXED: Mix = { redirect: 0.9, create: 0.07, read: 0.03, linkFeatures: true };

/** Agents of the mixed scenario's redirects: a desktop browser, a phone, a tablet, a crawler. */
export const LOAD_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
] as const;
export const LOAD_TAG = 'loadtest';

export interface PlannedRequest {
  op: Op;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  expect: Expectation;
}

/** The Zipf exponent of the links' popularity, unless a run gives its own. */
export const TRAFFIC_ZIPF_EXPONENT = 1;

export interface TrafficOptions {
  links: LinkSet;
  mix: Mix;
  rng: Rng;
  /** Share of redirects aimed at codes that do not exist (404 expected). */
  unknownShare?: number;
  /** Default TRAFFIC_ZIPF_EXPONENT. */
  zipfExponent?: number;
  /** Needed for creates and reads. */
  adminKey?: string | undefined;
  /** Tags created links' URLs so runs never collide and can be told apart. */
  runTag?: string;
}

export class TrafficPlan {
  private readonly zipf: ZipfSampler;
  private readonly total: number;
  private readonly unknownShare: number;
  private readonly auth: Record<string, string>;
  private created = 0;

  constructor(private readonly o: TrafficOptions) {
    const { mix } = o;
    if (mix.redirect < 0 || mix.create < 0 || mix.read < 0) throw new Error('traffic mix shares must be >= 0');
    this.total = mix.redirect + mix.create + mix.read;
    if (!(this.total > 0)) throw new Error('traffic mix is empty');
    if ((mix.create > 0 || mix.read > 0) && !o.adminKey) throw new Error('creates and reads need an admin key');
    this.zipf = zipfSampler(o.links.size, o.zipfExponent ?? TRAFFIC_ZIPF_EXPONENT, o.rng);
    this.unknownShare = o.unknownShare ?? 0.01;
    this.auth = o.adminKey ? { authorization: `Bearer ${o.adminKey}` } : {};
  }

  next(): PlannedRequest {
    const x = this.o.rng() * this.total;
    const { mix } = this.o;
    if (x < mix.redirect) return this.redirect();
    if (x < mix.redirect + mix.create) return this.create();
    return this.read();
  }

  private redirect(): PlannedRequest {
    if (this.o.rng() < this.unknownShare) {
      return { op: 'redirect_unknown', method: 'GET', path: `/${this.unknownCode()}`, headers: {}, expect: { kind: 'status', status: 404 } };
    }
    const rank = this.zipf.sample();
    const headers: Record<string, string> = this.o.mix.linkFeatures ? { 'user-agent': LOAD_AGENTS[Math.floor(this.o.rng() * LOAD_AGENTS.length)]! } : {};
    return {
      op: 'redirect',
      method: 'GET',
      path: `/${this.o.links.code(rank)}`,
      headers,
      expect: { kind: 'redirect', location: this.o.links.location(rank) },
    };
  }

  /** Base62, 20 characters, a prefix no generated code has: never a real link. */
  private unknownCode(): string {
    let code = 'zzNoSuchLink';
    for (let i = 0; i < 8; i++) code += BASE62[Math.floor(this.o.rng() * 62)];
    return code;
  }

  private create(): PlannedRequest {
    this.created += 1;
    const tag = this.o.runTag ?? 'run';
    return {
      op: 'create',
      method: 'POST',
      path: '/urls',
      headers: { ...this.auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        original_url: `https://example.com/loadtest/${tag}/created/${this.created}`, title: 'loadtest',
        ...(this.o.mix.linkFeatures ? {
          tags: [LOAD_TAG, `n${this.created % 10}`], max_visits: 1_000_000, valid_since: '2026-01-01T00:00:00.000Z',
          fallback_url: 'https://example.com/loadtest/fallback', redirect_type: this.created % 2 === 0 ? 302 : 307,
        } : {}),
      }),
      expect: { kind: 'status', status: 201 },
    };
  }

  private read(): PlannedRequest {
    const rank = this.zipf.sample();
    const id = this.o.links.id(rank);
    if (id !== undefined && this.o.rng() < 0.5) {
      return { op: 'stats', method: 'GET', path: `/urls/${id}/stats`, headers: this.auth, expect: { kind: 'status', status: 200 } };
    }
    const page = 1 + Math.floor(this.o.rng() * 5);
    const tag = this.o.mix.linkFeatures && this.o.rng() < 0.5 ? `&tag=${LOAD_TAG}` : '';
    return { op: 'list', method: 'GET', path: `/urls?page=${page}&per_page=20${tag}`, headers: this.auth, expect: { kind: 'status', status: 200 } };
  }
}

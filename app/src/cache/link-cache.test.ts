import { describe, expect, it } from 'vitest';
import { decideRedirect, type CachedLink } from '../domain/link.js';
import { LINK_CODEC } from './link-cache.js';

const plain: CachedLink = {
  id: 7, userId: null, originalUrl: 'https://example.com/a', isActive: true, expiresAt: null,
  validSince: null, maxVisits: null, fallbackUrl: null, redirectType: 302,
};
const featured: CachedLink = {
  id: 8, userId: 3, originalUrl: 'https://example.com/b', isActive: true, expiresAt: 2_000,
  validSince: 1_000, maxVisits: 5, fallbackUrl: 'https://example.com/later', redirectType: 308,
};

/** What the redirect makes of a link, without the link itself (which the codec may reshape). */
const outcome = (l: CachedLink | null, now: number, usedUp = false) => {
  const d = decideRedirect(l, now, usedUp);
  return 'link' in d ? { ...d, link: undefined } : d;
};

describe('LINK_CODEC', () => {
  it('leaves out the features a link does not use', () => {
    expect(JSON.parse(LINK_CODEC.encode(plain))).toEqual({ id: 7, userId: null, originalUrl: 'https://example.com/a', isActive: true, expiresAt: null });
    expect(LINK_CODEC.encode(plain).length).toBeLessThan(JSON.stringify(plain).length * 0.6);
  });

  it('keeps every feature a link uses', () => {
    expect(LINK_CODEC.decode(LINK_CODEC.encode(featured))).toEqual(featured);
  });

  it('reads back to the same redirect for every link, time and visit state', () => {
    const links: CachedLink[] = [plain, featured, { ...plain, isActive: false }, { ...featured, fallbackUrl: null }, { ...plain, expiresAt: 1_500 }];
    for (const link of links) {
      for (const now of [500, 1_000, 1_500, 2_500]) {
        for (const usedUp of [false, true]) {
          expect(outcome(LINK_CODEC.decode(LINK_CODEC.encode(link)), now, usedUp)).toEqual(outcome(link, now, usedUp));
        }
      }
    }
  });

  it('reads an entry written with every field, as the previous release wrote them', () => {
    expect(LINK_CODEC.decode(JSON.stringify(featured))).toEqual(featured);
  });
});

// Turns a buffered click into the traits its event records (bot, device, browser, OS, country).
// Runs in the click flush, never in the redirect: the redirect only keeps the raw User-Agent
// and address. Agents are parsed once per distinct User-Agent (an LRU), since a few agents
// make most traffic; the country reader keeps its own cache per address.
import { LRUCache } from 'lru-cache';
import type { ClientAddress } from './client-address.js';
import type { CountryOf } from './country.js';
import { classifyAgent, type AgentTraits } from './traits.js';

export interface ClickTraits extends AgentTraits { country: string | null }

/** The traits of a click; equal clicks often get the same (shared, never to be changed) object. */
export type Enrich = (click: { userAgent: string | null; ip: string | null; forwardedFor?: string | null }) => Readonly<ClickTraits>;

const NO_AGENT = '\u0000none';

export function createEnricher(countryOf: CountryOf, addressOf: ClientAddress = (ip) => ip, cached = 10_000): Enrich {
  const agents = new LRUCache<string, AgentTraits>({ max: cached });
  // Country per (socket address, X-Forwarded-For): behind nginx a few addresses make most
  // clicks, and the trust rules plus the database walk cost ~2 us a click (profiled).
  // Each place keeps the traits it was combined with, so the same agent from the same place is
  // the same object: the flush's roll-up tally keys on it (click-sql.ts aggregateClicks).
  const places = new LRUCache<string, { country: string | null; combined: WeakMap<AgentTraits, ClickTraits> }>({ max: cached });
  return (click) => {
    const key = click.userAgent ?? NO_AGENT;
    let traits = agents.get(key);
    if (traits === undefined) {
      traits = classifyAgent(click.userAgent);
      agents.set(key, traits);
    }
    const where = `${click.ip ?? ''}\n${click.forwardedFor ?? ''}`;
    let place = places.get(where);
    if (place === undefined) {
      place = { country: countryOf(addressOf(click.ip, click.forwardedFor)), combined: new WeakMap() };
      places.set(where, place);
    }
    let combined = place.combined.get(traits);
    if (combined === undefined) {
      combined = { ...traits, country: place.country };
      place.combined.set(traits, combined);
    }
    return combined;
  };
}

// Writes users.csv, urls.csv and events.csv in the seed format at any size: rows are made one
// at a time from a seeded PRNG and written with backpressure, so memory stays flat at 10M rows
// and the same seed gives the same files.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyAgent } from '../clicks/traits.js';
import { BASE62 } from '../domain/short-code.js';
import { formatTimestamp } from './csv-values.js';

export interface DatasetSize { users: number; urls: number; events: number }

const WORDS = ['calm', 'signal', 'navy', 'valley', 'rapid', 'pioneer', 'harbor', 'canyon', 'vivid', 'uplink', 'dawn', 'island',
  'young', 'journey', 'quartz', 'river', 'anchor', 'lagoon', 'mellow', 'silver', 'yard', 'keen', 'warm', 'gold', 'kernel', 'delta'];
const DOMAINS = ['example.com', 'hackstack.io', 'opswise.net', 'seeded.app', 'relay.cloud', 'acme.dev'];
const TITLES = ['Alert feed', 'Service guide', 'Campaign page', 'Roadmap update', 'Launch deck', 'Release notes'];
const REFERRERS = ['https://news.example.com/', 'https://social.example.net/post', 'https://search.example.org/?q=link', ''];
const COUNTRIES = ['US', 'DE', 'BR', null];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64)', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)', 'curl/8.5.0'];

/** mulberry32: tiny, fast and good enough to make test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CODE_SPACE = 62 ** 7;
/** Odd and not a multiple of 31, so coprime with 62^7: id -> code is a bijection (unique codes). */
const CODE_STRIDE = 2_654_435_761;

/** A distinct 7-character base62 code for every id below 62^7, scattered so neighbours differ. */
export function codeForId(id: number): string {
  let n = Number((BigInt(id) * BigInt(CODE_STRIDE) + 12_345n) % BigInt(CODE_SPACE));
  let code = '';
  for (let i = 0; i < 7; i++) {
    code = BASE62[n % 62] + code;
    n = Math.floor(n / 62);
  }
  return code;
}

export function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const intBelow = (rand: () => number, n: number) => Math.floor(rand() * n);

const EPOCH = Date.UTC(2024, 0, 1);
const SPAN_MS = 2 * 365 * 24 * 3600 * 1000;

/** A link's owner and target follow from its id, so its events can name them without memory. */
export function ownerOf(urlId: number, users: number): number | '' {
  return users > 0 ? 1 + ((urlId * 7919) % users) : '';
}

export function targetOf(urlId: number): string {
  return `https://${DOMAINS[urlId % DOMAINS.length]}/${WORDS[(urlId * 7) % WORDS.length]}/${WORDS[(urlId * 13) % WORDS.length]}/${urlId}`;
}

export function userRow(id: number, rand: () => number): string {
  const username = `${pick(rand, WORDS)}${pick(rand, WORDS)}${id}`;
  return [id, username, `${username}@${pick(rand, DOMAINS)}`, formatTimestamp(new Date(EPOCH + intBelow(rand, SPAN_MS)))].join(',');
}

export function urlRow(id: number, users: number, rand: () => number): string {
  const created = EPOCH + intBelow(rand, SPAN_MS);
  const updated = created + intBelow(rand, 90 * 24 * 3600 * 1000);
  return [
    id, ownerOf(id, users), codeForId(id), targetOf(id),
    `${pick(rand, TITLES)} ${pick(rand, WORDS)}`, rand() < 0.9 ? 'True' : 'False',
    formatTimestamp(new Date(created)), formatTimestamp(new Date(updated)),
  ].join(',');
}

/** A click's details as the flusher writes them; the country follows the id (no extra draw, so datasets stay as they were). */
function clickDetails(referrer: string | null, agent: string, id: number): Record<string, unknown> {
  return { referrer, user_agent: agent, ...classifyAgent(agent), country: COUNTRIES[id % COUNTRIES.length] };
}

/** The first `urls` events are each link's `created`; the rest are updates, clicks and deletes. */
export function eventRow(id: number, size: DatasetSize, rand: () => number): string {
  const at = formatTimestamp(new Date(EPOCH + intBelow(rand, SPAN_MS)));
  if (id <= size.urls) {
    const details = JSON.stringify({ short_code: codeForId(id), original_url: targetOf(id) });
    return [id, id, ownerOf(id, size.users), 'created', at, csvField(details)].join(',');
  }
  const urlId = size.urls > 0 ? 1 + intBelow(rand, size.urls) : 0;
  const userId = urlId > 0 ? ownerOf(urlId, size.users) : '';
  const r = rand();
  const [type, details] = r < 0.5
    ? ['click', clickDetails(pick(rand, REFERRERS) || null, pick(rand, AGENTS), id)]
    : r < 0.9 ? ['updated', { field: 'title', new_value: pick(rand, WORDS) }] : ['deleted', { reason: 'user_requested' }];
  return [id, urlId || '', userId, type, at, csvField(JSON.stringify(details))].join(',');
}

async function writeRows(file: string, header: string, count: number, row: (id: number) => string): Promise<void> {
  const out = createWriteStream(file);
  const CHUNK = 1000;
  let lines: string[] = [header];
  for (let id = 1; id <= count; id++) {
    lines.push(row(id));
    if (lines.length >= CHUNK) {
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
      lines = [];
    }
  }
  if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
}

export async function writeDataset(outDir: string, size: DatasetSize, seed = 42): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const rand = prng(seed);
  await writeRows(join(outDir, 'users.csv'), 'id,username,email,created_at', size.users, (id) => userRow(id, rand));
  await writeRows(join(outDir, 'urls.csv'), 'id,user_id,short_code,original_url,title,is_active,created_at,updated_at', size.urls, (id) => urlRow(id, size.users, rand));
  await writeRows(join(outDir, 'events.csv'), 'id,url_id,user_id,event_type,timestamp,details', size.events, (id) => eventRow(id, size, rand));
}

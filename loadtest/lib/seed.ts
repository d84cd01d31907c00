// Links to aim at, created through the stack's own API with the admin key: generated ones, or the
// rows of a seed-data urls.csv. Whatever the service answered is what the run expects back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { expectedLocation } from './classify.js';
import type { SeededLink } from './links.js';

export interface LinkSpec {
  originalUrl: string;
  title?: string | undefined;
  shortCode?: string | undefined;
}

export function generatedSpecs(n: number, runTag: string): LinkSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    originalUrl: `https://example.com/loadtest/${runTag}/seed/${i + 1}?ref=shortstack`,
    title: `loadtest ${i + 1}`,
  }));
}

/** The active rows of a seed-data urls.csv (header id,user_id,short_code,original_url,title,is_active,...). */
export function parseUrlsCsv(text: string): LinkSpec[] {
  const rows = parse<Record<string, string>>(text, { columns: true, skip_empty_lines: true });
  return rows
    .filter((r) => (r.is_active ?? 'True').toLowerCase() === 'true')
    .map((r) => ({ originalUrl: r.original_url ?? '', title: r.title || undefined, shortCode: r.short_code || undefined }))
    .filter((s) => s.originalUrl !== '');
}

export function readSeedDir(dir: string): LinkSpec[] {
  return parseUrlsCsv(readFileSync(join(dir, 'urls.csv'), 'utf8'));
}

export interface SeedOptions {
  baseUrl: string;
  adminKey: string;
  concurrency?: number;
  /** Give up on one link after this many 429/503 answers. */
  retries?: number;
}

async function sleep(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
}

/** The Location the stack gives for a code that exists already (a custom code seeded earlier). */
async function probeExisting(baseUrl: string, code: string): Promise<SeededLink | undefined> {
  const res = await fetch(new URL(`/${code}`, baseUrl), { redirect: 'manual' });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  return res.status === 302 && location ? { code, location } : undefined;
}

async function createOne(spec: LinkSpec, o: SeedOptions): Promise<SeededLink | undefined> {
  const body: Record<string, string> = { original_url: spec.originalUrl };
  if (spec.title) body.title = spec.title;
  if (spec.shortCode) body.short_code = spec.shortCode;
  for (let attempt = 0; attempt <= (o.retries ?? 5); attempt++) {
    let res: Response;
    let text: string;
    try {
      res = await fetch(new URL('/urls', o.baseUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${o.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      text = await res.text();
    } catch (err) {
      // A keep-alive connection closed under the request (0 bytes answered): try again. At worst
      // a link is created twice, which seeding can afford.
      if (attempt === (o.retries ?? 5)) throw err;
      await sleep(200);
      continue;
    }
    if (res.status === 201) {
      const link = JSON.parse(text) as { id: number; short_code: string };
      return { id: link.id, code: link.short_code, location: expectedLocation(spec.originalUrl) };
    }
    if (res.status === 409 && spec.shortCode) return probeExisting(o.baseUrl, spec.shortCode);
    if (res.status === 429 || res.status === 503) {
      await sleep(1000 * Math.min(5, Number(res.headers.get('retry-after') ?? '1') || 1));
      continue;
    }
    throw new Error(`seeding: POST /urls answered ${res.status}: ${text.slice(0, 300)}`);
  }
  return undefined;
}

/** Creates the links, `concurrency` at a time, in order (rank 1 = first spec). */
export async function seedThroughApi(specs: readonly LinkSpec[], o: SeedOptions): Promise<SeededLink[]> {
  const out = new Array<SeededLink | undefined>(specs.length);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const i = next++;
      out[i] = await createOne(specs[i]!, o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 16, specs.length) }, worker));
  return out.filter((l): l is SeededLink => l !== undefined);
}

// One load run against a deployed stack: seed links through its API, then drive the scenario.
// Used by the load CLI and, with a shared Recorder, by the chaos scenarios.
import { randomBytes } from 'node:crypto';
import { Recorder, type Summary } from './aggregate.js';
import { arrayLinkSet, type LinkSet } from './links.js';
import { seededRng } from './rng.js';
import { runLoad, type CreatedLink, type RunOptions } from './runner.js';
import type { Scenario } from './scenarios.js';
import { generatedSpecs, readSeedDir, seedThroughApi } from './seed.js';
import { TrafficPlan } from './traffic.js';

export interface SeedSource {
  url: string;
  adminKey: string;
  /** A folder holding a seed-data urls.csv; generated links when omitted. */
  seedDir?: string | undefined;
  /** How many generated links (ignored with seedDir). */
  links: number;
  runTag: string;
}

export function newRunTag(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export async function seedLinks(s: SeedSource): Promise<LinkSet> {
  const specs = s.seedDir ? readSeedDir(s.seedDir) : generatedSpecs(s.links, s.runTag);
  return arrayLinkSet(await seedThroughApi(specs, { baseUrl: s.url, adminKey: s.adminKey }));
}

export interface DriveOptions {
  url: string;
  scenario: Scenario;
  links: LinkSet;
  adminKey?: string | undefined;
  runTag: string;
  seed?: number;
  /** Share of redirects aimed at unknown codes (default 1%). */
  unknownShare?: number;
  timeoutS?: number;
  rate?: RunOptions['rate'];
  recorder?: Recorder;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  /** For the progress line, when `signal` is expected to end the run before its phases do. */
  expectedS?: RunOptions['expectedS'];
}

/** A link that got a 201, and when the answer arrived (epoch ms). */
export type TimedLink = CreatedLink & { atMs: number };

export interface DriveResult {
  summary: Summary;
  created: TimedLink[];
}

export async function drive(o: DriveOptions): Promise<DriveResult> {
  const created: TimedLink[] = [];
  const plan = new TrafficPlan({
    links: o.links, mix: o.scenario.mix, rng: seededRng(o.seed ?? 1), adminKey: o.adminKey, runTag: o.runTag,
    unknownShare: o.unknownShare,
  });
  const summary = await runLoad({
    url: o.url,
    phases: o.scenario.phases,
    plan,
    recorder: o.recorder ?? new Recorder(),
    timeoutS: o.timeoutS,
    rate: o.rate,
    onProgress: o.onProgress,
    onCreated: (l) => created.push({ ...l, atMs: Date.now() }),
    signal: o.signal,
    expectedS: o.expectedS,
  });
  return { summary, created };
}

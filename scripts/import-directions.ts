// Which folder may import which: data flows topology -> renderers -> placements, and the folders
// alerts/, monitoring/ and app/ feed infra/, never the other way (ARCHITECTURE.md). Read off
// each .ts file's import and export-from statements (TypeScript's own pre-processor), so a
// change that brings a cycle back fails a test.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface ImportRule {
  /** Files under this folder (relative to the root, ending in `/`)... */
  from: string;
  /** ...import nothing under these folders... */
  forbidden?: string[];
  /** ...or nothing outside these folders (node_modules and node: built-ins aside). */
  only?: string[];
  why: string;
}

export const IMPORT_RULES: readonly ImportRule[] = [
  { from: 'app/', only: ['app/'], why: 'the service stands alone; infra reads its defaults, never the reverse' },
  { from: 'alerts/', forbidden: ['infra/'], why: 'infra builds an AlertsContext and passes it in (infra/topology/alerts-context.ts)' },
  { from: 'alerts/', forbidden: ['monitoring/dashboards/'], why: 'dashboard and panel names are a contract: monitoring/contract/' },
  { from: 'monitoring/contract/', only: ['monitoring/contract/'], why: 'the contract both alerts/ and the dashboards import depends on nothing' },
];

/**
 * Tests and benchmarks start real parts (PostgreSQL, nginx, Prometheus...) through the loopback
 * placement's servers, drive them with the load generator and read the seed data in ../shared:
 * a test or benchmark file (`*.test.ts`, or under a `test/` or `bench/` folder) may import these
 * from any folder.
 */
export const HARNESS = ['infra/loopback/', 'loadtest/lib/', 'scripts/shared-dir'] as const;
const usesHarness = (file: string) => file.endsWith('.test.ts') || file.split('/').some((d) => d === 'test' || d === 'bench');

export interface Violation {
  file: string;
  imports: string;
  why: string;
}

/** The repository-relative targets of a file's relative imports (package imports are left out). */
export function localImports(root: string, file: string, source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => relative(root, resolve(dirname(join(root, file)), name)).split(sep).join('/'));
}

/** The rules a file's imports break. */
export function violations(file: string, imports: readonly string[], rules: readonly ImportRule[] = IMPORT_RULES): Violation[] {
  const out: Violation[] = [];
  for (const target of imports) {
    if (usesHarness(file) && HARNESS.some((h) => target.startsWith(h))) continue;
    for (const r of rules) {
      if (!file.startsWith(r.from)) continue;
      const broken = r.forbidden?.some((f) => target.startsWith(f)) || (r.only && !r.only.some((f) => target.startsWith(f)));
      if (broken) out.push({ file, imports: target, why: r.why });
    }
  }
  return out;
}

const SKIP = new Set(['node_modules', 'dist', '.git']);

export function* tsFiles(root: string, dir = root): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(root, path);
    else if (e.name.endsWith('.ts')) yield relative(root, path).split(sep).join('/');
  }
}

/** Every broken rule in the repository at `root`. */
export function checkImportDirections(root: string): Violation[] {
  return [...tsFiles(root)].flatMap((f) => violations(f, localImports(root, f, readFileSync(join(root, f), 'utf8'))));
}

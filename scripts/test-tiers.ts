// Which test files are unit tests: those that start no server (PostgreSQL, Redis, PgBouncer,
// nginx, Prometheus, the app) and run no outside program (promtool, amtool, nginx -t, docker).
// Read off each file's imports, so a new test lands in the right tier without a list to keep.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Imports that mean a test reaches outside its own process. */
const OUTSIDE = [
  // The loopback stack and its servers (real PostgreSQL, Redis, PgBouncer, nginx, Prometheus, ...).
  /from '[^']*(loopback\/|\.\/|\.\.\/)(stack|data-services|components|observability|replicas)\.js'/,
  /loopback\/servers\/(postgres|redis|pgbouncer|managed|process|nginx-reload)\.js/,
  // The bench's ceilings: nginx and bare Fastify processes.
  /(bench\/|\.\/)ceilings\.js'/,
  /support\/harness/,
  /from 'pg'/, /from 'ioredis'/,
  // Outside programs: promtool and amtool (validators), nginx -t, docker, the fake Pulumi CLI.
  /from 'node:child_process'/, /tools\/validators\.js/, /support\/nginx-t\.js/,
];

export const reachesOutside = (source: string): boolean => OUTSIDE.some((re) => re.test(source));

const SKIP = new Set(['node_modules', 'dist', '.git']);

function* testFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* testFiles(path);
    else if (e.name.endsWith('.test.ts')) yield path;
  }
}

/** Test files (relative to root) that reach outside their process: excluded from test:unit. */
export function outsideTests(root: string): string[] {
  return [...testFiles(root)].filter((f) => reachesOutside(readFileSync(f, 'utf8'))).map((f) => relative(root, f)).sort();
}

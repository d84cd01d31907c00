// The app as the loopback stack runs it: app/src compiled to JavaScript, beside a copy of its
// migrations, the same layout as the image's app/dist (node app/dist/main.js). Compiling once
// and running plain node costs a replica about 0.9 s to start where tsx's loader took 2-2.5 s
// (and twice the CPU), at every start and every rollout.
//
// A build is named by the hash of what goes into it, so every stack and test process on this
// checkout shares one build per version of the source, and a rollout that finds the source
// changed starts the new version. Builds live under node_modules/.cache: package imports
// resolve from there to the repository's node_modules, and git, eslint and vitest skip it.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion } from 'esbuild';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const APP = join(repoRoot, 'app');
const CACHE = join(repoRoot, 'node_modules', '.cache', 'shortstack-app');
/** Older builds than this are removed when a new one is made (a running stack keeps its files open). */
const KEEP_MS = 24 * 3600_000;
/** What esbuild is asked for; part of the build's name, so a change here makes a new build. */
const OPTIONS = { format: 'esm', platform: 'node', target: 'node20', sourcemap: 'linked' } as const;

/** The app's entry points the stack runs (app/src/<entry>.ts). */
export type AppEntry = 'main' | 'migrate' | 'certs/main';

export interface AppBuild {
  /** The build's folder: src/ (the compiled app/src) and migrations/. */
  readonly dir: string;
  /** The first 12 hex digits of the build's hash. */
  readonly id: string;
  command(entry: AppEntry): { command: string; args: string[] };
}

/** Relative paths of the files below `dir`, sorted. */
function filesBelow(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

const isSource = (f: string) => f.endsWith('.ts') && !f.endsWith('.test.ts');

/** The hash of the build's inputs: every source and migration file, name and content, and how esbuild runs. */
function inputHash(sources: readonly string[], migrations: readonly string[]): string {
  const h = createHash('sha256').update(`esbuild ${esbuildVersion} ${JSON.stringify(OPTIONS)}\n`);
  for (const [root, files] of [['src', sources], ['migrations', migrations]] as const) {
    for (const f of files) h.update(`${root}/${f}\0`).update(readFileSync(join(APP, root, f))).update('\0');
  }
  return h.digest('hex');
}

function pruneOld(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const path = join(CACHE, name);
    if (name !== keep && Date.now() - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { recursive: true, force: true });
  }
}

function builtAt(dir: string, hash: string): AppBuild {
  return {
    dir,
    id: hash.slice(0, 12),
    command: (entry) => ({ command: process.execPath, args: [join(dir, 'src', `${entry}.js`)] }),
  };
}

/** The build of the app as it is on disk now: made when missing, else reused. */
export async function appBuild(): Promise<AppBuild> {
  const sources = filesBelow(join(APP, 'src')).filter(isSource);
  const migrations = filesBelow(join(APP, 'migrations'));
  const hash = inputHash(sources, migrations);
  const dir = join(CACHE, hash);
  if (existsSync(dir)) {
    const now = new Date();
    utimesSync(dir, now, now);
    return builtAt(dir, hash);
  }
  mkdirSync(CACHE, { recursive: true });
  // Built aside, then renamed into place whole: a process that sees the folder sees all of it.
  const tmp = join(CACHE, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await build({
      ...OPTIONS,
      entryPoints: sources.map((f) => join(APP, 'src', f)),
      outbase: join(APP, 'src'),
      outdir: join(tmp, 'src'),
      logLevel: 'error',
    });
    cpSync(join(APP, 'migrations'), join(tmp, 'migrations'), { recursive: true });
    // The app is ESM (the repository's package.json says so; this folder needs its own).
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module", "private": true }\n');
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another process built the same inputs first: theirs is identical.
      if (!existsSync(dir)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  pruneOld(hash);
  return builtAt(dir, hash);
}

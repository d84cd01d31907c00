// Dev, staging and prod differ only by stack config: the stack files hold config and nothing
// else, every key in them is a known config key, and no code decides anything from a stack's
// name (the name only names resources). What makes prod strict is its config (aws.tier prod).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../placements/docker/images.js';
import { SECRET_CONFIG_KEYS, TOP_KEYS } from '../topology/config.js';

const STACK_FILES = readdirSync(REPO_ROOT).filter((f) => /^Pulumi\.[\w-]+\.yaml$/.test(f)).sort();
const configOf = (file: string) => (parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as { config?: Record<string, unknown> }).config ?? {};

/**
 * The keys that may differ between stacks: every config key, and nothing else. Provider keys
 * are listed one by one (a new one is a deliberate addition here).
 */
const MAY_DIFFER = new Set([...TOP_KEYS, ...SECRET_CONFIG_KEYS].map((k) => `shortstack:${k}`).concat(['aws:region']));
/** What a stack file holds besides config: how its secrets are encrypted (Pulumi writes these). */
const STACK_FILE_KEYS = new Set(['config', 'secretsprovider', 'encryptionsalt', 'encryptedkey']);

describe('stacks differ only by config', () => {
  it('finds the dev, staging and prod stack files', () => {
    expect(STACK_FILES).toEqual(expect.arrayContaining(['Pulumi.dev.yaml', 'Pulumi.prod.yaml', 'Pulumi.staging.yaml']));
  });

  it('each stack file holds config (and its secrets settings) only', () => {
    for (const f of STACK_FILES) {
      const top = Object.keys(parse(readFileSync(join(REPO_ROOT, f), 'utf8')) as object);
      expect([f, top.filter((k) => !STACK_FILE_KEYS.has(k))]).toEqual([f, []]);
    }
  });

  it('every key that differs between the stacks is a known config key', () => {
    const configs = STACK_FILES.map(configOf);
    const keys = new Set(configs.flatMap((c) => Object.keys(c)));
    const differing = [...keys].filter((k) => configs.some((c) => JSON.stringify(c[k]) !== JSON.stringify(configs[0]![k]))).sort();
    expect(differing.filter((k) => !MAY_DIFFER.has(k))).toEqual([]);
    // A promotion adds shortstack:appImage to one stack: a config key like the others.
    expect(MAY_DIFFER.has('shortstack:appImage')).toBe(true);
  });
});

// A stack's name as code sees it: `stack`, `stackName` (also as a property), `getStack()`, `*_STACK`.
const NAME = String.raw`(?:\b(?:stack|stackName)\b|getStack\(\)|\b[A-Z]+_STACK\b)`;
/** Code that decides something from a stack's name: compares it, switches on it, matches it. */
const BRANCHES_ON_NAME = new RegExp([
  String.raw`${NAME}\s*[!=]==?`, String.raw`[!=]==?\s*[\w.]*${NAME}`, String.raw`switch\s*\(\s*[\w.]*${NAME}`,
  String.raw`${NAME}\.(?:startsWith|endsWith|includes|match|localeCompare)\(`, String.raw`\.test\(\s*[\w.]*${NAME}`,
].join('|'));
/** The one allowed: `npm run up` defaults the passphrase of the throwaway local dev stack (README). */
const ALLOWED = [{ file: 'infra/cli/pulumi.ts', line: 'return stack === DEV_STACK && !hasPassphrase' }];

function sources(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return /\.ts$/.test(e.name) && !/\.(test|engine-test)\.ts$/.test(e.name) ? [path] : [];
  });
}

describe('no code branches on the stack name', () => {
  it('recognises a branch on the name (the check itself)', () => {
    for (const s of ["if (stackName === 'prod')", "args.stackName !== 'dev'", "'prod' === pulumi.getStack()", 'switch (stack) {',
      "stackName.startsWith('prod')", '/^prod/.test(args.stackName)', 'x === DEV_STACK']) expect([s, BRANCHES_ON_NAME.test(s)]).toEqual([s, true]);
    for (const s of ["settings.tier === 'prod'", "const prefix = `shortstack-${stackName}`", 'resourcePrefix(stackName)']) {
      expect([s, BRANCHES_ON_NAME.test(s)]).toEqual([s, false]);
    }
  });

  it('finds none in infra/, app/, alerts/, monitoring/, loadtest/ or scripts/ but the documented one', () => {
    const found: string[] = [];
    for (const f of ['infra', 'app', 'alerts', 'monitoring', 'loadtest', 'scripts'].flatMap(sources)) {
      readFileSync(join(REPO_ROOT, f), 'utf8').split('\n').forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (!BRANCHES_ON_NAME.test(code)) return;
        if (ALLOWED.some((a) => a.file === relative('.', f) && line.includes(a.line))) return;
        found.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('reads the name in one place, the program, which uses it for names only', () => {
    const readers = ['infra', 'app', 'alerts', 'monitoring'].flatMap(sources)
      .filter((f) => /getStack\(\)/.test(readFileSync(join(REPO_ROOT, f), 'utf8')));
    expect(readers).toEqual(['infra/program.ts']);
  });
});

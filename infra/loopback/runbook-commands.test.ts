// RUNBOOK.md's loopback commands, run as written against a running loopback stack with the
// variables `npm run local` writes: each must exit 0. A command that fails here fails a
// responder at 3 a.m.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertDefinitions } from '../../alerts/index.js';
import { alertsContext } from '../topology/alerts-context.js';
import { runbookEnv, writeRunbookEnv } from './runbook-env.js';
import { startStack, type LoopbackStack } from './stack.js';

/** Placeholders from alert labels, filled with what this stack has. */
const PLACEHOLDERS: Record<string, string> = { '<instance>': 'app-1' };

/** Prose advice (restart the stack) is not a command. */
const isCommand = (c: string) => !c.startsWith('stop `npm run local`');

const commands = [...new Set(alertDefinitions(alertsContext()).flatMap((a) => a.runbook.diagnose.commands.loopback).filter(isCommand))]
  .map((c) => Object.entries(PLACEHOLDERS).reduce((s, [k, v]) => s.replaceAll(k, v), c));

describe("RUNBOOK.md's loopback commands", () => {
  let stack: LoopbackStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack({ replicas: 2, scrapeInterval: '1s', evaluationInterval: '1s' });
    env = runbookEnv(stack);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('use only variables the stack defines, each one in the runbook\'s table', () => {
    const used = new Set(commands.flatMap((c) => [...c.matchAll(/\$([A-Z][A-Z_]+)/g)].map((m) => m[1]!)));
    expect([...used].filter((v) => !(v in env))).toEqual([]);
    const runbook = readFileSync(new URL('../../RUNBOOK.md', import.meta.url), 'utf8');
    for (const v of Object.keys(env)) expect(runbook).toContain(`| \`${v}\` |`);
    expect(commands.length).toBeGreaterThan(20);
  });

  it('writes them to a file only its user reads, as exports a shell takes', () => {
    const path = writeRunbookEnv(stack);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const r = spawnSync('sh', ['-c', `. '${path}' && printf '%s' "$REDIS_URL"`], { encoding: 'utf8' });
    expect(r.stdout).toBe(env.REDIS_URL);
  });

  it('exit 0 as written', () => {
    const failed: string[] = [];
    for (const c of commands) {
      // bash: the commands use $(...) and pipes; pipefail so a failing first stage is seen.
      const r = spawnSync('bash', ['-o', 'pipefail', '-c', c], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 0) failed.push(`${c}\n  -> exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    }
    expect(failed).toEqual([]);
  }, 300_000);
});

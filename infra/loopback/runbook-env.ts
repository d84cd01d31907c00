// The variables RUNBOOK.md's loopback commands use, with this stack's values. `npm run local`
// writes them as `export` lines to a file only its user can read (two of them hold passwords)
// and prints the `source` line for the responder's shell.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoopbackStack } from './stack.js';

/** Variable name -> value; the runbook's variables table lists the same names. */
export function runbookEnv(stack: LoopbackStack): Record<string, string> {
  return {
    FRONT_DOOR: stack.url,
    PROMETHEUS_URL: stack.prometheusUrl,
    ALERTMANAGER_URL: stack.alertmanagerUrl,
    STACK_DIR: stack.dir,
    DIRECT_DATABASE_URL: stack.directDatabaseUrl,
    POSTGRES_PORT: String(stack.services.postgres.port),
    REDIS_URL: stack.redisUrl,
  };
}

/** POSIX shell single quotes: every character literal but the quote itself. */
const shellQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

export function renderExports(env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`).join('\n');
}

/** Writes `<dir>/runbook.env` (mode 0600) and returns its path. */
export function writeRunbookEnv(stack: LoopbackStack): string {
  const path = join(stack.dir, 'runbook.env');
  writeFileSync(path, `${renderExports(runbookEnv(stack))}\n`, { mode: 0o600 });
  return path;
}

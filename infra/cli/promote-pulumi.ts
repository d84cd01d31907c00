// The one module that drives the Pulumi CLI for `npm run promote`: read a stack's outputs and
// the result of its last update, run `pulumi up`. Tests put a fake `pulumi` first on PATH (a
// script that records its arguments and answers like the CLI), so everything above this runs as is.
import { spawnSync } from 'node:child_process';
import { pulumiEnv } from './pulumi.js';

export class PromoteError extends Error {
  override name = 'PromoteError';
}

/** The parts of one entry of `pulumi stack history --json` read here. */
export interface UpdateSummary {
  version?: number;
  kind?: string;
  result?: string;
}

export interface Where {
  /** Where Pulumi.yaml is. */
  root: string;
  env: NodeJS.ProcessEnv;
}

/** How the Pulumi CLI is called: the same words are printed by --no-up. */
export const upArgs = (stack: string): string[] => ['up', '--yes', '--stack', stack];

function pulumi(where: Where, stack: string, args: string[]): string {
  const r = spawnSync('pulumi', args, {
    cwd: where.root, env: pulumiEnv(where.env, stack), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PromoteError(missing ? 'the Pulumi CLI is not installed (https://www.pulumi.com/docs/install/)' : `pulumi ${args.join(' ')}: ${r.error.message}`);
  }
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').find((l) => l.trim() !== '') ?? `exit ${r.status}`;
    throw new PromoteError(`pulumi ${args.join(' ')} failed: ${why}`);
  }
  return r.stdout;
}

function json<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new PromoteError(`${what} did not answer JSON: ${text.trim().slice(0, 120)}`);
  }
}

/** The stack's outputs (secret ones stay hidden: promote reads none of them). */
export function stackOutputs(where: Where, stack: string): Record<string, unknown> {
  return json(pulumi(where, stack, ['stack', 'output', '--json', '--stack', stack]), `pulumi stack output --stack ${stack}`);
}

/**
 * The stack's most recent `update` (a refresh or a destroy is not a deployment of the app),
 * or undefined when it has never been updated.
 */
export function lastUpdate(where: Where, stack: string): UpdateSummary | undefined {
  const history = json<UpdateSummary[]>(pulumi(where, stack, ['stack', 'history', '--json', '--page-size', '20', '--stack', stack]),
    `pulumi stack history --stack ${stack}`);
  // Newest first as the CLI lists them; the version orders them should a page come otherwise.
  const updates = history.filter((u) => u.kind === undefined || u.kind === 'update');
  return updates.sort((a, b) => (b.version ?? 0) - (a.version ?? 0))[0];
}

/** `pulumi up` on the stack, its output on the terminal; returns the exit status. */
export function up(where: Where, stack: string): number {
  const r = spawnSync('pulumi', upArgs(stack), { cwd: where.root, env: pulumiEnv(where.env, stack), stdio: 'inherit' });
  if (r.error) throw new PromoteError(`pulumi up: ${r.error.message}`);
  return r.status ?? 1;
}

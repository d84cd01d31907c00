// Another commit's loopback stack, started by that checkout's own code (`--baseline DIR`, a
// worktree of the commit): its app, its migrations, its nginx config, its replicas, on its own
// data services. The bench alternates it with this checkout's stack round by round, so the
// figures before and after a change meet the same host in the same minutes.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseStat } from '../lib/cpu.js';

/** What the bench needs of a stack, whichever commit's code started it. */
export interface MeasuredStack {
  url: string;
  adminKey: string;
  directDatabaseUrl: string;
  /** The cluster's postmaster: its process tree is this stack's database CPU. */
  readonly postgresPid: number | undefined;
  /** The replicas' processes, slot by slot (one not running has none). */
  replicas: readonly { readonly pid: number | undefined }[];
  stop(): Promise<void>;
}

interface BaselineModules {
  startStack(opts: { replicas?: number; dir?: string; config?: Record<string, unknown>; observability?: boolean }): Promise<Omit<MeasuredStack, 'postgresPid'> & { postgresPid?: number }>;
  LOAD_GENERATOR_STACK_CONFIG: Record<string, unknown>;
}

/** The parent of a process (from /proc), or undefined once it has gone. */
export function parentPid(pid: number): number | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).ppid;
  } catch {
    return undefined;
  }
}

/** The checkout at `dir`, checked to hold a loopback stack the bench can start. */
export function baselineRoot(dir: string): string {
  const root = resolve(dir);
  for (const f of ['infra/loopback/stack.ts', 'infra/loopback/load-generator.ts', 'node_modules']) {
    if (!existsSync(join(root, f))) throw new Error(`--baseline ${root}: no ${f} there (a worktree of the commit, after npm ci)`);
  }
  return root;
}

/**
 * Starts the checkout's stack with its own load-generator config and the bench's Redis size.
 * `backendPid` gives the postmaster of a commit whose stack does not name it: the parent of one
 * of its backends (the bench's probe), as every backend is the postmaster's child.
 */
export async function startBaselineStack(root: string, o: { replicas: number; dir: string; redisMaxMemoryMb: number }): Promise<MeasuredStack & { withPostmasterOf(backendPid: number): void }> {
  const at = (f: string) => import(pathToFileURL(join(root, f)).href);
  const { startStack } = await at('infra/loopback/stack.ts') as Pick<BaselineModules, 'startStack'>;
  const { LOAD_GENERATOR_STACK_CONFIG: lg } = await at('infra/loopback/load-generator.ts') as Pick<BaselineModules, 'LOAD_GENERATOR_STACK_CONFIG'>;
  const cache = { ...(lg.cache as Record<string, unknown> | undefined), redisMaxMemoryMb: o.redisMaxMemoryMb };
  const stack = await startStack({ replicas: o.replicas, observability: false, dir: o.dir, config: { ...lg, cache } });
  let postmaster: number | undefined;
  return {
    url: stack.url,
    adminKey: stack.adminKey,
    directDatabaseUrl: stack.directDatabaseUrl,
    get postgresPid() {
      return stack.postgresPid ?? postmaster;
    },
    replicas: stack.replicas,
    stop: () => stack.stop(),
    withPostmasterOf(backendPid) {
      postmaster = parentPid(backendPid);
    },
  };
}

// A stack whose replicas cannot start fails at once with the replica's own words, and leaves no
// process behind: everything it had started (PostgreSQL, PgBouncer, Redis, replicas) is stopped.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startStack } from './stack.js';

/** Processes whose command line mentions `text` (the stack's folder is in every one of them). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(text) && Number(pid) !== process.pid) found.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

it('reports a replica that exits on a bad setting, and stops everything it had started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-failing-'));
  try {
    const started = Date.now();
    await expect(startStack({ replicas: 2, observability: false, dir, appEnv: { LOG_LEVEL: 'loud' } }))
      .rejects.toThrow(/app-\d exited while starting[\s\S]*LOG_LEVEL/);
    // The replicas' readiness timeout is 30 s: their exit, not the timeout, ended the start.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(processesMentioning(dir)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

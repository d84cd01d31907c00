import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baselineRoot, parentPid } from './baseline-stack.js';

describe('the --baseline checkout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baseline-root-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused, naming what is missing, unless it holds a loopback stack and its packages', () => {
    expect(() => baselineRoot(dir)).toThrow(`--baseline ${dir}: no infra/loopback/stack.ts there (a worktree of the commit, after npm ci)`);
    mkdirSync(join(dir, 'infra/loopback'), { recursive: true });
    writeFileSync(join(dir, 'infra/loopback/stack.ts'), '');
    writeFileSync(join(dir, 'infra/loopback/load-generator.ts'), '');
    expect(() => baselineRoot(dir)).toThrow(`--baseline ${dir}: no node_modules there`);
    // This checkout is one.
    expect(baselineRoot('.')).toBe(process.cwd());
  });

  it("finds a process's parent in /proc (a backend's is its cluster's postmaster), and none once it has gone", () => {
    expect(parentPid(process.pid)).toBe(process.ppid);
    expect(parentPid(2 ** 30)).toBeUndefined();
  });
});

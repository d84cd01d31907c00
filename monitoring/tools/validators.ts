// The real validators (promtool, amtool) run on files written to a private temp folder.
// Test-side I/O only: the renderers themselves never touch the disk.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMTOOL = '/usr/bin/promtool';
export const AMTOOL = '/usr/bin/amtool';

export interface ToolResult {
  code: number | null;
  output: string;
}

export function runTool(command: string, args: string[], cwd?: string, timeoutMs = 240_000): ToolResult {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Writes `files` (name -> content) into a fresh folder, runs `fn` there, removes the folder. */
export function withFiles<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-check-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The real validators (promtool, amtool) run on files written to a private temp folder.
// Test-side I/O only: the renderers themselves never touch the disk.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
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

/** runTool without blocking the event loop, so that several tools can run side by side. */
export function runToolAsync(command: string, args: string[], cwd?: string, timeoutMs = 240_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, output: `${stdout}${stderr}${err !== null && code === null ? err.message : ''}` });
    });
  });
}

function writeFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-check-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** Writes `files` (name -> content) into a fresh folder, runs `fn` there, removes the folder. */
export function withFiles<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = writeFiles(files);
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** withFiles for an async `fn`: the folder is removed once its promise settles. */
export async function withFilesAsync<T>(files: Record<string, string>, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = writeFiles(files);
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

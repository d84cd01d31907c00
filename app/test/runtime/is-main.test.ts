// A module that is both a library and a command runs its command only as the entry point, and
// must know it is one through a symlinked path too: a linked node_modules (where the loopback
// stack's build lives) made `migrate` exit 0 without migrating.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isMainModule } from '../../src/is-main.js';

const dir = mkdtempSync(join(tmpdir(), 'is-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('isMainModule', () => {
  it('is true for the entry by its real path or through a symlink, false for another file or none', () => {
    writeFileSync(join(dir, 'a.js'), '');
    writeFileSync(join(dir, 'b.js'), '');
    symlinkSync(dir, join(dir, 'linked'));
    const url = pathToFileURL(join(dir, 'a.js')).href;
    expect(isMainModule(url, join(dir, 'a.js'))).toBe(true);
    expect(isMainModule(url, join(dir, 'linked', 'a.js'))).toBe(true);
    expect(isMainModule(url, join(dir, 'b.js'))).toBe(false);
    expect(isMainModule(url, undefined)).toBe(false);
    expect(isMainModule(url, join(dir, 'missing.js'))).toBe(false);
  });

  it('lets migrate run its command when started through a symlinked folder', () => {
    // With no database URL, the command refuses (exit 2); a module that did not see itself as
    // the entry would exit 0 having done nothing.
    const src = fileURLToPath(new URL('../../src', import.meta.url));
    symlinkSync(src, join(dir, 'src'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/DATABASE_URL/.test(k)));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'src', 'migrate.ts')], { env, encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout + r.stderr).toMatch(/DATABASE_URL .*is required/);
    expect(r.status).toBe(2);
  });
});

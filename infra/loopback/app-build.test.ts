// The loopback stack runs the app compiled: the build must have the image's layout (the
// migrations beside src/, found from the compiled migrate module) and be shared while the
// source is unchanged.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appBuild } from './app-build.js';

const APP = join(import.meta.dirname, '..', '..', 'app');

describe('the app build the loopback stack runs', () => {
  it('holds every entry point compiled, and the compiled migrate module finds the same migrations', async () => {
    const build = await appBuild();
    for (const entry of ['main', 'migrate', 'certs/main'] as const) {
      const { command, args } = build.command(entry);
      expect(command).toBe(process.execPath);
      expect(args).toEqual([join(build.dir, 'src', `${entry}.js`)]);
      expect(existsSync(args[0]!)).toBe(true);
    }
    // As in the image (app/dist beside app/migrations): the module's own ../migrations.
    const printed = execFileSync(process.execPath, [
      '--input-type=module', '-e', `const m = await import(${JSON.stringify(join(build.dir, 'src', 'migrate.js'))}); console.log(m.MIGRATIONS_DIR);`,
    ], { encoding: 'utf8' }).trim();
    expect(printed).toBe(join(build.dir, 'migrations'));
    expect(readdirSync(printed).sort()).toEqual(readdirSync(join(APP, 'migrations')).sort());
    // No test file is part of a release.
    const compiled = readdirSync(join(build.dir, 'src'), { recursive: true }) as string[];
    expect(compiled.filter((f) => f.endsWith('.test.js'))).toEqual([]);
    expect(compiled.filter((f) => f.endsWith('.js')).length).toBeGreaterThan(50);
  });

  it('is one build per version of the source: asked again, the same folder', async () => {
    const [a, b] = await Promise.all([appBuild(), appBuild()]);
    expect(a.dir).toBe(b.dir);
    expect((await appBuild()).id).toBe(a.id);
    expect(a.id).toMatch(/^[0-9a-f]{12}$/);
  });
});

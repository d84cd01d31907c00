// `npm install` warns EBADENGINE when an installed package's `engines.node` excludes the Node
// that runs npm. Every Node release our own `engines` admits must satisfy every installed
// package's range: checked at the oldest release of each admitted line (the ranges are floors).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};

/** The oldest release of each line `range` admits, from 18 up to 26. */
const floors = (range: string) => Array.from({ length: 9 }, (_, i) => 18 + i)
  .map((major) => semver.minSatisfying(Array.from({ length: 40 }, (_, m) => `${major}.${m}.0`), range))
  .filter((v): v is string => v !== null);

describe('engines', () => {
  it('admits only Node releases that every installed dependency supports', () => {
    const ours = floors(pkg.engines.node);
    expect(ours).toEqual(['20.19.0', '22.12.0', '24.0.0', '25.0.0', '26.0.0']);
    // Installed here: the lockfile's entries on disk (other platforms' optional binaries are not).
    const installed = Object.entries(lock.packages).filter(([path]) => path !== '' && existsSync(join(ROOT, path, 'package.json')));
    expect(installed.length).toBeGreaterThan(100);
    const refused = installed.flatMap(([path, entry]) => {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      return range ? ours.filter((v) => !semver.satisfies(v, range)).map((v) => `${path} (${range}) refuses Node ${v}`) : [];
    });
    expect(refused).toEqual([]);
  });
});

import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';
import { outsideTests } from './scripts/test-tiers.js';

const ROOT = import.meta.dirname;
const outside = new Set(outsideTests(ROOT));

/**
 * The files that start servers (the long ones: minutes) before the rest (seconds), keeping
 * vitest's own order within each group. On a clean clone vitest has no timings to sort by, and a
 * drill or an end-to-end run that starts last leaves one core idle while it finishes.
 */
class ServersFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isOutside = (f: TestSpecification) => outside.has(relative(ROOT, f.moduleId));
    return [...sorted.filter(isOutside), ...sorted.filter((f) => !isOutside(f))];
  }
}

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Integration tests start real servers; two cores means two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: ServersFirst },
    // A Pulumi mock run of the whole graph is CPU-bound: seconds when quiet, a minute at load 14.
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});

import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';
import { outsideTests } from './scripts/test-tiers.js';

const ROOT = import.meta.dirname;
const outside = outsideTests(ROOT);
const outsideSet = new Set(outside);
const EXCLUDE = ['**/node_modules/**', '**/dist/**'];

/**
 * The files that start servers (the long ones: minutes) before the rest (seconds), keeping
 * vitest's own order within each group. On a clean clone vitest has no timings to sort by, and a
 * drill or an end-to-end run that starts last leaves one core idle while it finishes.
 */
class ServersFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isOutside = (f: TestSpecification) => outsideSet.has(relative(ROOT, f.moduleId));
    return [...sorted.filter(isOutside), ...sorted.filter((f) => !isOutside(f))];
  }
}

export default defineConfig({
  test: {
    exclude: EXCLUDE,
    pool: 'forks',
    // Two files per core: a file that starts servers spends about half its time waiting (alert
    // `for` windows, drains, chaos phases, restores), and two per core kept 2 cores 82% busy
    // against 74% for three files on two cores (quiet: vitest's run 168 s against 211 s).
    maxWorkers: 2 * availableParallelism(),
    sequence: { sequencer: ServersFirst },
    // A Pulumi mock run of the whole graph is CPU-bound: seconds when quiet, a minute at load 14.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    projects: [
      // `npm run test:unit` (--project unit): the tests that start no server and run no outside
      // program (scripts/test-tiers.ts decides from each file's imports). One module graph per
      // worker, not per file: @pulumi/aws and the program are imported once (seconds of CPU
      // each time). These tests hold no state between files (no module mocks, no env writes);
      // the Pulumi mock runs set their own mocks and config each time.
      { extends: true, test: { name: 'unit', include: ['**/*.test.ts'], exclude: [...EXCLUDE, ...outside], isolate: false } },
      // The rest start servers or programs: a fresh process per file, so nothing one leaves behind reaches the next.
      { extends: true, test: { name: 'servers', include: outside } },
    ],
  },
});

// npm run test:unit: the tests that start no server and run no outside program
// (scripts/test-tiers.ts decides from each file's imports). `npm test` runs every test.
import { defineConfig } from 'vitest/config';
import { outsideTests } from './scripts/test-tiers.js';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', ...outsideTests(import.meta.dirname)],
    pool: 'forks',
    maxWorkers: 2,
    // One module graph per worker, not per file: @pulumi/aws and the program are imported once
    // (seconds of CPU each time). These tests hold no state between files (no module mocks, no
    // env writes); the Pulumi mock runs set their own mocks and config each time.
    isolate: false,
    // A Pulumi mock run of the whole graph is CPU-bound: seconds when quiet, a minute at load 14.
    testTimeout: 180_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Integration tests start real servers; two cores means two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    // A Pulumi mock run of the whole graph is CPU-bound: seconds when quiet, a minute at load 14.
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});

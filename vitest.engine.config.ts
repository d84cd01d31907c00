// The engine tier: the app image built from app/Dockerfile and run on a real Docker engine (a
// dockerd of the tier's own, started by infra/engine/global-setup.ts). Separate from `vitest run`
// (its files end in .engine-test.ts, which the main config's **/*.test.ts does not match): it
// needs root, Debian's docker.io and debootstrap, and minutes on a cold cache.
//   npx vitest run -c vitest.engine.config.ts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['infra/engine/**/*.engine-test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['infra/engine/global-setup.ts'],
    pool: 'forks',
    // One engine, one file at a time: containers on a vfs engine are heavy on a 2-core machine.
    fileParallelism: false,
    maxWorkers: 1,
    // Readiness is polled with deadlines of their own; these are the outer bounds.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});

import { defineConfig } from 'vitest/config';

// Tests share a 2-core machine: run files in parallel across forks, but keep long campaigns
// (fuzzing, benchmarks) out of `npm test`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // binaryen for the default (fast) executor, loaded before each test file: tests build
    // machines synchronously (about 0.5 s per file; see the file).
    setupFiles: ['test/helpers/load-fast-executor.ts'],
  },
});

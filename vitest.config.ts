import { defineConfig } from 'vitest/config';

// Tests share a 2-core machine: run files in parallel across forks, but keep long campaigns
// (fuzzing, benchmarks) out of `npm test`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  // tsconfig's `paths` map `dashscope-liveportrait` and `/testing` to src/, so the README's snippets
  // run as tests with the imports a user writes (test/testing/readme/).
  resolve: { tsconfigPaths: true },
  test: {
    include: ['test/**/*.test.ts'],
    // Generous bounds: timing is asserted with fake clocks, these only stop a hung test.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    restoreMocks: true,
  },
});

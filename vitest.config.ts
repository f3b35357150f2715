import { defineConfig } from 'vitest/config';

export default defineConfig({
  // tsconfig's `paths` map `dashscope-liveportrait` and `/testing` to src/, so the README's snippets
  // run as tests with the imports a user writes (test/testing/readme/).
  resolve: { tsconfigPaths: true },
  test: {
    include: ['test/**/*.test.ts'],
    // Only stop a hung test; timing is asserted with manual clocks. 60 s, because on a loaded CI machine
    // a CLI test that spawns the built binary four times took over 10 s (tests run one file at a time
    // on 2 cores). No `retry`: a flaky test is a defect to fix, not to rerun.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    restoreMocks: true,
  },
});

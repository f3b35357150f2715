import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous bounds: timing is asserted with fake clocks, these only stop a hung test.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    restoreMocks: true,
  },
});

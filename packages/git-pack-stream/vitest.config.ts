import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/test-support/build-dist.ts'],
    testTimeout: 60_000,
    passWithNoTests: true,
  },
});

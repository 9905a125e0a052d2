import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // The JSON report lets .ci/run count results; the default reporter stays for humans.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    // tfjs keeps global engine state; separate processes keep test files from sharing it.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

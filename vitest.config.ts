import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{services,packages,proto}/*/test/**/*.test.ts', 'proto/test/**/*.test.ts', 'deploy/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: more workers only thrash, and the end-to-end tests start their own processes.
    maxWorkers: 2,
  },
});

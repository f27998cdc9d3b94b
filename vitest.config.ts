import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['trader/**/*.test.ts', 'lib/**/*.test.ts', 'lambdas/**/*.test.ts', 'bin/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});

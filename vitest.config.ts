import { configDefaults, defineConfig } from 'vitest/config';

/** Restarts the machine's PostgreSQL and Redis under worker processes: it must run alone. */
const FAULTS = 'test/service-faults.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'native/*.ts'],
      exclude: ['**/*.test.ts'],
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'tests',
          include: ['src/**/*.test.ts', 'native/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, FAULTS],
        },
      },
      // A later group: starts only when every other file has finished.
      { extends: true, test: { name: 'faults', include: [FAULTS], sequence: { groupOrder: 1 } } },
    ],
  },
});

import { defineConfig } from 'vitest/config';

/**
 * Three projects, in two groups that never overlap (sequence.groupOrder):
 *   group 0 — `pglite`: every in-process test on the default embedded store (PGlite), and
 *             `postgres`: the node layer's tests again on PostgreSQL (the server at
 *             127.0.0.1:5432; override with FEDGRID_TEST_DATABASE_URL, or set it to `off` to
 *             skip that project when no server runs);
 *   group 1 — `e2e`: the tests that start separate node processes (packages/cli/test), one file
 *             at a time, with timeouts sized for a loaded 2-core machine. Each such file starts
 *             three or four node processes; running them beside the in-process suites (or two at
 *             a time) is what made them miss their timeouts.
 * The cross-process walkthrough runs its separate node processes on PostgreSQL, or on PGlite
 * with `off`.
 */
const postgresUrl =
  process.env['FEDGRID_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
// Tests that start separate node processes (and the console's browser tests, which drive one).
const e2e = ['packages/cli/test/**/*.test.ts', 'packages/console/test/browser/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true as const,
        test: {
          name: 'pglite',
          include: ['packages/*/test/**/*.test.ts'],
          exclude: e2e,
          sequence: { groupOrder: 0 },
          // Node tests use PGlite here.
          env: { FEDGRID_TEST_DATABASE_URL: '', FEDGRID_POSTGRES_URL: postgresUrl },
        },
      },
      ...(postgresUrl === 'off'
        ? []
        : [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ['packages/node/test/**/*.test.ts'],
                exclude: [
                  'packages/node/test/csv-import.test.ts',
                  'packages/node/test/job-spec.test.ts',
                ],
                sequence: { groupOrder: 0 },
                env: { FEDGRID_TEST_DATABASE_URL: postgresUrl },
              },
            },
          ]),
      {
        extends: true as const,
        test: {
          name: 'e2e',
          include: e2e,
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
          testTimeout: 600_000,
          hookTimeout: 600_000,
          // The cross-process walkthrough reads FEDGRID_POSTGRES_URL; the rest use PGlite.
          env: { FEDGRID_TEST_DATABASE_URL: '', FEDGRID_POSTGRES_URL: postgresUrl },
        },
      },
    ],
  },
});

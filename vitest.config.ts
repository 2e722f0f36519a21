import { defineConfig } from 'vitest/config';

/**
 * Two projects: every test on the default embedded store (PGlite), and the node layer's tests
 * again on PostgreSQL (the server at 127.0.0.1:5432; override with FEDGRID_TEST_DATABASE_URL,
 * or set it to `off` to skip that project when no server runs). The CLI walkthrough runs its
 * separate node processes on the same server, or on PGlite with `off`.
 */
const postgresUrl =
  process.env['FEDGRID_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: end-to-end suites start several node processes each.
    maxWorkers: 2,
    projects: [
      {
        extends: true as const,
        test: {
          name: 'pglite',
          include: ['packages/*/test/**/*.test.ts'],
          // Node tests use PGlite here; the cross-process walkthrough reads FEDGRID_POSTGRES_URL.
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
                env: { FEDGRID_TEST_DATABASE_URL: postgresUrl },
              },
            },
          ]),
    ],
  },
});

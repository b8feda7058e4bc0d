import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // DuckDB is a native addon: separate processes keep each test file's databases apart.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { STRATA_LOG_LEVEL: 'SILENT', STRATA_DUCKDB_MEMORY: '512MB' },
  },
});

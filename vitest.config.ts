import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // DuckDB is a native addon: separate processes keep each test file's databases apart.
    pool: 'forks',
    // A dependency of @middy/validator imports Node's deprecated punycode builtin; that warning (DEP0040) is not ours
    // to fix and would print once per test file. Every other warning still prints.
    execArgv: ['--disable-warning=DEP0040'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { STRATA_LOG_LEVEL: 'SILENT', STRATA_DUCKDB_MEMORY: '512MB' },
  },
});

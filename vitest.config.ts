import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The slowest test files, slowest first (per-file durations of a clean-clone CI run on 2 cores, 2026-12-04; before, 2026-12-02, after most CLI
 * tests moved in-process and withDuck began reusing instances; docs-browser, 8–24 s where Chromium is installed, is a
 * small file that would otherwise start late). vitest runs files longest first by the durations it cached on this
 * machine; a clean clone has none, and vitest then starts the largest files first, which leaves short files with long
 * runs (the fault harness, the README tour) for the end, one worker busy and the other idle. Order only: a file missing here still runs, a stale entry only costs time.
 */
const SLOWEST = [
  'test/catalog-consistency.property.test.ts', 'test/quarantine-settle.test.ts', 'test/compaction.test.ts', 'test/damaged-file-advice.property.test.ts',
  'test/gc-during-commit.property.test.ts', 'test/gold-incremental.property.test.ts', 'test/fault-harness.test.ts', 'test/quotas.test.ts', 'test/long-records.test.ts',
  'test/readme-tour.test.ts', 'test/bad-input.test.ts', 'test/launcher.test.ts', 'test/docs-browser.test.ts', 'test/catalog-catch-up.test.ts',
  'test/user-sql-sandbox.test.ts', 'test/quality-gates.test.ts', 'test/compaction-faults.test.ts', 'test/source-markers.property.test.ts',
  'test/watch.test.ts', 'test/cli.test.ts', 'test/gold-incremental-values.test.ts', 'test/append-keys.test.ts', 'test/schema-evolution.property.test.ts',
  'test/step-retry.test.ts', 'test/partitioned-write.test.ts', 'test/damage.test.ts', 'test/workflow.test.ts', 'test/exact-values.property.test.ts',
];

/** vitest's own order when it has a duration for every file; otherwise the slowest files above first. */
class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    if (files.every((f) => this.ctx.cache.getTestSpecificationResult(f))) return sorted;
    const rank = (f: TestSpecification) => {
      const i = SLOWEST.findIndex((s) => f.moduleId.endsWith(`/${s}`));
      return i < 0 ? SLOWEST.length : i;
    };
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // DuckDB is a native addon: separate processes keep each test file's databases apart.
    pool: 'forks',
    // Each worker process keeps the modules it has imported from one test file to the next (each file still runs its
    // own top level, hooks and tests): importing strata's graph (DuckDB's bindings, the AWS SDK, the interpreter) in
    // every file was a tenth of the suite's time (vitest's "import 11%", 1% without). What a module keeps (its shared
    // DuckDB instance, caches) carries over between files; each test makes its own lake, folders and databases.
    isolate: false,
    // One test file per core. vitest's default is one less than the cores (1 on a 2-core machine: every file in turn);
    // the files spend much of their time in child processes and file I/O, so two at once on two cores is faster.
    maxWorkers: '100%',
    sequence: { sequencer: SlowestFirst },
    // A dependency of @middy/validator imports Node's deprecated punycode builtin; that warning (DEP0040) is not ours
    // to fix and would print once per test file. Every other warning still prints.
    execArgv: ['--disable-warning=DEP0040'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { STRATA_LOG_LEVEL: 'SILENT', STRATA_DUCKDB_MEMORY: '512MB' },
  },
});

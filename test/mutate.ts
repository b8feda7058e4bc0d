// npm run mutate [-- <folder>…]: mutation testing (StrykerJS) of the compiler and the table protocol, one folder at a
// time, each with the test files that exercise it. Slow (minutes to hours per folder on two cores): not part of
// `npm test` or CI. Incremental: a run keeps its results in reports/stryker/<target>.incremental.json, and the next
// run tests only the mutants whose code or tests changed since. Reports: reports/stryker/<target>.html and .json.
//   npm run mutate -- core/plan                     one folder
//   npm run mutate -- core/plan/partitioning.ts     one file (with its folder's tests)
//   npm run mutate -- core/plan/cast                one folder within a folder (with the folder's tests)
//   npm run mutate -- core/dqdl/expectation.ts --tests test/dqdl-rules.test.ts,test/dqdl-parse.test.ts
//                                                   one file with the given tests (faster; the score is theirs)
//   npm run mutate -- core/dqdl --concurrency 2     test runners at once (default: stryker.config.json's 1)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Each folder and the tests that exercise it (the rest of the suite reaches it only through these paths). */
export const FOLDERS: Record<string, string[]> = {
  // fast unit tests only (no lake, no child process; DuckDB in memory): Stryker runs the covering ones once per mutant
  'core/dqdl': ['test/dqdl-expectation.test.ts', 'test/dqdl-parse.test.ts', 'test/dqdl-rules.test.ts', 'test/dqdl-sql.test.ts', 'test/dqdl-units.test.ts',
    'test/dqdl-compile.test.ts', 'test/dqdl-grammar.test.ts'],
  'core/plan': ['test/casts.test.ts', 'test/validation.test.ts', 'test/compile.test.ts', 'test/plan-lookup.test.ts', 'test/plan-sizing.test.ts',
    'test/partitioning.test.ts', 'test/access.test.ts', 'test/stacks-policy.test.ts'],
  'core/schema': ['test/schema-load.test.ts', 'test/schema-types.test.ts', 'test/schema-project.test.ts', 'test/schema-spec.test.ts'],
  'core/sql': ['test/sql-text.test.ts', 'test/sql-sandbox.test.ts'],
  'core/gold': ['test/gold-analyze.test.ts', 'test/gold-athena.test.ts'],
  'core/quality': ['test/quality-check.test.ts', 'test/quality-gates.test.ts', 'test/dqdl-rules.test.ts'],
  // core's own files (naming, errors, project): `core` mutates core/*.ts only, its folders are targets of their own
  core: ['test/naming.test.ts', 'test/stacks-resources.test.ts', 'test/schema-load.test.ts', 'test/check-all.test.ts'],
  'runtime/table': ['test/table-commit.test.ts', 'test/table-manifest.test.ts', 'test/table-gc.test.ts', 'test/table-rollback.test.ts', 'test/table-recover.test.ts',
    'test/table-damaged-file.test.ts', 'test/table-compact.test.ts', 'test/compaction.test.ts', 'test/silver-commit.test.ts', 'test/gold.test.ts', 'test/maintenance.test.ts', 'test/damage.test.ts', 'test/append-keys.test.ts'],
};

const args = process.argv.slice(2);
const at = args.indexOf('--tests');
const tests = at >= 0 ? args.splice(at, 2)[1]?.split(',').filter(Boolean) : undefined;
if (at >= 0 && !tests?.length) {
  console.error('--tests takes comma-separated test files');
  process.exit(2);
}
const ca = args.indexOf('--concurrency');
const concurrency = ca >= 0 ? Number(args.splice(ca, 2)[1]) : undefined;
if (ca >= 0 && !(Number.isInteger(concurrency) && concurrency! > 0)) {
  console.error('--concurrency takes a positive whole number');
  process.exit(2);
}
const targets = args.length ? args : Object.keys(FOLDERS);
for (const target of targets) {
  // the longest key that holds the target: core/plan/x.ts belongs to core/plan, core/naming.ts to core
  const folder = Object.keys(FOLDERS).filter((f) => target === f || target.startsWith(`${f}/`)).sort((a, b) => b.length - a.length)[0];
  if (!folder) {
    console.error(`${target}: not a folder mutation testing covers (${Object.keys(FOLDERS).join(', ')})`);
    process.exit(2);
  }
  const name = target.replace(/\.ts$/, '').replaceAll('/', '-');
  const base = JSON.parse(readFileSync('stryker.config.json', 'utf8'));
  const config = {
    ...base,
    ...(concurrency ? { concurrency } : {}),
    // a file; core's own files; or every file under a folder (core/plan/cast: a folder within its folder's target)
    mutate: [target.endsWith('.ts') ? target : target === 'core' ? 'core/*.ts' : `${target}/**/*.ts`],
    // a sandbox of its own, so that two targets can run at once; none copies the others' sandboxes
    tempDirName: `.stryker-tmp/${name}`,
    ignorePatterns: ['/.stryker-tmp'],
    incrementalFile: `reports/stryker/${name}.incremental.json`,
    jsonReporter: { fileName: `reports/stryker/${name}.json` },
    htmlReporter: { fileName: `reports/stryker/${name}.html` },
  };
  mkdirSync('reports/stryker', { recursive: true });
  const file = `reports/stryker/${name}.config.json`;
  writeFileSync(file, JSON.stringify(config, null, 2));
  const r = spawnSync('npx', ['stryker', 'run', file], { stdio: 'inherit', env: { ...process.env, STRATA_MUTATE_TESTS: (tests ?? FOLDERS[folder]!).join(',') } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

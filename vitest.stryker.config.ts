// The vitest configuration Stryker runs (stryker.config.json, test/mutate.ts): the suite's settings, with only the
// test files that exercise the folder being mutated (STRATA_MUTATE_TESTS, comma-separated globs).
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

const include = process.env.STRATA_MUTATE_TESTS?.split(',').filter(Boolean);

export default defineConfig({ ...base, test: { ...base.test, ...(include?.length ? { include } : {}) } });

// A real local storage for each test, in a temporary folder of its own (the table-protocol tests).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { LocalStorage } from '../../runtime/storage/local.ts';

/**
 * Before each test of the file, a LocalStorage over a new temporary folder (strata-<name>-…), given to `use` with the
 * folder; after it, the folder is removed.
 */
export function eachTestStorage(name: string, use: (dir: string, storage: LocalStorage) => void): void {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), `strata-${name}-`));
    use(dir, new LocalStorage(dir));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
}

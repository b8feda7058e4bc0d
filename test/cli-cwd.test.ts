// strataMain (test/helpers/cli.ts) runs a command in the folder it is given even when a module has replaced
// process.cwd: graceful-fs, which dependencies load, caches the folder and forgets it only through its own
// process.chdir. The helper changed folders around it (node:process's chdir), and in full runs, where a worker keeps
// the modules of earlier test files, commands now and then read the checkout's schemas/ (stops 50 to 52).
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { strataMain } from './helpers/cli.ts';
import { ordersSchema } from './helpers/lake.ts';

describe('strataMain under a patched process.cwd', () => {
  it('runs the command in its folder', async () => {
    createRequire(import.meta.url)('graceful-fs');
    expect(process.cwd()).not.toContain('strata-cwd-'); // graceful-fs caches the checkout's folder here
    const dir = await mkdtemp(join(tmpdir(), 'strata-cwd-'));
    try {
      await mkdir(join(dir, 'schemas'));
      await writeFile(join(dir, 'schemas', 'orders.yaml'), ordersSchema());
      const r = await strataMain(dir, 'check');
      expect(r.stdout, r.stderr).toMatch(/^ok: 1 dataset \(orders\)/);
      expect(process.cwd()).not.toContain('strata-cwd-');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

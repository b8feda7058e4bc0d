// A replaced version is kept in the manifest without the names of its files (runtime/table/manifest.ts
// RetiredVersion): a rollback lists its version folder for them (runtime/table/rollback.ts). On the real local
// storage, with commits made by the table protocol: any history of replacing, appending to and removing partitions,
// rolled back to any of its runs, gives back exactly the partitions that run left (their files as the folder lists
// them), and a folder holding more or fewer files than its version is refused with nothing changed (the footers'
// checks of a local rollback: test/rollback-listing.test.ts).
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { eachTestStorage } from './helpers/storage.ts';
import type { PartitionVersion, TableManifest } from '../runtime/table/manifest.ts';
import { rollbackTable } from '../runtime/table/rollback.ts';
import { commitTable, readManifest } from '../runtime/table/store.ts';

const ROOT = 'silver/t/';
const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
let dir: string;
let storage: LocalStorage;
eachTestStorage('retired', (d, s) => { dir = d; storage = s; });

/** What a run does to one partition: new files replace it, are appended to it (its files carried over), or it is removed. */
type Step = { kind: 'replace' | 'append'; sizes: number[] } | { kind: 'remove' };

/**
 * Run `run` as the table protocol commits it: each partition's new version built in its own folder (the files it
 * carries over copied in under their names, as the commit step links them), then one compare-and-swap.
 */
async function runOnce(run: string, steps: Record<string, Step>): Promise<void> {
  await commitTable(storage, {
    root: ROOT, shape, runId: run, at: new Date().toISOString(), kind: 'commit', paths: Object.keys(steps).sort(), source: { id: run, key: `bronze/${run}` },
    build: async (path, base, prefix): Promise<PartitionVersion | null> => {
      const step = steps[path]!;
      if (step.kind === 'remove') return null;
      const files: string[] = [];
      let bytes = 0;
      if (step.kind === 'append' && base) {
        for (const f of base.files) {
          const to = `${prefix}${f.slice(f.lastIndexOf('/') + 1)}`;
          await storage.copy(f, to);
          files.push(to);
        }
        bytes = base.bytes;
      }
      for (const [i, size] of step.sizes.entries()) {
        const key = `${prefix}part-${run}-${i}.parquet`;
        await storage.writeText(key, 'x'.repeat(size));
        files.push(key);
        bytes += size;
      }
      const rows = step.sizes.length + (step.kind === 'append' ? base?.rows ?? 0 : 0);
      return { path, values: [path.slice(3)], location: prefix, files, rows, bytes, runId: run, committedAt: '2025-06-01T00:00:00.000Z' };
    },
  });
}

const manifestNow = async (): Promise<TableManifest> => (await readManifest(storage, ROOT, shape)).manifest;
/** Partitions with their files in the order a folder lists them (a listing's order, not the build's). */
const sorted = (ps: Record<string, PartitionVersion>) => Object.fromEntries(Object.entries(ps).map(([p, v]) => [p, { ...v, files: [...v.files].sort() }]));

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom('replace' as const, 'append' as const), sizes: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 0, maxLength: 3 }) }),
  fc.constant({ kind: 'remove' as const }),
);
const runs = fc.array(fc.dictionary(fc.constantFrom('dt=1', 'dt=2', 'dt=3'), step, { minKeys: 1 }), { minLength: 2, maxLength: 7 });

describe('rollback to a version kept without its file names', () => {
  it('property: rolled back to any run, the table holds exactly the partitions that run left', async () => {
    await fc.assert(fc.asyncProperty(runs, fc.nat(), async (history, pick) => {
      await rm(join(dir, 'silver'), { recursive: true, force: true });
      const after: Array<Record<string, PartitionVersion>> = [];
      for (const [i, steps] of history.entries()) {
        await runOnce(`r${String(i).padStart(2, '0')}`, steps);
        after.push((await manifestNow()).partitions);
      }
      const m = await manifestNow();
      // what a commit retires holds no file names
      expect(m.retired.filter((r) => r.version.files !== undefined)).toEqual([]);
      expect(m.retired.every((r) => typeof r.version.fileCount === 'number')).toBe(true);
      const to = pick % history.length;
      await rollbackTable(storage, ROOT, shape, `r${String(to).padStart(2, '0')}`, 'undo');
      expect(sorted((await manifestNow()).partitions)).toEqual(sorted(after[to]!));
    }), { seed: 20261203, numRuns: 60 });
  }, 120_000);

  it('a folder with a file removed, added, or one swapped for another since it was replaced: Strata.UnreadableFile naming it, nothing changed', async () => {
    await runOnce('r1', { 'dt=1': { kind: 'replace', sizes: [5, 7] }, 'dt=2': { kind: 'replace', sizes: [3] } });
    await runOnce('r2', { 'dt=1': { kind: 'append', sizes: [4] } });
    await runOnce('r3', { 'dt=1': { kind: 'replace', sizes: [1] } });
    const v1 = 'silver/t/dt=1/v-r1/';
    const v2 = 'silver/t/dt=1/v-r2/';
    const before = await readFile(storage.path(layoutManifest()), 'utf8');
    const refused = (run: string, folder: string, files: number, committed: number) => ({
      name: 'Strata.UnreadableFile',
      message: `the version of silver.t partition dt=1 that run ${run} committed (${storage.uri(folder)}) now holds ${files} file${files === 1 ? '' : 's'} `
        + `where it was committed with ${committed}: its files were changed, added or removed after it was replaced, so it is not restored and nothing `
        + 'was changed. The way back: put its files back as they were, or roll back to another run (strata runs lists them)',
    });
    // removed
    const gone = `${v1}part-r1-1.parquet`;
    await rm(storage.path(gone));
    await expect(rollbackTable(storage, ROOT, shape, 'r1', 'undo')).rejects.toMatchObject(refused('r1', v1, 1, 2));
    await writeFile(storage.path(gone), 'x'.repeat(7));
    // added
    const stray = `${v2}notes.txt`;
    await writeFile(storage.path(stray), '');
    await expect(rollbackTable(storage, ROOT, shape, 'r2', 'undo')).rejects.toMatchObject(refused('r2', v2, 4, 3));
    await rm(storage.path(stray));
    // as many files, but not the same: one removed, another copied in under a new name
    const kept = await readFile(storage.path(`${v2}part-r1-0.parquet`));
    await rm(storage.path(`${v2}part-r1-0.parquet`));
    await writeFile(storage.path(`${v2}part-zz.parquet`), kept);
    await expect(rollbackTable(storage, ROOT, shape, 'r2', 'undo')).rejects.toMatchObject({
      name: 'Strata.UnreadableFile',
      message: `the version of silver.t partition dt=1 that run r2 committed (${storage.uri(v2)}) now holds 3 files, but not the ones it was committed with `
        + '(their names differ): its files were changed, added or removed after it was replaced, so it is not restored and nothing was changed. The way '
        + 'back: put its files back as they were, or roll back to another run (strata runs lists them)',
    });
    await rm(storage.path(`${v2}part-zz.parquet`));
    await writeFile(storage.path(`${v2}part-r1-0.parquet`), kept);
    expect(await readFile(storage.path(layoutManifest()), 'utf8')).toBe(before);
    // put back as they were: the rollback goes through
    expect((await stat(storage.path(gone))).size).toBe(7);
    await rollbackTable(storage, ROOT, shape, 'r2', 'undo');
    expect((await manifestNow()).partitions['dt=1']).toEqual({
      path: 'dt=1', values: ['1'], location: v2, files: [`${v2}part-r1-0.parquet`, `${v2}part-r1-1.parquet`, `${v2}part-r2-0.parquet`], rows: 3, bytes: 16, runId: 'r2',
      committedAt: '2025-06-01T00:00:00.000Z',
    });
  });
});

function layoutManifest(): string {
  return `${ROOT}_strata/manifest.json`;
}

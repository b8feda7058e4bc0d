// gc and folders strata did not write, over generated layouts: a v- folder no manifest names is deleted only when it
// sits where versions go, holds only part files (any file in an Athena batch folder v-<run>-b<n>/), is older than a
// day, and a write record names it exactly; any other
// (a user's copy named like strata's folders, another depth, other files, a record of another name) is kept whole.
// An expired version's folder loses strata's files only: a file a user saved in it stays.
// The rule is stated here from the README, not from the production predicate.
import { utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { gcTable } from '../runtime/table/gc.ts';
import { commitTable } from '../runtime/table/store.ts';
import { eachTestStorage } from './helpers/storage.ts';

const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
const NOW = new Date('2025-06-25T00:00:00.000Z');
const DAY = 86_400_000;

let storage: LocalStorage;
eachTestStorage('gc-user', (_d, s) => { storage = s; });

async function file(key: string, at: Date): Promise<void> {
  await storage.writeText(key, 'x');
  await utimes(storage.path(key), at, at);
  await utimes(dirname(storage.path(key)), at, at);
}

const folder = fc.record({
  name: fc.constantFrom('r9', 'r9-1', 'r9-b0', 'r1-1', 'r1-copy', 'backup', 'x-2'),
  where: fc.constantFrom('dt=1/', 'dt=2/', '', 'dt=1/sub/', 'x=1/'),
  file: fc.constantFrom('part-0.parquet', 'part-a.parquet', 'data.csv', 'README.md'),
  oldDays: fc.constantFrom(0, 2, 30),
  recorded: fc.boolean(),
});

describe('gc and folders strata did not write', () => {
  it('property: an unnamed v- folder goes only at a version\'s depth, holding part files, past a day, named by a write record', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.uniqueArray(folder, { minLength: 1, maxLength: 6, selector: (f) => `${f.where}v-${f.name}` }), fc.constantFrom('silver', 'gold' as const), async (folders, layer) => {
      const root = `${layer}/t${n++}/`;
      const s = { ...shape, table: `t${n}`, layer };
      await commitTable(storage, { root, shape: s, runId: 'r1', at: '2025-06-01T00:00:00.000Z', kind: 'commit', paths: ['dt=1'],
        build: async (path, _b, prefix) => {
          await file(`${prefix}part-0.parquet`, new Date(NOW.getTime() - 30 * DAY));
          return { path, values: ['1'], location: prefix, files: [`${prefix}part-0.parquet`], rows: 1, bytes: 1, runId: 'r1', committedAt: '2025-06-01T00:00:00.000Z' };
        } });
      for (const f of folders) {
        const at = new Date(NOW.getTime() - f.oldDays * DAY - 1);
        await file(`${root}${f.where}v-${f.name}/${f.file}`, at);
        if (f.recorded) await file(`${root}_strata/writes/${f.name}.json`, at);
      }
      await gcTable(storage, root, s, `silver.t${n}`, 365, { now: NOW });
      const recordedNames = new Set(folders.filter((f) => f.recorded).map((f) => f.name));
      for (const f of folders) {
        // Where versions go: one folder per partition key; or, for an Athena batch folder (gold only), the table's root.
        const batch = layer === 'gold' && /-b\d+$/.test(f.name);
        const atDepth = /^dt=[^/]+\/$/.test(f.where) || (f.where === '' && batch);
        // (An Athena batch folder, v-<run>-b<n>/, holds files Athena names: any of them is strata's there.)
        const strataFile = /^part-.*\.parquet$/.test(f.file) || batch;
        // (Folders sharing a name share their record: a record names every folder of its name.)
        const deleted = atDepth && strataFile && f.oldDays > 1 && recordedNames.has(f.name);
        expect(await storage.head(`${root}${f.where}v-${f.name}/${f.file}`), JSON.stringify(f)).toEqual(deleted ? undefined : expect.anything());
      }
      expect(await storage.head(`${root}dt=1/v-r1/part-0.parquet`)).toBeDefined(); // named by the manifest
    }), { seed: 48, numRuns: 60 });
  });

  it('property: an expired version\'s folder loses its part files; what else is in it stays, and is reported', async () => {
    let n = 0;
    const extra = fc.uniqueArray(fc.constantFrom('README.md', 'data.csv', 'notes/today.txt', 'part-9.parquet', 'part-0.parquet.bak'), { maxLength: 3 });
    // The replaced version's run: any id, one that ends like an Athena batch's (-b<digits>) too, in a silver table.
    await fc.assert(fc.asyncProperty(extra, fc.constantFrom('r1', '20261206T100000000Z-b12345', 'r1-b0'), async (added, first) => {
      const root = `silver/e${n++}/`;
      const s = { ...shape, table: `e${n}` };
      const commit = (runId: string, day: number) => commitTable(storage, { root, shape: s, runId, at: `2025-06-0${day}T00:00:00.000Z`, kind: 'commit', paths: ['dt=1'],
        build: async (path, _b, prefix) => {
          await file(`${prefix}part-0.parquet`, new Date(NOW.getTime() - 30 * DAY));
          return { path, values: ['1'], location: prefix, files: [`${prefix}part-0.parquet`], rows: 1, bytes: 1, runId, committedAt: `2025-06-0${day}T00:00:00.000Z` };
        } });
      await commit(first, 1);
      await commit('r2', 2); // v-<first> is a replaced version now, past any retention of 0 days
      for (const f of added) await file(`${root}dt=1/v-${first}/${f}`, new Date(NOW.getTime() - 30 * DAY));
      // A dry run says what it would keep, and deletes nothing.
      const dry = await gcTable(storage, root, s, `silver.e${n}`, 0, { now: NOW, dryRun: true });
      expect(await storage.head(`${root}dt=1/v-${first}/part-0.parquet`)).toBeDefined();
      const r = await gcTable(storage, root, s, `silver.e${n}`, 0, { now: NOW });
      expect(dry.keptForeign).toEqual(r.keptForeign);
      expect(r.expiredVersions).toBe(1);
      const theirs: string[] = added.filter((f) => !/^part-[^/]*\.parquet$/.test(f));
      for (const f of ['part-0.parquet', ...added]) {
        expect(await storage.head(`${root}dt=1/v-${first}/${f}`), f).toEqual(theirs.includes(f) ? expect.anything() : undefined);
      }
      expect(r.keptForeign ?? []).toEqual(theirs.map((f) => `${root}dt=1/v-${first}/${f}`).sort());
      expect(await storage.head(`${root}dt=1/v-r2/part-0.parquet`)).toBeDefined();
      // Kept for good: a later gc, with the folder no longer the manifest's, deletes nothing more of it.
      await gcTable(storage, root, s, `silver.e${n}`, 0, { now: new Date(NOW.getTime() + 10 * DAY) });
      for (const f of theirs) expect(await storage.head(`${root}dt=1/v-${first}/${f}`), f).toBeDefined();
    }), { seed: 50, numRuns: 15 });
  });
});

// Garbage collection of one table (runtime/table/gc.ts) on the real local storage, with commits made by the table
// protocol and file times set by hand: what expires, which folders are orphans, what is kept because something still
// names it, and that nothing is deleted when in doubt. Expected counts and bytes are worked out by hand.
import { utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { eachTestStorage } from './helpers/storage.ts';
import { gcCompactionResults, gcStaging, gcTable } from '../runtime/table/gc.ts';
import { COMPACTION_RESULT_DAYS, layout } from '../core/plan/layout.ts';
import { recordStaging } from '../runtime/table/staging.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { restorableCopy } from '../runtime/table/recover.ts';
import { commitTable, historyKey, readManifest } from '../runtime/table/store.ts';

const ROOT = 'silver/t/';
const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
const NOW = new Date('2025-06-25T00:00:00.000Z');
const DAY = 86_400_000;

let storage: LocalStorage;
eachTestStorage('gc', (_d, s) => { storage = s; });

/**
 * A file of `bytes` bytes whose modification time is `at`, and so is its folder's (the last file written there sets
 * it): a folder changed since counts as young (LocalStorage.list: linking files into it changes it).
 */
async function file(key: string, bytes: number, at: Date): Promise<void> {
  await storage.writeText(key, 'x'.repeat(bytes));
  await utimes(storage.path(key), at, at);
  await utimes(dirname(storage.path(key)), at, at);
}

/** Run `run` commits dt=1 at `at`, one file of 7 bytes, written a month before NOW. */
const commit = (run: string, at: string) => commitTable(storage, {
  root: ROOT, shape, runId: run, at, kind: 'commit', paths: ['dt=1'],
  build: async (path, _base, prefix) => {
    await file(`${prefix}part.txt`, 7, new Date(NOW.getTime() - 30 * DAY));
    return { path, values: ['1'], location: prefix, files: [`${prefix}part.txt`], rows: 1, bytes: 7, runId: run, committedAt: at };
  },
});
/** The record a writer leaves before it writes version folders of run `run` (layout.writeIntent), written at `at`. */
const wrote = (run: string, at: Date) => file(`${ROOT}_strata/writes/${run}.json`, 2, at);
const exists = async (key: string) => (await storage.head(key)) !== undefined;
const manifest = async (): Promise<TableManifest> => (await readManifest(storage, ROOT, shape)).manifest;

/** r1 (06-01), r2 (06-10, retires r1's version), r3 (06-20, retires r2's). */
async function threeRuns(): Promise<void> {
  await commit('r1', '2025-06-01T00:00:00.000Z');
  await commit('r2', '2025-06-10T00:00:00.000Z');
  await commit('r3', '2025-06-20T00:00:00.000Z');
}

describe('gcTable', () => {
  it('deletes versions retired before the window, keeps those retired within it, and trims the history before it', async () => {
    await threeRuns();
    // 10 days before 06-25 is 06-15: r1's version (retired 06-10) is past it, r2's (retired 06-20) is not
    expect(await gcTable(storage, ROOT, shape, 'silver.t', 10, { now: NOW })).toEqual({ table: 'silver.t', expiredVersions: 1, orphanFolders: 0, bytes: 7 });
    expect(await exists('silver/t/dt=1/v-r1/part.txt')).toBe(false);
    expect(await exists('silver/t/dt=1/v-r2/part.txt')).toBe(true);
    expect(await exists('silver/t/dt=1/v-r3/part.txt')).toBe(true);
    const m = await manifest();
    expect(m.retired.map((r) => r.version.location)).toEqual(['silver/t/dt=1/v-r2/']);
    expect(m.history.map((h) => [h.runId, h.changes.length, h.collected])).toEqual([['r1', 0, { partitions: 1, rows: 1 }], ['r2', 0, { partitions: 1, rows: 1 }], ['r3', 1, undefined]]);
    // the copy of this version is the manifest gc swapped in: a restore from it names no version gc deleted
    expect(JSON.parse((await storage.readText(historyKey(ROOT, m.version)))!)).toEqual(m);
    const restorable = await restorableCopy(storage, ROOT);
    expect(restorable.copy?.manifest.retired.map((r) => r.version.location)).toEqual(['silver/t/dt=1/v-r2/']);
  });

  it('a dry run reports the same and deletes nothing, not even from the manifest', async () => {
    await threeRuns();
    await wrote('dead', new Date('2025-06-01T00:00:00.000Z'));
    await file('silver/t/dt=1/v-dead/part-a.parquet', 5, new Date('2025-06-01T00:00:00.000Z'));
    const before = await storage.readVersioned(`${ROOT}_strata/manifest.json`);
    expect(await gcTable(storage, ROOT, shape, 'silver.t', 10, { now: NOW, dryRun: true })).toEqual({ table: 'silver.t', expiredVersions: 1, orphanFolders: 1, bytes: 12 });
    expect(await exists('silver/t/dt=1/v-r1/part.txt')).toBe(true);
    expect(await exists('silver/t/dt=1/v-dead/part-a.parquet')).toBe(true);
    expect(await storage.readVersioned(`${ROOT}_strata/manifest.json`)).toEqual(before);
  });

  it('orphans: a version folder nothing names goes once its newest file is more than a day old; _strata/ and other files are not folders', async () => {
    await commit('r1', '2025-06-01T00:00:00.000Z');
    const old = new Date(NOW.getTime() - DAY - 1);
    for (const run of ['r1', 'dead', 'young', 'mixed']) await wrote(run, old); // (r1's record as if written then too)
    await file('silver/t/dt=1/v-dead/part-a.parquet', 5, old);
    await file('silver/t/dt=1/v-dead/part-b.parquet', 3, old);
    await file('silver/t/dt=1/v-young/part-a.parquet', 5, new Date(NOW.getTime() - DAY)); // exactly a day: not more
    await file('silver/t/dt=1/v-mixed/part-a.parquet', 5, old);
    await file('silver/t/dt=1/v-mixed/part-b.parquet', 5, new Date(NOW.getTime() - 3600_000));
    await file('silver/t/_strata/v-x/part-a.parquet', 5, old);
    await file('silver/t/dt=1/loose.txt', 5, old);
    const etag = (await storage.readVersioned(`${ROOT}_strata/manifest.json`))!.etag;
    expect(await gcTable(storage, ROOT, shape, 'silver.t', 365, { now: NOW })).toEqual({ table: 'silver.t', expiredVersions: 0, orphanFolders: 1, bytes: 8 });
    expect(await exists('silver/t/dt=1/v-dead/part-a.parquet')).toBe(false);
    for (const k of ['silver/t/dt=1/v-young/part-a.parquet', 'silver/t/dt=1/v-mixed/part-a.parquet', 'silver/t/_strata/v-x/part-a.parquet', 'silver/t/dt=1/loose.txt', 'silver/t/dt=1/v-r1/part.txt']) expect(await exists(k), k).toBe(true);
    // nothing expired and no history past the window: the manifest is not rewritten
    expect((await storage.readVersioned(`${ROOT}_strata/manifest.json`))!.etag).toBe(etag);
    // The record of a folder that is gone goes (dead's); those of folders still there stay, named (r1's) or not.
    expect((await storage.list(`${ROOT}_strata/writes/`)).map((o) => o.key.split('/').at(-1)).sort()).toEqual(['mixed.json', 'r1.json', 'young.json']);
  });

  it('a v- folder strata did not write is never an orphan: at the wrong depth, inside another folder, holding other files, or of no run strata recorded (an attack, stop 47)', async () => {
    await commit('r1', '2025-06-01T00:00:00.000Z');
    const old = new Date(NOW.getTime() - 30 * DAY);
    const users = [
      'silver/t/v-notes/README.md', // at the root of a table partitioned by dt
      'silver/t/v-notes/part-a.parquet',
      'silver/t/dt=1/backup/v-old/part-a.parquet', // inside a folder of the partition
      'silver/t/dt=1/v-export/data.csv', // at a version's depth, holding what strata does not write there
      'silver/t/dt=1/v-export/part-a.parquet',
      'silver/t/x=1/v-other/part-a.parquet', // under a folder that is not the table's partition key
      'silver/t/dt=1/v-backup/part-0.parquet', // part files copied where versions are, named as strata names them,
      'silver/t/dt=1/v-r1-copy/part-0.parquet', // even after a run's id: no write record names these folders
      'silver/t/dt=1/v-r1-1/part-0.parquet', // (named as a second attempt of r1 would be, which r1 never made: an attack, stop 48)
      'silver/t/dt=1/v-crashed-x/part-0.parquet',
      'silver/t/dt=1/v-crashed-b1/part-0.parquet',
    ];
    for (const k of users) await file(k, 4, old);
    await wrote('crashed', old);
    await file('silver/t/dt=1/v-crashed/part-0.parquet', 6, old); // a crashed commit's folder: an orphan
    expect(await gcTable(storage, ROOT, shape, 'silver.t', 365, { now: NOW })).toEqual({ table: 'silver.t', expiredVersions: 0, orphanFolders: 1, bytes: 6 });
    for (const k of users) expect(await exists(k), k).toBe(true);
    expect(await exists('silver/t/dt=1/v-crashed/part-0.parquet')).toBe(false);
  });

  it('keeps what the catalog or the newest manifest copy names, expired or orphaned; the manifest drops it all the same', async () => {
    await threeRuns();
    for (const run of ['dead', 'old']) await wrote(run, new Date('2025-06-01T00:00:00.000Z'));
    await file('silver/t/dt=1/v-dead/part-a.parquet', 5, new Date('2025-06-01T00:00:00.000Z'));
    await file('silver/t/dt=1/v-old/part-a.parquet', 5, new Date('2025-06-01T00:00:00.000Z'));
    const copy = (version: number, location: string) => JSON.stringify({ version, partitions: { 'dt=1': { location } } });
    await storage.writeText(`${ROOT}_strata/history/7.json`, copy(99, 'silver/t/dt=1/v-dead/')); // the newest copy
    await storage.writeText(`${ROOT}_strata/history/8.json`, copy(98, 'silver/t/dt=1/v-old/'));
    const r = await gcTable(storage, ROOT, shape, 'silver.t', 10, { now: NOW, catalogLocations: async () => ['silver/t/dt=1/v-r1/'] });
    expect(r).toEqual({ table: 'silver.t', expiredVersions: 0, orphanFolders: 1, bytes: 5 });
    expect(await exists('silver/t/dt=1/v-r1/part.txt')).toBe(true);
    expect(await exists('silver/t/dt=1/v-dead/part-a.parquet')).toBe(true);
    expect(await exists('silver/t/dt=1/v-old/part-a.parquet')).toBe(false);
    expect((await manifest()).retired.map((x) => x.version.location)).toEqual(['silver/t/dt=1/v-r2/']);
  });

  it('an expired version the catalog still names leaves the manifest and stays; once nothing names it, it goes as an orphan by its record (an attack, stop 48: the record went, and the folder was kept for good)', async () => {
    const parquet = (run: string, at: string) => commitTable(storage, {
      root: ROOT, shape, runId: run, at, kind: 'commit', paths: ['dt=1'],
      build: async (path, _base, prefix) => {
        await file(`${prefix}part-0.parquet`, 7, new Date(NOW.getTime() - 30 * DAY));
        return { path, values: ['1'], location: prefix, files: [`${prefix}part-0.parquet`], rows: 1, bytes: 7, runId: run, committedAt: at };
      },
    });
    await parquet('r1', '2025-06-01T00:00:00.000Z');
    await parquet('r2', '2025-06-10T00:00:00.000Z');
    for (const run of ['r1', 'r2']) await wrote(run, new Date('2025-06-10T00:00:00.000Z')); // (the records as if written then)
    expect(await gcTable(storage, ROOT, shape, 'silver.t', 10, { now: NOW, catalogLocations: async () => ['silver/t/dt=1/v-r1/'] })).toMatchObject({ expiredVersions: 0, orphanFolders: 0 });
    expect((await manifest()).retired).toEqual([]);
    expect(await exists('silver/t/dt=1/v-r1/part-0.parquet')).toBe(true);
    expect(await exists(`${ROOT}_strata/writes/r1.json`)).toBe(true);
    expect(await gcTable(storage, ROOT, shape, 'silver.t', 10, { now: NOW })).toMatchObject({ orphanFolders: 1, bytes: 7 });
    expect(await exists('silver/t/dt=1/v-r1/part-0.parquet')).toBe(false);
    expect(await exists('silver/t/dt=1/v-r2/part-0.parquet')).toBe(true);
  });

  it('a gold table\'s Athena batch folders at its root (a partitioned table\'s files in folders inside them) are orphans by their records', async () => {
    const gold: TableShape = { table: 'g', layer: 'gold', schemaHash: 'h1', partitionKeys: ['day'] };
    const root = 'gold/g/';
    await commitTable(storage, { root, shape: gold, runId: 'r1', at: '2025-06-01T00:00:00.000Z', kind: 'publish', paths: [], build: async () => null });
    const old = new Date(NOW.getTime() - 30 * DAY);
    await file(`${root}_strata/writes/r9-b0.json`, 2, old);
    await file(`${root}v-r9-b0/day=2025-06-01/data_0.parquet`, 6, old); // a refresh on Athena that died after its UNLOAD
    await file(`${root}v-mine-b0/day=2025-06-01/data_0.parquet`, 4, old); // no record: kept
    expect(await gcTable(storage, root, gold, 'gold.g', 365, { now: NOW })).toMatchObject({ orphanFolders: 1, bytes: 6 });
    expect(await exists(`${root}v-r9-b0/day=2025-06-01/data_0.parquet`)).toBe(false);
    expect(await exists(`${root}v-mine-b0/day=2025-06-01/data_0.parquet`)).toBe(true);
  });

  it('in doubt, nothing is deleted and the reason is kept: a damaged manifest, a damaged copy, an unreadable catalog entry; no table is nothing to do', async () => {
    expect(await gcTable(storage, ROOT, shape, 'silver.t', 0, { now: NOW })).toEqual({ table: 'silver.t', expiredVersions: 0, orphanFolders: 0, bytes: 0 });
    await threeRuns();
    const kept = async (opts = {}) => {
      const r = await gcTable(storage, ROOT, shape, 'silver.t', 0, { now: NOW, ...opts });
      expect(await exists('silver/t/dt=1/v-r1/part.txt')).toBe(true);
      expect({ ...r, kept: undefined }).toEqual({ table: 'silver.t', expiredVersions: 0, orphanFolders: 0, bytes: 0, kept: undefined });
      return r.kept;
    };
    expect(await kept({ catalogLocations: async () => { throw new Error('entry silver.t is damaged'); } })).toBe('nothing deleted: entry silver.t is damaged');
    await storage.writeText(`${ROOT}_strata/history/5.json`, '{"vers');
    expect(await kept()).toBe(`nothing deleted: the manifest copy ${storage.uri(`${ROOT}_strata/history/5.json`)} cannot be read (run strata doctor)`);
    await storage.writeText(`${ROOT}_strata/manifest.json`, '{"vers');
    expect(await kept()).toMatch(/^the manifest of silver\.t \(.*\) is damaged \(.*\); nothing was changed\./);
  });

  it('a folder with no manifest is not a table strata made: nothing of it is deleted', async () => {
    await file('silver/t/dt=1/v-x/part-a.parquet', 5, new Date('2025-01-01T00:00:00.000Z'));
    expect(await gcTable(storage, ROOT, shape, 'silver.t', 0, { now: NOW })).toEqual({ table: 'silver.t', expiredVersions: 0, orphanFolders: 0, bytes: 0 });
    expect(await exists('silver/t/dt=1/v-x/part-a.parquet')).toBe(true);
  });

  it('history past the window alone is trimmed too; a table without copies (an older strata) and a version already gone are fine', async () => {
    await commit('r1', '2025-06-01T00:00:00.000Z');
    await storage.deletePrefix(`${ROOT}_strata/history/`);
    expect(await gcTable(storage, ROOT, shape, 'silver.t', 10, { now: NOW })).toEqual({ table: 'silver.t', expiredVersions: 0, orphanFolders: 0, bytes: 0 });
    expect((await manifest()).history.map((h) => [h.changes.length, h.collected])).toEqual([[0, { partitions: 1, rows: 1 }]]);
    await commit('r2', '2025-06-02T00:00:00.000Z');
    await storage.deletePrefix('silver/t/dt=1/v-r1/');
    expect(await gcTable(storage, ROOT, shape, 'silver.t', 10, { now: NOW })).toEqual({ table: 'silver.t', expiredVersions: 1, orphanFolders: 0, bytes: 0 });
    expect((await manifest()).retired).toEqual([]);
  });

  it('a swap lost 10 times: gc gives up, deleting nothing', async () => {
    await threeRuns();
    let swaps = 0;
    const losing = Object.create(storage, { putIfMatch: { value: async () => { swaps++; return { ok: false }; } } }) as LocalStorage;
    expect(await gcTable(losing, ROOT, shape, 'silver.t', 10, { now: NOW })).toEqual({ table: 'silver.t', expiredVersions: 0, orphanFolders: 0, bytes: 0 });
    expect(swaps).toBe(10);
    expect(await exists('silver/t/dt=1/v-r1/part.txt')).toBe(true);
  });

  it('a writer that commits between its read and its swap: gc reads again, and the writer\'s version stays', async () => {
    await threeRuns();
    let raced = false;
    const racing = Object.create(storage, {
      putIfMatch: {
        value: async (key: string, text: string, expected: string | undefined) => {
          if (!raced) {
            raced = true;
            await commitTable(storage, { root: ROOT, shape, runId: 'w', at: '2025-06-24T00:00:00.000Z', kind: 'commit', paths: ['dt=2'],
              build: async (path, _b, prefix) => ({ path, values: ['2'], location: prefix, files: [], rows: 0, bytes: 0, runId: 'w', committedAt: '' }) });
          }
          return storage.putIfMatch(key, text, expected);
        },
      },
    }) as LocalStorage;
    expect(await gcTable(racing, ROOT, shape, 'silver.t', 10, { now: NOW })).toEqual({ table: 'silver.t', expiredVersions: 1, orphanFolders: 0, bytes: 7 });
    const m = await manifest();
    expect(Object.keys(m.partitions).sort()).toEqual(['dt=1', 'dt=2']);
    expect(m.retired.map((x) => x.version.location)).toEqual(['silver/t/dt=1/v-r2/']);
  });
});

describe('gcStaging', () => {
  /** The record strata writes before staging folder `folder` (runtime/table/staging.ts), modified at `at` as file() does. */
  const record = async (folder: string, at: Date) => {
    const key = layout.stagingRecord(folder);
    await recordStaging(storage, folder, at.toISOString());
    await utimes(storage.path(key), at, at);
    await utimes(dirname(storage.path(key)), at, at);
  };

  it('deletes the staging folders strata recorded whose newest file is more than a day old, and their records; keeps what no record names', async () => {
    const old = new Date(NOW.getTime() - DAY - 1);
    // Inner folders first: making a folder changes the one holding it, which a file's time counts (file()).
    await file('staging/orders/run1/gold/g/part-0.parquet', 5, old);
    await file('staging/orders/run1/a', 3, old);
    await file('staging/orders/run1/b', 4, old);
    await record('staging/orders/run1/gold/g/', old);
    await record('staging/orders/run1/', old);
    await file('staging/orders/run2/a', 5, old);
    await file('staging/orders/run2/b', 5, new Date(NOW.getTime() - DAY));
    await record('staging/orders/run2/', old);
    // A record whose folder went (a removal killed between the two) goes once it is a day old.
    await record('staging/orders/run5/', old);
    // No record: a folder someone else made, a loose file, and a file under _strata/ that says nothing strata writes.
    await file('staging/orders/run3/a', 6, old);
    await file('staging/loose', 9, old);
    await file('staging/orders/_strata/run3.json', 2, old);
    expect(await gcStaging(storage, NOW, true)).toEqual({ folders: 1, bytes: 12, unrecorded: { objects: 3, folders: ['staging/loose', 'staging/orders/_strata/', 'staging/orders/run3/'] } });
    expect(await exists('staging/orders/run1/a')).toBe(true);
    expect(await gcStaging(storage, NOW)).toEqual({ folders: 1, bytes: 12, unrecorded: { objects: 3, folders: ['staging/loose', 'staging/orders/_strata/', 'staging/orders/run3/'] } });
    expect((await storage.list('staging/')).map((o) => o.key).sort()).toEqual([
      'staging/loose', 'staging/orders/_strata/run2.json', 'staging/orders/_strata/run3.json', 'staging/orders/run2/a', 'staging/orders/run2/b', 'staging/orders/run3/a',
    ]);
  });

  it('deletes compaction results a week old whose content is a compaction of their folder\'s dataset and run; keeps younger ones and anything else', async () => {
    const old = new Date(NOW.getTime() - COMPACTION_RESULT_DAYS * DAY - 1);
    const young = new Date(NOW.getTime() - COMPACTION_RESULT_DAYS * DAY + 1);
    // An attempt's run id: the execution's, and a suffix of its own (compactDataset).
    const result = (dataset: string, runId: string) => JSON.stringify({ dataset, runId: `${runId}-0a1b2c`, ms: 5, tables: [] });
    const put = async (key: string, text: string, at: Date) => {
      await storage.writeText(key, text);
      await utimes(storage.path(key), at, at);
    };
    const root = layout.compactionsRoot;
    await put(`${root}events/r1.json`, result('events', 'r1'), old);
    await put(`${root}events/r2.json`, result('events', 'r2'), young);
    await put(`${root}orders/r3.json`, result('orders', 'r3'), old);
    // Not strata's: another run's result under this name, another dataset's, no result at all, not JSON, not where
    // results are (a file beside the datasets' folders, a folder inside one).
    await put(`${root}events/r4.json`, result('events', 'r1'), old);
    await put(`${root}events/r40.json`, result('events', 'r4'), old);
    await put(`${root}events/r41.json`, JSON.stringify({ dataset: 'events', runId: 'r41', ms: 5, tables: [] }), old);
    await put(`${root}events/r5.json`, result('orders', 'r5'), old);
    await put(`${root}events/r6.json`, JSON.stringify({ dataset: 'events', runId: 'r6' }), old);
    await put(`${root}events/r7.json`, 'notes', old);
    await put(`${root}events/notes.txt`, result('events', 'notes.txt'), old);
    await put(`${root}r8.json`, result('', 'r8'), old);
    await put(`${root}events/x/r9.json`, result('x', 'r9'), old);
    // A local listing dates a file by its folder too, when that changed later (file()).
    for (const f of ['events/x/', 'events/', 'orders/', '']) await utimes(storage.path(`${root}${f}`), old, old);
    const kept = ['events/notes.txt', 'events/r4.json', 'events/r40.json', 'events/r41.json', 'events/r5.json', 'events/r6.json', 'events/r7.json', 'events/x/r9.json', 'r8.json'].map((k) => `${root}${k}`);
    const bytes = result('events', 'r1').length + result('orders', 'r3').length;
    expect(await gcCompactionResults(storage, NOW, true)).toEqual({ files: 2, bytes, kept });
    expect(await exists(`${root}events/r1.json`)).toBe(true);
    expect(await gcCompactionResults(storage, NOW)).toEqual({ files: 2, bytes, kept });
    expect((await storage.list(root)).map((o) => o.key).sort()).toEqual([`${root}events/r2.json`, ...kept].sort());
  });
});

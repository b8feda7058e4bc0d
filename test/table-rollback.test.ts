// Rolling a table back to a run (runtime/table/rollback.ts) on the real local storage, with commits made by the table
// protocol: which partitions change, which sources are forgotten, and the cases with nothing to do. Worked out by hand.
import { describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { eachTestStorage } from './helpers/storage.ts';
import { rollbackTable } from '../runtime/table/rollback.ts';
import { commitTable, readManifest } from '../runtime/table/store.ts';
import { gcTable } from '../runtime/table/gc.ts';

const ROOT = 'silver/t/';
const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
let storage: LocalStorage;
eachTestStorage('rollback', (_d, s) => { storage = s; });

/** Run `run` writes the given partitions (one row each) from source `source`. */
const commit = (run: string, paths: string[], source: string) => commitTable(storage, {
  root: ROOT, shape, runId: run, at: '2025-06-01T00:00:00.000Z', kind: 'commit', paths, source: { id: source, key: `bronze/${source}` },
  build: async (path, _base, prefix) => ({ path, values: [path.slice(3)], location: prefix, files: [], rows: 1, bytes: 0, runId: run, committedAt: '' }),
});
const locations = async () => Object.fromEntries(Object.entries((await readManifest(storage, ROOT, shape)).manifest.partitions).map(([p, v]) => [p, v.location]));

/** The storage, with `meanwhile` run once just before the first compare-and-swap of the manifest (another writer's turn). */
function beforeFirstSwap(meanwhile: () => Promise<void>): LocalStorage {
  let done = false;
  return new Proxy(storage, {
    get(t, prop, receiver) {
      if (prop !== 'putIfMatch') return Reflect.get(t, prop, receiver);
      return async (...a: Parameters<LocalStorage['putIfMatch']>) => {
        if (!done) {
          done = true;
          await meanwhile();
        }
        return t.putIfMatch(...a);
      };
    },
  });
}

describe('rollbackTable', () => {
  it('points every partition a later run changed back at its version then, removes those it added, and forgets the later runs\' sources', async () => {
    await commit('r1', ['dt=1', 'dt=3'], 's1');
    await commit('r2', ['dt=1', 'dt=2'], 's2');
    await commit('r3', ['dt=2', 'dt=3'], 's3');
    const r = await rollbackTable(storage, ROOT, shape, 'r1', 'undo');
    expect(r).toEqual({
      version: 4,
      // in partition order (the manifest holds them as dt=1, dt=3, dt=2)
      changes: [{ path: 'dt=1', from: 'silver/t/dt=1/v-r2/', to: 'silver/t/dt=1/v-r1/', rows: 1 }, { path: 'dt=2', from: 'silver/t/dt=2/v-r3/' },
        { path: 'dt=3', from: 'silver/t/dt=3/v-r3/', to: 'silver/t/dt=3/v-r1/', rows: 1 }],
      forgotten: ['s2', 's3'], restored: [],
    });
    expect(await locations()).toEqual({ 'dt=1': 'silver/t/dt=1/v-r1/', 'dt=3': 'silver/t/dt=3/v-r1/' });
    const m = (await readManifest(storage, ROOT, shape)).manifest;
    expect(Object.keys(m.sources)).toEqual(['s1']);
    expect(m.history.at(-1)).toMatchObject({ runId: 'undo', kind: 'rollback', to: 'r1' });
  });

  it('to a run in the middle: only the runs after it are undone; a partition removed since comes back', async () => {
    await commit('r1', ['dt=1'], 's1');
    await commit('r2', ['dt=2'], 's2');
    await commitTable(storage, { root: ROOT, shape, runId: 'r3', at: '2025-06-02T00:00:00.000Z', kind: 'commit', paths: ['dt=2'], source: { id: 's3', key: 'bronze/s3' }, build: async () => null });
    expect(await locations()).toEqual({ 'dt=1': 'silver/t/dt=1/v-r1/' });
    expect(await rollbackTable(storage, ROOT, shape, 'r2', 'undo')).toEqual({
      version: 4, changes: [{ path: 'dt=2', to: 'silver/t/dt=2/v-r2/', rows: 1 }], forgotten: ['s3'], restored: [],
    });
    expect(await locations()).toEqual({ 'dt=1': 'silver/t/dt=1/v-r1/', 'dt=2': 'silver/t/dt=2/v-r2/' });
  });

  it('to the current run, or twice to the same one: no new version, nothing forgotten', async () => {
    await commit('r1', ['dt=1'], 's1');
    await commit('r2', ['dt=1'], 's2');
    expect(await rollbackTable(storage, ROOT, shape, 'r2', 'undo')).toEqual({ version: 2, changes: [], forgotten: [], restored: [] });
    expect((await rollbackTable(storage, ROOT, shape, 'r1', 'undo1')).version).toBe(3);
    expect(await rollbackTable(storage, ROOT, shape, 'r1', 'undo2')).toEqual({ version: 3, changes: [], forgotten: [], restored: [] });
  });

  it('gc collecting the version a rollback points back at while it runs: the rollback stops, nothing points at a deleted folder', async () => {
    // r1 writes one real file; r2 replaces it
    await commitTable(storage, {
      root: ROOT, shape, runId: 'r1', at: '2025-06-01T00:00:00.000Z', kind: 'commit', paths: ['dt=1'], source: { id: 's1', key: 'bronze/s1' },
      build: async (path, _base, prefix) => {
        await storage.writeText(`${prefix}part-0.parquet`, 'x');
        return { path, values: ['1'], location: prefix, files: [`${prefix}part-0.parquet`], rows: 1, bytes: 1, runId: 'r1', committedAt: '' };
      },
    });
    await commit('r2', ['dt=1'], 's2');
    const v1 = 'silver/t/dt=1/v-r1/';
    // gc (retention 0, a day later) swaps the manifest just before the rollback's first compare-and-swap, then
    // deletes r1's folder: the rollback's next attempt builds on a manifest that no longer holds that version.
    let raced = false;
    const racing = beforeFirstSwap(async () => {
      raced = true;
      expect((await gcTable(storage, ROOT, shape, 't', 0, { now: new Date(Date.now() + 86_400_000) })).expiredVersions).toBe(1);
    });
    await expect(rollbackTable(racing, ROOT, shape, 'r1', 'undo')).rejects.toMatchObject({
      name: 'Strata.InvalidInput',
      message: `version ${v1} of t was garbage-collected while the rollback ran; nothing was changed (a run within the retention window can still be returned to: strata runs lists them)`,
    });
    expect(raced).toBe(true);
    expect(await locations()).toEqual({ 'dt=1': 'silver/t/dt=1/v-r2/' });
    expect(await storage.list(v1)).toEqual([]);
  });

  it('undoing a rollback (back to a run it undid) holds the sources it forgot again: ingesting them again is SKIPPED, not appended twice', async () => {
    await commit('r1', ['dt=1'], 's1');
    await commit('r2', ['dt=1'], 's2');
    expect(await rollbackTable(storage, ROOT, shape, 'r1', 'undo')).toMatchObject({ forgotten: ['s2'], restored: [] });
    expect(await rollbackTable(storage, ROOT, shape, 'r2', 'redo')).toMatchObject({ forgotten: [], restored: ['s2'] });
    expect(await locations()).toEqual({ 'dt=1': 'silver/t/dt=1/v-r2/' });
    expect(await commit('r3', ['dt=1'], 's2')).toMatchObject({ status: 'already', committedBy: 'r2' });
    // and back before both: s2 is forgotten again
    expect(await rollbackTable(storage, ROOT, shape, 'undo', 'again')).toMatchObject({ forgotten: ['s2'], restored: [] });
    expect(Object.keys((await readManifest(storage, ROOT, shape)).manifest.sources)).toEqual(['s1']);
  });

  it('a run committing while the rollback runs: the rollback stops and changes nothing (it would drop that run\'s rows and keep its source)', async () => {
    await commit('r1', ['dt=1'], 's1');
    await commit('r2', ['dt=1'], 's2');
    const racing = beforeFirstSwap(() => commit('r3', ['dt=1'], 's3').then(() => undefined));
    await expect(rollbackTable(racing, ROOT, shape, 'r1', 'undo')).rejects.toMatchObject({
      name: 'Strata.InvalidInput', message: 'run r3 committed to t while the rollback ran; nothing was changed (roll back again: strata runs lists the runs)',
    });
    expect(await locations()).toEqual({ 'dt=1': 'silver/t/dt=1/v-r3/' });
    expect(Object.keys((await readManifest(storage, ROOT, shape)).manifest.sources)).toEqual(['s1', 's2', 's3']);
  });

  it('gc collecting the history after the target while the rollback runs: the rollback stops (from an attack: it removed r2\'s rows and left its source in a marker)', async () => {
    await commit('r1', ['dt=1'], 's1');
    await commit('r2', ['dt=2'], 's2');
    const racing = beforeFirstSwap(async () => {
      expect((await gcTable(storage, ROOT, shape, 't', 0, { now: new Date(Date.now() + 86_400_000) })).archivedSources).toBe(2);
    });
    await expect(rollbackTable(racing, ROOT, shape, 'r1', 'undo')).rejects.toMatchObject({
      name: 'Strata.InvalidInput',
      message: expect.stringMatching(/^the history of t up to .* was garbage-collected; it can no longer be restored \(gc ran while the rollback ran; nothing was changed\)$/),
    });
    expect(await locations()).toEqual({ 'dt=1': 'silver/t/dt=1/v-r1/', 'dt=2': 'silver/t/dt=2/v-r2/' });
    expect(await commit('r3', ['dt=2'], 's2')).toMatchObject({ status: 'already', committedBy: 'r2' });
  });

  it('a run that never changed the table: Strata.InvalidInput, nothing committed', async () => {
    await commit('r1', ['dt=1'], 's1');
    await expect(rollbackTable(storage, ROOT, shape, 'nope', 'undo')).rejects.toMatchObject({ name: 'Strata.InvalidInput', message: 'run nope never changed table t (or its history was collected)' });
    expect((await readManifest(storage, ROOT, shape)).manifest.version).toBe(1);
  });
});

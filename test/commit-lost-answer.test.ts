// A swap that landed with its answer lost, and another writer's commit on top before the store's retry: the retry is
// refused (412) and the object holds the other writer's text, so the swap looks lost (runtime/storage/s3.ts putIfMatch).
// commitTable's next round finds its own source committed and discarded its folders against the current partitions
// only: its own version, retired by the writer on top (the rollback target, a reader's version), was deleted. A
// rollback in the same race said "nothing was changed" while the table held it. (An attack on this stop's fix, stop 49.)
import { describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import type { Storage } from '../runtime/storage/port.ts';
import { rollbackTable } from '../runtime/table/rollback.ts';
import { commitTable, readManifest, type CommitRequest } from '../runtime/table/store.ts';
import { eachTestStorage } from './helpers/storage.ts';

const ROOT = 'silver/t/';
const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
const AT = '2025-06-15T00:00:00.000Z';
let local: LocalStorage;
eachTestStorage('commit-lost-answer', (_d, s) => { local = s; });

const build = (storage: Storage): CommitRequest['build'] => async (path, _base, prefix) => {
  await storage.writeText(`${prefix}part.txt`, path);
  return { path, values: [path.slice(3)], location: prefix, files: [`${prefix}part.txt`], rows: 1, bytes: 1, runId: prefix, committedAt: AT };
};

/** `local`, but the first swap whose text holds `marker` lands, then `then` commits on top, and the swap is answered as lost. */
function losingAnswer(marker: string, then: () => Promise<unknown>): Storage {
  let tripped = false;
  return Object.create(local, {
    putIfMatch: { value: async (key: string, text: string, expected: string | undefined) => {
      const r = await local.putIfMatch(key, text, expected);
      if (tripped || !r.ok || !text.includes(marker)) return r;
      tripped = true;
      await then();
      return { ok: false, currentEtag: (await local.readVersioned(key))!.etag };
    } },
  }) as Storage;
}

describe('a swap that landed unseen, another writer on top', () => {
  it('a commit keeps the version folder it committed, retired by the writer on top', async () => {
    await commitTable(local, { root: ROOT, shape, runId: 'z', at: AT, kind: 'commit', paths: ['dt=1'], build: build(local) });
    const storage = losingAnswer('"s1"', () => commitTable(local, { root: ROOT, shape, runId: 'b', at: AT, kind: 'commit', paths: ['dt=1'], build: build(local) }));
    const r = await commitTable(storage, { root: ROOT, shape, runId: 'a', at: AT, kind: 'commit', paths: ['dt=1'], build: build(local), source: { id: 's1', key: 'bronze/x.csv' } });
    expect(r).toMatchObject({ status: 'already', committedBy: 'a' });
    const { manifest } = await readManifest(local, ROOT, shape);
    expect(manifest.retired.map((x) => x.version.location)).toContain('silver/t/dt=1/v-a/');
    expect((await local.list('silver/t/dt=1/v-a/')).map((o) => o.key)).toEqual(['silver/t/dt=1/v-a/part.txt']);
  });

  it('a rollback says it was done, not "nothing was changed"', async () => {
    await commitTable(local, { root: ROOT, shape, runId: 'r1', at: AT, kind: 'commit', paths: ['dt=1'], build: build(local), source: { id: 's1', key: 'k1' } });
    await commitTable(local, { root: ROOT, shape, runId: 'r2', at: AT, kind: 'commit', paths: ['dt=1'], build: build(local), source: { id: 's2', key: 'k2' } });
    const storage = losingAnswer('"rollback"', () => commitTable(local, { root: ROOT, shape, runId: 'r3', at: AT, kind: 'commit', paths: ['dt=2'], build: build(local), source: { id: 's3', key: 'k3' } }));
    const r = await rollbackTable(storage, ROOT, shape, 'r1', 'undo');
    const { manifest } = await readManifest(local, ROOT, shape);
    const entry = manifest.history.find((h) => h.kind === 'rollback' && h.runId === 'undo');
    expect(entry).toBeDefined();
    expect(r).toMatchObject({ version: entry!.version, forgotten: ['s2'] });
    expect(manifest.partitions['dt=1']!.location).toBe('silver/t/dt=1/v-r1/');
  });
});

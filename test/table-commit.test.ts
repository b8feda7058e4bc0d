// The table protocol's commit (runtime/table/store.ts) on the real local storage, with the concurrent writer placed
// deterministically: it commits from inside the first writer's build, between that writer's read and its
// compare-and-swap. What is rebuilt, what is reused, what is deleted and which folders are named how are worked out
// by hand from the protocol (store.ts header).
import { describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { eachTestStorage } from './helpers/storage.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { emptyManifest } from '../runtime/table/manifest.ts';
import { commitTable, readManifest, versionFolder, type CommitRequest } from '../runtime/table/store.ts';

const ROOT = 'silver/t/';
const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
const AT = '2025-06-15T00:00:00.000Z';

let storage: LocalStorage;
eachTestStorage('commit', (_d, s) => { storage = s; });

/** A build that writes one file into its folder and records the call: [path, base location, folder]. */
function builder(calls: Array<[string, string | undefined, string]>, rows = 1, during?: () => Promise<void>): CommitRequest['build'] {
  return async (path, base, prefix) => {
    calls.push([path, base?.location, prefix]);
    await storage.writeText(`${prefix}part.txt`, path);
    await during?.();
    return { path, values: [path.slice(3)], location: prefix, files: [`${prefix}part.txt`], rows, bytes: 1, runId: prefix, committedAt: AT };
  };
}

const request = (runId: string, paths: string[], build: CommitRequest['build'], extra: Partial<CommitRequest> = {}): CommitRequest =>
  ({ root: ROOT, shape, runId, at: AT, kind: 'commit', paths, build, ...extra });

const files = async () => (await storage.list(ROOT)).map((o) => o.key).filter((k) => !k.startsWith(`${ROOT}_strata/`));
const locations = (m: TableManifest) => Object.fromEntries(Object.entries(m.partitions).map(([p, v]) => [p, v.location]));

describe('commitTable', () => {
  it('a version folder is <root><path>/v-<run>[-<attempt>]/', () => {
    expect(versionFolder(ROOT, 'dt=1', 'r', 0)).toBe('silver/t/dt=1/v-r/');
    expect(versionFolder(ROOT, 'dt=1', 'r', 2)).toBe('silver/t/dt=1/v-r-2/');
    expect(versionFolder(ROOT, '', 'r', 1)).toBe('silver/t/v-r-1/');
  });

  it('a first commit on an empty table: status committed, the manifest written with its etag, the schema recorded', async () => {
    const schema = { hash: 'h1', columns: [{ name: 'id', type: 'bigint' }], partitionKeys: [{ name: 'dt', type: 'string' }] };
    const calls: Array<[string, string | undefined, string]> = [];
    const r = await commitTable(storage, request('a', ['dt=1'], builder(calls), { source: { id: 's1', key: 'bronze/x.csv' }, schema }));
    expect(r).toMatchObject({ status: 'committed', changes: [{ path: 'dt=1', to: 'silver/t/dt=1/v-a/', rows: 1 }] });
    expect(calls).toEqual([['dt=1', undefined, 'silver/t/dt=1/v-a/']]);
    const read = await readManifest(storage, ROOT, shape);
    expect(read.etag).toBe(r.etag);
    expect(read.manifest).toEqual(r.manifest);
    expect(read.manifest).toMatchObject({ version: 1, schema, sources: { s1: { runId: 'a', key: 'bronze/x.csv', at: AT } } });
  });

  it('a writer that lost the race rebuilds only the partitions the winner changed, on the winner\'s version, and deletes its stale folder', async () => {
    const a: Array<[string, string | undefined, string]> = [];
    const b: Array<[string, string | undefined, string]> = [];
    let raced = false;
    // B commits dt=1 while A is building (after A read the manifest, before A's compare-and-swap).
    const during = async () => {
      if (raced) return;
      raced = true;
      await commitTable(storage, request('b', ['dt=1'], builder(b, 5)));
    };
    const r = await commitTable(storage, request('a', ['dt=1', 'dt=2'], builder(a, 1, during)));
    expect(r.status).toBe('committed');
    // A built both on attempt 0; B's commit changed dt=1 only, so attempt 1 rebuilt dt=1 on B's version, and kept dt=2.
    expect(a).toEqual([
      ['dt=1', undefined, 'silver/t/dt=1/v-a/'],
      ['dt=2', undefined, 'silver/t/dt=2/v-a/'],
      ['dt=1', 'silver/t/dt=1/v-b/', 'silver/t/dt=1/v-a-1/'],
    ]);
    expect(locations(r.manifest)).toEqual({ 'dt=1': 'silver/t/dt=1/v-a-1/', 'dt=2': 'silver/t/dt=2/v-a/' });
    expect(r.manifest.version).toBe(2);
    expect(r.manifest.retired.map((x) => x.version.location)).toEqual(['silver/t/dt=1/v-b/']);
    // A's attempt-0 folder of dt=1 was built on a version that is no longer current: deleted. B's stays (retired, for rollback).
    expect((await files()).sort()).toEqual(['silver/t/dt=1/v-a-1/part.txt', 'silver/t/dt=1/v-b/part.txt', 'silver/t/dt=2/v-a/part.txt']);
  });

  it('a writer that lost the race to a commit of the same source returns already, names the winner and deletes everything it built', async () => {
    let raced = false;
    const during = async () => {
      if (raced) return;
      raced = true;
      await commitTable(storage, request('b', ['dt=1'], builder([]), { source: { id: 's1', key: 'bronze/x.csv' } }));
    };
    const r = await commitTable(storage, request('a', ['dt=1', 'dt=2'], builder([], 1, during), { source: { id: 's1', key: 'bronze/x.csv' } }));
    expect(r).toMatchObject({ status: 'already', committedBy: 'b', changes: [] });
    expect(locations(r.manifest)).toEqual({ 'dt=1': 'silver/t/dt=1/v-b/' });
    expect(await files()).toEqual(['silver/t/dt=1/v-b/part.txt']);
  });

  it('gives up after maxAttempts compare-and-swaps lost, with Strata.CommitConflict, and tries exactly that many times; no folder it built is left (attack, stop 38)', async () => {
    let n = 0;
    const attempts: string[] = [];
    // Every build of A is overtaken by another writer's commit.
    const build: CommitRequest['build'] = async (path, _base, prefix) => {
      attempts.push(prefix);
      await storage.writeText(`${prefix}part.txt`, path);
      await commitTable(storage, request(`other${++n}`, [path], builder([])));
      return { path, values: ['1'], location: prefix, files: [], rows: 0, bytes: 0, runId: 'a', committedAt: AT };
    };
    await expect(commitTable(storage, request('a', ['dt=1'], build, { maxAttempts: 3 }))).rejects.toMatchObject({
      name: 'Strata.CommitConflict', message: 'could not commit t after 3 attempts: too many concurrent writers',
    });
    expect(attempts).toEqual(['silver/t/dt=1/v-a/', 'silver/t/dt=1/v-a-1/', 'silver/t/dt=1/v-a-2/']);
    expect((await files()).filter((k) => k.includes('/v-a'))).toEqual([]);
  });

  it('builds the first attempt on the manifest the caller read (guard sees that very object), later attempts on a fresh read', async () => {
    await commitTable(storage, request('b', ['dt=1'], builder([])));
    const stale = await readManifest(storage, ROOT, shape);
    await commitTable(storage, request('c', ['dt=1'], builder([])));
    const seen: TableManifest[] = [];
    const calls: Array<[string, string | undefined, string]> = [];
    const r = await commitTable(storage, request('a', ['dt=1'], builder(calls), { read: stale, guard: (m) => { seen.push(m); } }));
    expect(seen[0]).toBe(stale.manifest);
    expect(seen.map((m) => m.version)).toEqual([1, 2]);
    expect(calls.map((c) => c[1])).toEqual(['silver/t/dt=1/v-b/', 'silver/t/dt=1/v-c/']);
    expect(r.manifest.version).toBe(3);
  });

  it('a guard that throws stops the commit before anything is built', async () => {
    const calls: Array<[string, string | undefined, string]> = [];
    await expect(commitTable(storage, request('a', ['dt=1'], builder(calls), { guard: () => { throw new Error('schema cannot evolve'); } })))
      .rejects.toThrow('schema cannot evolve');
    expect(calls).toEqual([]);
    expect(await readManifest(storage, ROOT, shape)).toMatchObject({ etag: undefined, manifest: { version: 0 } });
  });

  it('a guard that refuses the manifest a concurrent writer swapped in: the folders the earlier attempt built are removed, nothing is committed', async () => {
    let raced = false;
    const during = async () => {
      if (raced) return;
      raced = true;
      await commitTable(storage, request('b', ['dt=1'], builder([])));
    };
    // A builds on the empty table; B commits meanwhile; A's next attempt is refused on B's manifest.
    const guard = (m: TableManifest) => { if (m.version > 0) throw new Error('keys committed meanwhile'); };
    await expect(commitTable(storage, request('a', ['dt=1', 'dt=2'], builder([], 1, during), { guard }))).rejects.toThrow('keys committed meanwhile');
    expect(await files()).toEqual(['silver/t/dt=1/v-b/part.txt']);
    expect(locations((await readManifest(storage, ROOT, shape)).manifest)).toEqual({ 'dt=1': 'silver/t/dt=1/v-b/' });
  });

  it('a rollback forgets the sources it is told to, computed from the manifest it replaces', async () => {
    await commitTable(storage, request('a', ['dt=1'], builder([]), { source: { id: 's1', key: 'bronze/x.csv' } }));
    await commitTable(storage, request('b', ['dt=2'], builder([]), { source: { id: 's2', key: 'bronze/y.csv' } }));
    const seen: string[][] = [];
    const r = await commitTable(storage, request('undo-b', ['dt=2'], async () => null, {
      kind: 'rollback', sourcesAfter: (m) => { seen.push(Object.keys(m.sources)); return { forget: ['s2'], restore: {} }; },
    }));
    expect(seen).toEqual([['s1', 's2']]);
    expect(Object.keys(r.manifest.sources)).toEqual(['s1']);
    expect(locations(r.manifest)).toEqual({ 'dt=1': 'silver/t/dt=1/v-a/' });
  });

  it('a damaged manifest is Strata.UnreadableFile naming the file, the table and the way back (local: its history; S3: the previous version)', async () => {
    await storage.writeText('silver/t/_strata/manifest.json', '{"table": "t", "partit');
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await expect(commitTable(storage, request('a', ['dt=1'], builder([])))).rejects.toMatchObject({
      name: 'Strata.UnreadableFile',
      message: expect.stringMatching(new RegExp(`^the manifest of silver\\.t \\(${esc(storage.uri('silver/t/_strata/manifest.json'))}\\) is damaged \\(.+\\); nothing was changed\\. `
        + `The way back: strata doctor --repair restores it from the table's manifest history \\(${esc(storage.uri('silver/t/_strata/history/'))}\\); only silver\\.t is affected\\.$`)),
    });
    const s3 = Object.create(storage, { kind: { value: 's3' } }) as LocalStorage;
    await expect(readManifest(s3, ROOT, shape)).rejects.toThrow(/The way back: restore its previous version \(the lake bucket keeps replaced versions\), or its newest copy in .*silver\/t\/_strata\/history\/; only silver\.t is affected\.$/);
  });

  it('an empty manifest from a dataset plan is the silver table of that dataset, keyed by its partitions', async () => {
    expect(await readManifest(storage, ROOT, { dataset: 'orders', schemaHash: 'h9', partitions: [{ name: 'dt' }, { name: 'rg' }] })).toEqual({
      etag: undefined,
      manifest: { formatVersion: 2, table: 'orders', layer: 'silver', version: 0, schemaHash: 'h9', partitionKeys: ['dt', 'rg'], partitions: {}, sources: {}, history: [], retired: [], updatedAt: '1970-01-01T00:00:00.000Z' },
    });
  });
});

describe('the manifest\'s history and a table without a manifest', () => {
  const history = async () => (await storage.list(`${ROOT}_strata/history/`)).map((o) => o.key.slice(`${ROOT}_strata/history/`.length)).sort();

  it('every commit leaves a copy of its manifest in slot <version mod 10> of _strata/history/', async () => {
    for (let i = 1; i <= 11; i++) await commitTable(storage, request(`r${i}`, ['dt=1'], builder([])));
    expect(await history()).toEqual(['0.json', '1.json', '2.json', '3.json', '4.json', '5.json', '6.json', '7.json', '8.json', '9.json']);
    const copy = async (slot: number) => JSON.parse((await storage.readText(`${ROOT}_strata/history/${slot}.json`))!) as TableManifest;
    expect((await copy(1)).version).toBe(11); // version 1's copy was replaced by version 11's
    expect((await copy(0)).version).toBe(10);
    expect((await copy(9)).version).toBe(9);
    expect(await copy(1)).toEqual((await readManifest(storage, ROOT, shape)).manifest);
  });

  it('a manifest missing while its history exists: Strata.UnreadableFile naming both and the way back; a history of no copies is no history', async () => {
    await storage.writeText(`${ROOT}_strata/history/README`, 'not a copy');
    await storage.writeText(`${ROOT}_strata/history/1.json.bak`, 'not a copy either');
    expect(await readManifest(storage, ROOT, shape)).toMatchObject({ etag: undefined, manifest: { version: 0 } });
    await commitTable(storage, request('a', ['dt=1'], builder([])));
    await storage.delete([`${ROOT}_strata/manifest.json`]);
    await expect(readManifest(storage, ROOT, shape)).rejects.toMatchObject({
      name: 'Strata.UnreadableFile',
      message: `the manifest of silver.t (${storage.uri(`${ROOT}_strata/manifest.json`)}) is missing, but the table has a manifest history `
        + `(${storage.uri(`${ROOT}_strata/history/`)}): nothing was changed (a commit on an empty manifest would hide the table's data). `
        + 'The way back: strata doctor --repair restores it from that history; only silver.t is affected.',
    });
  });

  it('a manifest a first commit creates between the two looks is read, not reported missing', async () => {
    await commitTable(storage, request('a', ['dt=1'], builder([])));
    let looks = 0;
    const late = Object.create(storage, {
      readVersioned: { value: async (key: string) => (looks++ === 0 ? undefined : storage.readVersioned(key)) },
    }) as LocalStorage;
    expect((await readManifest(late, ROOT, shape)).manifest.version).toBe(1);
    expect(looks).toBe(2);
  });

  it('a manifest that never appears: creating it is tried 3 times beyond maxAttempts, then Strata.CommitConflict', async () => {
    let creations = 0;
    const never = Object.create(storage, {
      readVersioned: { value: async () => undefined },
      putIfMatch: { value: async () => { creations++; return { ok: false }; } },
    }) as LocalStorage;
    await expect(commitTable(never, request('a', ['dt=1'], builder([]), { maxAttempts: 2 }))).rejects.toMatchObject({ name: 'Strata.CommitConflict' });
    expect(creations).toBe(5);
  });

  it('valid JSON that is not a manifest is damaged: no version number, or no partitions object', async () => {
    for (const text of ['null', '{"version":"1","partitions":{}}', '{"version":1}', '{"version":1,"partitions":null}', '{"version":1,"partitions":"x"}']) {
      await storage.writeText(`${ROOT}_strata/manifest.json`, text);
      await expect(readManifest(storage, ROOT, shape), text).rejects.toMatchObject({ name: 'Strata.UnreadableFile', message: expect.stringContaining('is damaged (not a table manifest); nothing was changed.') });
    }
    await storage.writeText(`${ROOT}_strata/manifest.json`, '{"version":0,"partitions":{}}');
    expect((await readManifest(storage, ROOT, shape)).manifest).toEqual({ version: 0, partitions: {} });
  });

  it('data named as Hive, Athena and Spark name it (no extension, .parquet anywhere in the name) counts as data too (an attack, stop 58: 000000_0 was hidden)', async () => {
    for (const name of ['dt=2020/000000_0', 'part-00000', 'old.parquet.gz', 'x.PARQUET.bak']) {
      await storage.writeText(`${ROOT}${name}`, 'x');
      await expect(commitTable(storage, request('a', ['dt=1'], builder([]))), name).rejects.toMatchObject({ name: 'Strata.UnreadableFile', message: expect.stringContaining('holds 1 data file') });
      await storage.delete([`${ROOT}${name}`]);
    }
  });

  it('data in a table folder that has no manifest and no history is not started over: Strata.UnreadableFile, nothing written', async () => {
    await storage.writeText(`${ROOT}dt=1/old.parquet`, 'x');
    await storage.writeText(`${ROOT}dt=2/old.parquet`, 'x');
    const calls: Array<[string, string | undefined, string]> = [];
    await expect(commitTable(storage, request('a', ['dt=1'], builder(calls)))).rejects.toMatchObject({
      name: 'Strata.UnreadableFile',
      message: `${storage.uri(ROOT)} holds 2 data files, but silver.t has neither a manifest nor a manifest history (written by an older strata, `
        + 'or its _strata/ folder was deleted): a commit would start it empty and hide them; nothing was committed',
    });
    expect(calls).toEqual([]);
    expect(await storage.readVersioned(`${ROOT}_strata/manifest.json`)).toBeUndefined();
  });

  it('files under _strata/ alone are not data, nor files other than Parquet (a README.txt blocked every ingest: an attack, stop 58): the first commit creates the manifest and commits, and leaves them', async () => {
    await storage.writeText(`${ROOT}_strata/lock`, 'x');
    await storage.writeText(`${ROOT}README.txt`, 'mine');
    await storage.writeText(`${ROOT}backup/notes.md`, 'mine');
    await storage.writeText(`${ROOT}dt=1/_SUCCESS`, ''); // (Spark's marker: hidden to Hive and Athena too)
    const r = await commitTable(storage, request('a', ['dt=1'], builder([]), { maxAttempts: 1 })); // creating the manifest is not an attempt
    expect(r).toMatchObject({ status: 'committed', manifest: { version: 1 } });
    expect([await storage.readText(`${ROOT}README.txt`), await storage.readText(`${ROOT}backup/notes.md`)]).toEqual(['mine', 'mine']);
  });

  it('a writer that read "no manifest" while another created it: builds on the other\'s commit; with rebase: false it is lost', async () => {
    await commitTable(storage, request('b', ['dt=1'], builder([])));
    const none = { manifest: emptyManifest('t', 'silver', 'h1', ['dt']), etag: undefined };
    const calls: Array<[string, string | undefined, string]> = [];
    const r = await commitTable(storage, request('a', ['dt=1'], builder(calls), { read: none, maxAttempts: 1 }));
    expect(r).toMatchObject({ status: 'committed', manifest: { version: 2 } });
    expect(calls).toEqual([['dt=1', 'silver/t/dt=1/v-b/', 'silver/t/dt=1/v-a/']]);
    const lost = await commitTable(storage, request('c', ['dt=1'], builder(calls), { read: none, rebase: false }));
    expect(lost).toEqual({ status: 'lost' });
    expect(calls).toHaveLength(1);
    expect((await readManifest(storage, ROOT, shape)).manifest.version).toBe(2);
  });

  it('rebase: false, overtaken between its read and its swap: status lost, its folders deleted, the winner\'s manifest stands', async () => {
    await commitTable(storage, request('b', ['dt=1'], builder([])));
    let raced = false;
    const during = async () => { if (!raced) { raced = true; await commitTable(storage, request('c', ['dt=1'], builder([]))); } };
    const calls: Array<[string, string | undefined, string]> = [];
    const r = await commitTable(storage, request('a', ['dt=1', 'dt=2'], builder(calls, 1, during), { rebase: false }));
    expect(r).toEqual({ status: 'lost' });
    expect(calls.map((c) => c[2])).toEqual(['silver/t/dt=1/v-a/', 'silver/t/dt=2/v-a/']);
    expect((await files()).sort()).toEqual(['silver/t/dt=1/v-b/part.txt', 'silver/t/dt=1/v-c/part.txt']);
    expect(locations((await readManifest(storage, ROOT, shape)).manifest)).toEqual({ 'dt=1': 'silver/t/dt=1/v-c/' });
  });

  it('a rollback\'s target and a gold table\'s inputs reach the manifest', async () => {
    const r = await commitTable(storage, request('a', ['dt=1'], builder([]), { kind: 'rollback', rollbackTo: 'r0', derivedFrom: { 'silver.o': 3 } }));
    expect(r.manifest.history.at(-1)).toMatchObject({ kind: 'rollback', to: 'r0' });
    // a rollback drops derivedFrom (manifest.ts); a publish keeps the one it was given
    expect('derivedFrom' in r.manifest).toBe(false);
    const p = await commitTable(storage, request('b', ['dt=1'], builder([]), { kind: 'publish', derivedFrom: { 'silver.o': 3 } }));
    expect(p.manifest.derivedFrom).toEqual({ 'silver.o': 3 });
  });
});

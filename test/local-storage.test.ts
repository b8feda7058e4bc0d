// Local storage listing while other processes write beside it: lock folders (and the owner files in them) appear and
// vanish, temporary files are renamed. A listing must neither fail on what vanished during it nor come back empty
// while the folder holds files (the first commit of a table, gc and strata doctor decide on listings).
import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readHead } from '../runtime/ingest/file-head.ts';
import { LocalStorage } from '../runtime/storage/local.ts';

describe('local storage', () => {
  it('lists a folder whose lock folders come and go during the listing: never an error, never a file missing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-list-'));
    try {
      const storage = new LocalStorage(root);
      await storage.writeText('silver/t/dt=1/v-a/part-0.parquet', 'x');
      await storage.writeText('silver/t/_strata/manifest.json', '{}');
      let stop = false;
      // What a lock does (runtime/storage/lock.ts): a folder holding its owner, removed with it on release.
      const churn = (async () => {
        for (let i = 0; !stop; i++) {
          const dir = join(root, 'silver/t/_strata', `manifest.json.lock${i % 3}`);
          await mkdir(dir, { recursive: true });
          await writeFile(join(dir, 'owner'), 'pid');
          await rm(dir, { recursive: true, force: true });
        }
      })();
      try {
        // Enough listings that a walk meets a vanishing folder and a vanishing file many times (~60 of 500 each, measured).
        for (let i = 0; i < 500; i++) {
          const keys = (await storage.list('silver/t/')).map((o) => o.key);
          expect(keys).toEqual(expect.arrayContaining(['silver/t/_strata/manifest.json', 'silver/t/dt=1/v-a/part-0.parquet']));
        }
      } finally {
        stop = true;
        await churn;
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('writers and deleters in one folder: a write never fails because another\'s delete removed the folder, empty for a moment (staging records: a run FAILED under load)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-prune-'));
    try {
      const storage = new LocalStorage(root);
      // Six writers each write a record and delete it again, 300 times: delete prunes the folder when it is empty
      // (34 of 1,800 writes failed with ENOENT before writes made the folder again).
      const failures: string[] = [];
      await Promise.all([0, 1, 2, 3, 4, 5].map(async (w) => {
        for (let i = 0; i < 300; i++) {
          const key = `staging/orders/_strata/w${w}-${i}.json`;
          await storage.writeText(key, '{}').catch((e: Error) => failures.push(e.message));
          await storage.delete([key]);
        }
      }));
      expect(failures).toEqual([]);
      // A copy whose source is missing still fails as such.
      await expect(storage.putFile('staging/orders/x.csv', join(root, 'missing.csv'))).rejects.toThrow(/ENOENT[^]*missing\.csv/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('lists more files than it looks at between two turns of the event loop (2,000), each once with its size; removes a tree whole, not following links, siblings kept', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-tree-'));
    try {
      const storage = new LocalStorage(root);
      const keys = Array.from({ length: 4_500 }, (_, i) => `silver/t/dt=${i % 3}/v-a/sub${i % 2}/part-${i}.parquet`);
      for (let i = 0; i < keys.length; i += 500) await Promise.all(keys.slice(i, i + 500).map((k, j) => storage.writeText(k, 'x'.repeat((i + j) % 7))));
      await storage.writeText('silver/t2/keep.parquet', 'k'); // a sibling whose name starts like the prefix
      await mkdir(join(root, 'silver/t/dt=0/v-a/empty'));
      await symlink(join(root, 'silver/t2'), join(root, 'silver/t/dt=1/v-a/link'));
      const listed = await storage.list('silver/t/');
      expect(listed.map((o) => o.key)).toEqual([...keys].sort());
      expect(listed.map((o) => o.size)).toEqual([...keys].sort().map((k) => keys.indexOf(k) % 7));
      await storage.deletePrefix('silver/t/');
      expect(await readdir(join(root, 'silver'))).toEqual(['t2']);
      expect(await storage.list('silver/t2/')).toEqual([expect.objectContaining({ key: 'silver/t2/keep.parquet', size: 1 })]);
      await storage.deletePrefix('silver/none/'); // nothing there: nothing to do
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('copy onto a key that is already a link to the same file leaves no temporary name behind (rename does nothing then: .tmp-* files piled up, an attack, stop 53)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-copy-'));
    try {
      const storage = new LocalStorage(root);
      await storage.writeText('q/a.parquet', 'one');
      await storage.copy('q/a.parquet', 'q/b.parquet');
      await storage.copy('q/a.parquet', 'q/b.parquet');
      expect((await readdir(join(root, 'q'))).sort()).toEqual(['a.parquet', 'b.parquet']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('deleteIfMatch deletes the object looked at and nothing else: another file under the key (another size, or the same size and mtime) stays, and the key is never left empty', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-delif-'));
    try {
      const storage = new LocalStorage(root);
      await storage.writeText('q/a.parquet', 'one');
      const seen = (await storage.head('q/a.parquet'))!;
      await storage.copy('q/a.parquet', 'q/b.parquet');
      expect((await storage.head('q/b.parquet'))!.file).toBe(seen.file); // one file, two keys
      // Another file of the same size and mtime (a coarse clock, or the same millisecond): the same local ETag, not the same file.
      await storage.writeText('q/a.parquet', 'two');
      await utimes(join(root, 'q/a.parquet'), seen.lastModified, seen.lastModified);
      expect((await storage.head('q/a.parquet'))!.etag).toBe(seen.etag);
      expect(await storage.deleteIfMatch(seen)).toBe(false);
      expect(await storage.readText('q/a.parquet')).toBe('two');
      expect(await storage.deleteIfMatch({ key: 'q/a.parquet', etag: seen.etag })).toBe(true); // by ETag alone when the file is not known
      expect(await storage.deleteIfMatch(seen)).toBe(false); // gone
      const b = (await storage.head('q/b.parquet'))!;
      expect(await storage.deleteIfMatch({ ...b, etag: `${b.etag}0` })).toBe(false);
      expect(await storage.head('q/b.parquet')).toEqual(b);
      expect(await readdir(join(root, 'q'))).toEqual(['b.parquet']); // nothing moved aside
      expect(await storage.deleteIfMatch(b)).toBe(true);
      expect(await readdir(root)).toEqual([]); // no empty folder left
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
  it('reads a small file into buffers of its size: its content id, its bronze copy and the head of a CSV', async () => {
    // Buffers of 8 MiB (the content id) and 1 MiB (a read stream's chunk) for a file of a few bytes made each small
    // ingest allocate 10.5 MB and collect it: a full GC of the process per run (2026-12-05).
    const dir = await mkdtemp(join(tmpdir(), 'strata-local-'));
    const sizes: number[] = [];
    const spies = (['allocUnsafe', 'allocUnsafeSlow', 'alloc'] as const).map((m) => {
      const orig = Buffer[m].bind(Buffer);
      return vi.spyOn(Buffer, m).mockImplementation(((n: number, ...rest: never[]) => { sizes.push(n); return (orig as (n: number, ...r: never[]) => Buffer)(n, ...rest); }) as never);
    });
    try {
      const s = new LocalStorage(join(dir, 'lake'));
      await writeFile(join(dir, 'a.csv'), 'id,name\n1,Ann\n');
      const { key, contentId } = await s.putImmutable((id) => `bronze/t/${id}/a.csv`, join(dir, 'a.csv'), 'bronze/t/_tmp/');
      expect(await s.contentId(key)).toBe(contentId);
      expect((await readHead(s.path(key), 'none')).toString()).toBe('id,name\n1,Ann\n');
      expect((await readHead(s.path(key), 'none', 4)).toString()).toBe('id,n');
      expect(sizes.length).toBeGreaterThan(0);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(64 << 10);
    } finally {
      for (const spy of spies) spy.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

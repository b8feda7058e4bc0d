// Restoring a table's manifest from its history (runtime/table/recover.ts) on the real local storage: which copy is
// chosen (the newest that can be read and whose files all exist), what is passed over and why, and the swap that
// keeps a damaged manifest aside. Copies are written by hand.
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../runtime/storage/local.ts';
import { eachTestStorage } from './helpers/storage.ts';
import { restorableCopy, restoreManifest } from '../runtime/table/recover.ts';
import { writeHistoryCopy } from '../runtime/table/store.ts';

const ROOT = 'silver/t/';
const H = `${ROOT}_strata/history/`;
let storage: LocalStorage;
eachTestStorage('recover', (_d, s) => { storage = s; });

/** A manifest copy of `version` whose partitions hold the given files. */
const copy = (version: number, ...files: string[][]) => JSON.stringify({ version, partitions: Object.fromEntries(files.map((fs, i) => [`dt=${i}`, { files: fs }])) });

describe('restorableCopy', () => {
  it('no history: no copy, nothing skipped', async () => {
    expect(await restorableCopy(storage, ROOT)).toEqual({ skipped: [] });
  });

  it('the newest version whose files all exist, whatever its slot; newer ones are passed over, saying why', async () => {
    await storage.writeText('silver/t/dt=0/a.parquet', 'x');
    await storage.writeText('silver/t/dt=1/b.parquet', 'x');
    await storage.writeText(`${H}1.json`, copy(11, ['silver/t/dt=0/a.parquet', 'silver/t/gone1.parquet', 'silver/t/gone2.parquet']));
    await storage.writeText(`${H}2.json`, '{"version": 12, "parti');
    await storage.writeText(`${H}3.json`, '{"version": "13", "partitions": {}}');
    await storage.writeText(`${H}4.json`, '{"version": 14}');
    await storage.writeText(`${H}8.json`, copy(8, ['silver/t/dt=0/a.parquet'], ['silver/t/dt=1/b.parquet']));
    await storage.writeText(`${H}9.json`, copy(9, [], ['silver/t/gone3.parquet']));
    await storage.writeText(`${H}0.json`, copy(10, ['silver/t/dt=0/a.parquet'], ['silver/t/dt=1/b.parquet']));
    await storage.writeText(`${H}notes.txt`, 'not a copy');
    const r = await restorableCopy(storage, ROOT);
    expect(r.copy).toEqual({ key: `${H}0.json`, manifest: JSON.parse(copy(10, ['silver/t/dt=0/a.parquet'], ['silver/t/dt=1/b.parquet'])), text: copy(10, ['silver/t/dt=0/a.parquet'], ['silver/t/dt=1/b.parquet']) });
    const uri = (slot: number) => storage.uri(`${H}${slot}.json`);
    expect(r.skipped).toEqual([
      expect.stringMatching(new RegExp(`^${uri(2).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot be read \\(.+\\)$`)),
      `${uri(3)}: cannot be read (not a table manifest)`,
      `${uri(4)}: cannot be read (not a table manifest)`,
      `${uri(1)}: names 2 files that no longer exist, e.g. silver/t/gone1.parquet`,
    ]);
  });

  it('every copy names a missing file: none, each passed over', async () => {
    await storage.writeText(`${H}5.json`, copy(5, ['silver/t/gone.parquet']));
    expect(await restorableCopy(storage, ROOT)).toEqual({ skipped: [`${storage.uri(`${H}5.json`)}: names 1 file that no longer exists, e.g. silver/t/gone.parquet`] });
  });
});

describe('restoreManifest', () => {
  const c = { key: `${H}0.json`, manifest: JSON.parse(copy(10)), text: copy(10) };
  it('a missing manifest: the copy becomes it, nothing kept aside', async () => {
    expect(await restoreManifest(storage, ROOT, c)).toEqual({ restored: true });
    expect(await storage.readText(`${ROOT}_strata/manifest.json`)).toBe(copy(10));
    expect((await storage.list(`${ROOT}_strata/`)).map((o) => o.key)).toEqual([`${ROOT}_strata/manifest.json`]);
  });

  it('a damaged manifest is kept aside under the time of the repair, then replaced', async () => {
    await storage.writeText(`${ROOT}_strata/manifest.json`, '{"dam');
    expect(await restoreManifest(storage, ROOT, c, new Date('2025-06-15T10:20:30.456Z'))).toEqual({ restored: true, keptAside: `${ROOT}_strata/manifest.damaged-20250615T102030456Z.json` });
    expect(await storage.readText(`${ROOT}_strata/manifest.damaged-20250615T102030456Z.json`)).toBe('{"dam');
    expect(await storage.readText(`${ROOT}_strata/manifest.json`)).toBe(copy(10));
  });

  it('a manifest that changed between the look and the swap is left as it is: restored false', async () => {
    await storage.writeText(`${ROOT}_strata/manifest.json`, '{"dam');
    const racing = Object.create(storage, {
      putIfMatch: { value: async (key: string, text: string, expected: string | undefined) => {
        await storage.writeText(key, 'repaired by another');
        return storage.putIfMatch(key, text, expected);
      } },
    }) as LocalStorage;
    expect(await restoreManifest(racing, ROOT, c, new Date('2025-06-15T10:20:30.456Z'))).toEqual({ restored: false, keptAside: `${ROOT}_strata/manifest.damaged-20250615T102030456Z.json` });
    expect(await storage.readText(`${ROOT}_strata/manifest.json`)).toBe('repaired by another');
  });
});

describe('writeHistoryCopy', () => {
  it('never puts an older version over a newer one in its slot: a writer resumed after ten more commits keeps the newest copy (an attack, stop 50)', async () => {
    await writeHistoryCopy(storage, ROOT, 12, copy(12));
    await writeHistoryCopy(storage, ROOT, 2, copy(2)); // the late writer: slot 2 holds version 12 already
    expect(JSON.parse((await storage.readText(`${H}2.json`))!).version).toBe(12);
    await writeHistoryCopy(storage, ROOT, 22, copy(22)); // a newer version takes the slot
    expect(JSON.parse((await storage.readText(`${H}2.json`))!).version).toBe(22);
    await storage.writeText(`${H}3.json`, '{"version": 13, "parti'); // damaged: replaced by any version
    await writeHistoryCopy(storage, ROOT, 3, copy(3));
    expect(JSON.parse((await storage.readText(`${H}3.json`))!).version).toBe(3);
    // The same version: the text the table holds now wins (gc's, after its swap); a late writer's older text does not.
    const before = copy(6, ['silver/t/dt=0/old.parquet']);
    const after = copy(6);
    await storage.writeText(`${ROOT}_strata/manifest.json`, after);
    await writeHistoryCopy(storage, ROOT, 6, after); // gc's copy
    await writeHistoryCopy(storage, ROOT, 6, before); // the committer, resumed
    expect(await storage.readText(`${H}6.json`)).toBe(after);
    await storage.writeText(`${H}6.json`, before); // and the other way round
    await writeHistoryCopy(storage, ROOT, 6, after);
    expect(await storage.readText(`${H}6.json`)).toBe(after);
  });
});

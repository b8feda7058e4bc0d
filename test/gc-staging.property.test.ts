// gc and staging, over generated staging trees: a staging folder is deleted only when strata recorded writing it
// (its record staging/<dataset>/_strata/<folder>.json, written before the folder's first file, saying which folder) and
// nothing in it nor its record changed for a day; a run's folder goes whole, with the gold refresh folders inside it and
// their records. Everything else under staging/ stays byte for byte: folders no record names (a user's, or an earlier
// strata's), loose files, a file at a record's key that says nothing strata writes, files beside the records, and
// recorded folders of the last day. The rule is stated here from the README, not from the production code; the tree
// is built on the real local storage with file times set by hand.
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../runtime/storage/local.ts';
import { gcStaging } from '../runtime/table/gc.ts';
import { eachTestStorage } from './helpers/storage.ts';

const NOW = new Date('2025-06-25T00:00:00.000Z');
const DAY = 86_400_000;

let storage: LocalStorage;
eachTestStorage('gc-staging', (_d, s) => { storage = s; });

const FILES = ['data/__ok=true/dt=1/part-0.parquet', 'stage.json', 'held/held.parquet', 'notes.txt'];

const entry = fc.record({
  dataset: fc.constantFrom('orders', 'events'),
  // "_x": no run's folder (run ids never begin with "_"), whatever record names it.
  run: fc.constantFrom('r1', '20251201T000000000Z-0a1b2c', 'mine', '_x'),
  sub: fc.constantFrom('', 'gold/daily/'),
  files: fc.subarray(FILES),
  fileDays: fc.constantFrom(0, 2),
  record: fc.constantFrom('none', 'strata', 'foreign'),
  recordDays: fc.constantFrom(0, 2),
  /** A file someone saved beside the records, where no record goes: staging/<dataset>/_strata/<run>/[<sub>]notes.txt. */
  beside: fc.boolean(),
});
type Entry = typeof entry extends fc.Arbitrary<infer T> ? T : never;

const folderOf = (e: Entry) => `staging/${e.dataset}/${e.run}/${e.sub}`;
const recordKey = (e: Entry) => `staging/${e.dataset}/_strata/${e.run}${e.sub ? `/${e.sub.slice(0, -1)}` : ''}.json`;
const at = (days: number) => new Date(NOW.getTime() - days * DAY - 1);

/** Every folder under `dir`, to date them long ago: here a file's own time says how old it is. */
async function folders(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (d.isDirectory()) out.push(join(dir, d.name), ...await folders(join(dir, d.name)));
  }
  return out;
}

describe('gc and staging folders', () => {
  it('property: a staging folder goes only when its record says strata wrote it and nothing of it changed for a day; the rest stays byte for byte', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(entry, { minLength: 1, maxLength: 7, selector: folderOf }), fc.boolean(),
      async (entries, loose) => {
        await storage.deletePrefix('staging/');
        const content = new Map<string, string>();
        const times = new Map<string, number>();
        const put = async (key: string, text: string, when: Date) => {
          await storage.writeText(key, text);
          await utimes(storage.path(key), when, when);
          content.set(key, text);
          times.set(key, when.getTime());
        };
        for (const [i, e] of entries.entries()) {
          for (const [j, f] of e.files.entries()) await put(`${folderOf(e)}${f}`, 'x'.repeat(i * 4 + j + 1), at(e.fileDays));
          if (e.record === 'strata') await put(recordKey(e), JSON.stringify({ folder: folderOf(e), at: at(e.recordDays).toISOString() }), at(e.recordDays));
          // A file at a record's key that is no record: a note, or a record of another folder.
          if (e.record === 'foreign') await put(recordKey(e), i % 2 ? 'my notes' : JSON.stringify({ folder: 'staging/other/x/' }), at(e.recordDays));
          if (e.beside) await put(`staging/${e.dataset}/_strata/${e.run}/${e.sub}notes.txt`, 'beside', at(2));
        }
        if (loose) await put('staging/orders/loose.txt', 'loose', at(2));
        for (const d of await folders(storage.path('staging'))) await utimes(d, at(30), at(30));

        // The model. A recorded folder's outermost recorded folder: its run's when that is recorded.
        const recorded = entries.filter((e) => e.record === 'strata' && !e.run.startsWith('_'));
        const outermost = (key: string) => recorded.map(folderOf).filter((f) => key.startsWith(f)).sort((a, b) => a.length - b.length)[0];
        const recordOwner = new Map(recorded.map((e) => [recordKey(e), folderOf(e)]));
        const ownerOf = (key: string): string | undefined => {
          const own = recordOwner.get(key);
          return own ? outermost(own) : outermost(key);
        };
        // A folder's age: the newest of everything that goes with it.
        const newest = new Map<string, number>();
        for (const [k, t] of times) {
          const o = ownerOf(k);
          if (o) newest.set(o, Math.max(newest.get(o) ?? 0, t));
        }
        const gone = new Set([...newest].filter(([, t]) => NOW.getTime() - t > DAY).map(([f]) => f));
        const expected = [...content.keys()].filter((k) => { const o = ownerOf(k); return !(o && gone.has(o)); }).sort();
        const goneFolders = [...gone].filter((f) => [...content.keys()].some((k) => k.startsWith(f)));
        const goneBytes = [...content].filter(([k]) => gone.has(outermost(k) ?? '')).reduce((a, [, t]) => a + t.length, 0);
        const unrecorded = [...content.keys()].filter((k) => !ownerOf(k));

        const r = await gcStaging(storage, NOW);
        const left = (await storage.list('staging/')).map((o) => o.key).sort();
        const label = JSON.stringify({ entries, loose });
        expect(left, label).toEqual(expected);
        for (const k of left) expect(await storage.readText(k), k).toBe(content.get(k));
        expect(r, label).toMatchObject({ folders: goneFolders.length, bytes: goneBytes, unrecorded: { objects: unrecorded.length } });
      }), { numRuns: Number(process.env.STRATA_PROPERTY_RUNS ?? 60) });
  });
});

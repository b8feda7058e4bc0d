// Which source objects a table holds decides whether ingesting one again commits it (runtime/table/store.ts
// committedSource): the manifest's `sources`, and the source markers gc moves them to once their runs can no longer be
// undone (runtime/table/manifest.ts collectGarbage). On the real local storage, through the table protocol: whatever
// the order of ingests (new objects and the same ones again), rollbacks (to any run, an undone one included) and gc
// (everything past, or nothing; the manifest keeping 0–2 collected history entries and archiving the rest), a source
// counts as committed exactly when the table's state holds its run's rows, by the run that committed it; so an object
// is never committed twice, and one whose rows a rollback removed can be ingested again. And the whole history,
// archives and manifest, has one entry for every version.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import { layout } from '../core/plan/layout.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { eachTestStorage } from './helpers/storage.ts';
import { gcTable } from '../runtime/table/gc.ts';
import type { PartitionVersion, TableManifest } from '../runtime/table/manifest.ts';
import { rollbackTable } from '../runtime/table/rollback.ts';
import { commitTable, committedSource, fullHistory, historyKey, readManifest } from '../runtime/table/store.ts';

const ROOT = 'silver/t/';
const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
const SOURCES = 4;
let dir: string;
let storage: LocalStorage;
eachTestStorage('sources', (d, s) => { dir = d; storage = s; });

/** An append of one file to dt=1 from source `s`, as the commit step makes it (the files it carries over linked in). */
async function ingest(run: string, s: number): Promise<'committed' | 'already'> {
  const r = await commitTable(storage, {
    root: ROOT, shape, runId: run, at: new Date().toISOString(), kind: 'commit', paths: ['dt=1'], source: { id: `s${s}`, key: `bronze/t/s${s}.csv` },
    build: async (path, base, prefix): Promise<PartitionVersion> => {
      const files: string[] = [];
      for (const f of base?.files ?? []) {
        const to = `${prefix}${f.slice(f.lastIndexOf('/') + 1)}`;
        await storage.copy(f, to);
        files.push(to);
      }
      files.push(`${prefix}part-${run}.parquet`);
      await storage.writeText(files.at(-1)!, 'x');
      return { path, values: ['1'], location: prefix, files, rows: files.length, bytes: files.length, runId: run, committedAt: new Date().toISOString() };
    },
  });
  return r.status === 'already' ? 'already' : 'committed';
}

type Op =
  | { kind: 'ingest'; s: number }
  | { kind: 'rollback'; pick: number }
  // gc past the whole history (cut undefined) or up to one entry of it, keeping 0–2 collected history entries
  | { kind: 'gc'; cut?: number; keep: number }
  // a gc that writes its markers and archive, then dies (or loses its swap) before the manifest swap
  | { kind: 'gc-dies'; keep: number }
  // strata doctor --repair's restore: the manifest replaced by its newest history copy (gc writes none, so the copy is
  // the same version as before gc)
  | { kind: 'restore' };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ingest' as const), s: fc.nat({ max: SOURCES - 1 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('rollback' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('gc' as const), cut: fc.option(fc.nat(), { nil: undefined }), keep: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gc-dies' as const), keep: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const) }) },
);

/** gc with retention 0 at `now`, through a storage whose manifest swap fails when `dies`. */
async function gc(now: Date, keep: number, dies = false): Promise<void> {
  const through = !dies ? storage : new Proxy(storage, {
    get: (t, prop, receiver) => (prop === 'putIfMatch' ? () => Promise.reject(new Error('gc died before its swap')) : Reflect.get(t, prop, receiver)),
  });
  await gcTable(through, ROOT, shape, 'silver.t', 0, { now, keepCollected: keep }).catch((e: Error) => { if (!dies) throw e; });
}

describe('committed sources, in the manifest or in markers', () => {
  it('property: a source counts as committed exactly while the table holds its run\'s rows, across ingests, rollbacks and gc', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 14 }), async (ops) => {
      await rm(join(dir, 'silver'), { recursive: true, force: true });
      // The model: which run's rows of each source the table holds, and that after every run in the history.
      let holds = new Map<string, string>();
      const after = new Map<string, Map<string, string>>();
      const targets: string[] = [];
      for (const [i, o] of ops.entries()) {
        const run = `r${String(i).padStart(2, '0')}`;
        if (o.kind === 'ingest') {
          const id = `s${o.s}`;
          expect(await ingest(run, o.s), `${run}: ingest of ${id}`).toBe(holds.has(id) ? 'already' : 'committed');
          if (!holds.has(id)) {
            holds.set(id, run);
            after.set(run, new Map(holds));
            targets.push(run);
          }
        } else if (o.kind === 'rollback' && targets.length) {
          const to = targets[o.pick % targets.length]!;
          const back = await rollbackTable(storage, ROOT, shape, to, run).then(() => true, (e: Error) => {
            // Only a run whose history gc collected (or moved into an archive) cannot be returned to, or one whose
            // folders gc deleted (a manifest restored from a copy older than that gc still names them).
            expect(e.message).toMatch(/garbage-collected|its history was collected|now holds 0 files/);
            return false;
          });
          if (back) {
            holds = new Map(after.get(to)!);
            if ((await readManifest(storage, ROOT, shape)).manifest.history.at(-1)!.runId === run) {
              after.set(run, new Map(holds));
              targets.push(run);
            }
          }
        } else if (o.kind === 'gc' || o.kind === 'gc-dies') {
          const { manifest } = await readManifest(storage, ROOT, shape);
          const cut = o.kind === 'gc' && o.cut !== undefined && manifest.history.length ? manifest.history[o.cut % manifest.history.length]!.at : undefined;
          await gc(cut ? new Date(Date.parse(cut) + 1) : new Date(Date.now() + 1000), o.keep, o.kind === 'gc-dies');
        } else if (o.kind === 'restore') {
          const { manifest } = await readManifest(storage, ROOT, shape);
          const copy = await storage.readText(historyKey(ROOT, manifest.version));
          if (copy && (JSON.parse(copy) as TableManifest).version === manifest.version) await writeFile(storage.path(layout.manifest(ROOT)), copy);
        }
        const { manifest } = await readManifest(storage, ROOT, shape);
        // the whole history, archives first: one entry per version, none lost or twice
        expect((await fullHistory(storage, ROOT, manifest)).map((h) => h.version)).toEqual(Array.from({ length: manifest.version }, (_, v) => v + 1));
        for (let s = 0; s < SOURCES; s++) {
          const got = manifest.version ? (await committedSource(storage, ROOT, manifest, `s${s}`))?.runId : undefined;
          expect(got, `after ${run} (${JSON.stringify(o)}): source s${s}`).toBe(holds.get(`s${s}`));
        }
      }
    // A new seed each run (fast-check prints it with a counterexample; SEED=… replays it): 120 cases a run search
    // further over runs than the same 200 did every time, in two thirds of the time (npm test's 5 minutes).
    }), { ...(process.env.SEED ? { seed: Number(process.env.SEED) } : {}), numRuns: Number(process.env.STRATA_PROPERTY_RUNS ?? 120) });
  }, 180_000);

  it('gc moves the sources of runs it can no longer undo into markers, and no other', async () => {
    expect(await ingest('r1', 0)).toBe('committed');
    expect(await ingest('r2', 1)).toBe('committed');
    const r = await gcTable(storage, ROOT, shape, 'silver.t', 0, { now: new Date(Date.now() + 1000) });
    expect(r.archivedSources).toBe(2);
    expect(await ingest('r3', 2)).toBe('committed');
    const { manifest } = await readManifest(storage, ROOT, shape);
    expect(manifest).toMatchObject({ formatVersion: 3, sourceArchives: [{ sources: 2 }], sources: { s2: { runId: 'r3' } } });
    expect(Object.keys(manifest.sources)).toEqual(['s2']);
    const marker = layout.sourceMarker(ROOT, 's0', manifest.sourceArchives![0]!.pass);
    expect(JSON.parse((await storage.readText(marker))!)).toMatchObject({ runId: 'r1', key: 'bronze/t/s0.csv' });
    expect(await ingest('r4', 0)).toBe('already');
    expect(await ingest('r5', 1)).toBe('already');
  });
});

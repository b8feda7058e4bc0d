// Searched for counterexamples: commits, some of whose manifest swaps land with their answer lost (the store reports
// the swap refused, as S3 does when the SDK's retry of a stored PUT is refused), some with another writer's commit
// slipped in before that answer, over generated partitions, sources and orders. Whatever happens, every version folder
// the final manifest names (current or retired, what a reader or a rollback may read) holds its files, every source
// is committed exactly once, and a commit that reports 'already' names the run whose commit holds it.
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import type { Storage } from '../runtime/storage/port.ts';
import { namedLocations } from '../runtime/table/manifest.ts';
import { commitTable, readManifest, type CommitRequest } from '../runtime/table/store.ts';

const ROOT = 'silver/t/';
const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
const AT = '2025-06-15T00:00:00.000Z';

const build = (storage: Storage, runId: string): CommitRequest['build'] => async (path, _base, prefix) => {
  await storage.writeText(`${prefix}part-${runId}.txt`, `${runId} ${path}`);
  return { path, values: [path.slice(3)], location: prefix, files: [`${prefix}part-${runId}.txt`], rows: 1, bytes: 1, runId, committedAt: AT };
};

/** A commit of the generated sequence: its partitions, and what happens to its swap's answer. */
const step = fc.record({
  paths: fc.uniqueArray(fc.constantFrom('dt=1', 'dt=2', 'dt=3'), { minLength: 1, maxLength: 3 }),
  answer: fc.constantFrom('kept', 'lost', 'lost, then another commit'),
  // The same source sent again (a retry of the run's step, a re-upload): committed once.
  source: fc.integer({ min: 0, max: 3 }),
});

describe('commits whose swap answers are lost', () => {
  it('property: every folder the manifest names holds its files, and every source is committed once', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
      const dir = await mkdtemp(join(tmpdir(), 'strata-lost-answer-prop-'));
      const local = new LocalStorage(dir);
      try {
        for (const [i, s] of steps.entries()) {
          const runId = `r${++n}-${i}`;
          let tripped = s.answer === 'kept';
          const storage: Storage = Object.create(local, {
            putIfMatch: { value: async (key: string, text: string, expected: string | undefined) => {
              const r = await local.putIfMatch(key, text, expected);
              if (tripped || !r.ok || !text.includes(runId)) return r;
              tripped = true;
              if (s.answer === 'lost, then another commit') {
                await commitTable(local, { root: ROOT, shape, runId: `${runId}-other`, at: AT, kind: 'commit', paths: ['dt=1'], build: build(local, `${runId}-other`) });
              }
              return { ok: false, currentEtag: (await local.readVersioned(key))!.etag };
            } },
          }) as Storage;
          const r = await commitTable(storage, { root: ROOT, shape, runId, at: AT, kind: 'commit', paths: s.paths, build: build(local, runId), source: { id: `s${s.source}`, key: `bronze/s${s.source}.csv` } });
          if (r.status === 'already') {
            expect(r.manifest.history.some((h) => h.runId === r.committedBy && h.kind === 'commit')).toBe(true);
          }
        }
        const { manifest } = await readManifest(local, ROOT, shape);
        for (const location of new Set(namedLocations(manifest))) {
          expect((await local.list(location)).length, location).toBeGreaterThan(0);
        }
        const committed = manifest.history.filter((h) => h.kind === 'commit' && !h.runId.endsWith('-other')).map((h) => h.runId);
        const sources = new Set(steps.map((s) => s.source));
        expect(committed.length).toBe(sources.size);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }), { numRuns: Number(process.env.RUNS ?? 40) });
  }, 120_000);
});

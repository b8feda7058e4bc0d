// Ingests and rollbacks under a schema file that gains and drops columns, over generated histories. A model says what
// each should do: an ingest is taken when the schema file keeps every column of the table's schema (a column added
// is fine, one dropped is refused: Strata.SchemaMismatch), and a rollback to a run is taken when the schema file keeps
// every column of the schema the table had at that run, which is the table's schema after it; silver then holds the
// rows it held at that run. Before stop 52 a rollback was judged by the table's current schema and kept it: a column
// added after the run and dropped from the schema file since refused the rollback, and every ingest after it (a way
// back that did not exist). The example is in test/evolution.test.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStrataError } from '../core/errors.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { rollback } from '../workflows/maintenance.ts';
import { makeLake } from './helpers/lake.ts';

const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 8);

/** The schema files: their columns besides id and v (strings). */
const FILES = { base: [], w: ['w'], z: ['z'], wz: ['w', 'z'] } as const satisfies Record<string, readonly string[]>;
type FileName = keyof typeof FILES;
const columnsOf = (f: FileName) => ['id', 'v', ...FILES[f]];
const text = (f: FileName) => `dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: v, type: string }\n`
  + FILES[f].map((c) => `  - { name: ${c}, type: string }\n`).join('');
/** Whether a table of `from`'s columns can be written under `to` (columns only added). */
const evolves = (from: readonly string[], to: readonly string[]) => from.every((c) => to.includes(c));

type Op = { kind: 'ingest'; file: FileName } | { kind: 'rollback'; file: FileName; to: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ingest' as const), file: fc.constantFrom(...(Object.keys(FILES) as FileName[])) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rollback' as const), file: fc.constantFrom(...(Object.keys(FILES) as FileName[])), to: fc.nat({ max: 20 }) }) },
);

describe('rollbacks under a schema file that gains and drops columns (property)', () => {
  it('each ingest and rollback is taken exactly when the schema file keeps the columns of the table it leaves, and silver holds the model\'s rows', async () => {
    let tookRollback = 0;
    let refusedRollback = 0;
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 3, maxLength: 8 }), async (ops) => {
      const l = await makeLake({ t: text('base') });
      try {
        // The model: the table's columns and ids now, and per committed ingest the same right after it.
        let table: string[] | undefined;
        let ids: number[] = [];
        const commits: Array<{ runId: string; columns: string[]; ids: number[] }> = [];
        let next = 1;
        for (const op of ops) {
          await writeFile(join(l.root, 'schemas', 't.yaml'), text(op.file));
          const lake = await openLocalLake({ lake: l.dir, schemas: join(l.root, 'schemas') });
          const cols = columnsOf(op.file);
          if (op.kind === 'ingest') {
            const rowIds = [next++, next++];
            const body = `${cols.join(',')}\n${rowIds.map((id) => [id, ...cols.slice(1).map((c) => `${c}${id}`)].join(',')).join('\n')}\n`;
            const { record } = await ingestFile(lake, 't', await l.file(`f${rowIds[0]}.csv`, body));
            const take = table === undefined || evolves(table, cols);
            expect({ op, status: record.status, error: record.error?.name }).toEqual({ op, status: take ? 'SUCCEEDED' : 'FAILED', error: take ? undefined : 'Strata.SchemaMismatch' });
            if (take) {
              // The table's schema is the file's when it changed; an unchanged file keeps it.
              table = cols;
              ids = [...ids, ...rowIds];
              commits.push({ runId: record.runId, columns: table, ids });
            }
          } else {
            if (!commits.length) continue;
            const target = commits[op.to % commits.length]!;
            const take = evolves(target.columns, cols);
            const refused = await rollback(lake, 't', target.runId).then(() => undefined, (e: unknown) => e);
            if (refused !== undefined && !(isStrataError(refused) && refused.name === 'Strata.SchemaMismatch')) throw refused;
            expect({ op, taken: refused === undefined }).toEqual({ op, taken: take });
            if (take) {
              tookRollback++;
              table = target.columns;
              ids = target.ids;
            } else {
              refusedRollback++;
            }
          }
          const m = JSON.parse((await l.storage.readText('silver/t/_strata/manifest.json')) ?? 'null') as TableManifest | null;
          expect(m?.schema?.columns.map((c) => c.name)).toEqual(table);
          if (table) {
            await lake.catalog.materialize();
            const held = (await l.query<{ id: number }>('SELECT id FROM silver.t ORDER BY id')).map((r) => r.id);
            // (Under a schema file it refused, silver is read as the table is: its rows are the model's.)
            expect(held).toEqual([...ids].sort((a, b) => a - b));
          }
        }
      } finally {
        await l.cleanup();
      }
    }), { numRuns: RUNS });
    // The generator reaches both outcomes of a rollback.
    expect(tookRollback).toBeGreaterThan(0);
    expect(refusedRollback).toBeGreaterThan(0);
  }, 300_000);
});

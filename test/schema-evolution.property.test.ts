// Schema evolution as runs see it: a table written under one schema file, then a file ingested under an edited one.
// The edits are generated (a column added, nullable or required; a column dropped, renamed or retyped to any type;
// the partition's transform or column changed), and each is judged here by the rule the field uses (Iceberg's
// schema evolution: a new optional column, int → long, float → double, decimal(P,S) → decimal(P',S) with P' ≥ P are
// compatible; everything else, and any change of partitioning, is not), not by strata's code. Then:
//   - a compatible edit commits: silver holds both files' rows, the earlier rows with their values as written (read
//     under the wider type) and NULL in a new column, and strata.schema_history has both schemas;
//   - an incompatible one is refused before anything is staged (Strata.SchemaMismatch, no rows read), leaves no
//     staging, and silver, its schema and the catalog stay as they were;
//   - `strata check` against the lake calls it an error exactly when it is incompatible.
// Before (stop 36, examples only): the partitions' sources and the refusal of a re-sent object were shown by
// test/evolution.test.ts alone.
import fc from 'fast-check';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../core/project.ts';
import { checkAgainstLake } from '../runtime/schema/evolution-check.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { makeLake } from './helpers/lake.ts';

const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 12);

const TYPES = ['int', 'bigint', 'decimal(10,2)', 'decimal(12,2)', 'decimal(12,4)', 'double', 'float', 'string'] as const;
type Type = (typeof TYPES)[number];
/** A value of each type, written as the file holds it, and as DuckDB prints it under each type it may widen to. */
const VALUE: Record<Type, string> = { int: '123', bigint: '9007199254740993', 'decimal(10,2)': '12345.67', 'decimal(12,2)': '12345.67', 'decimal(12,4)': '12345.6789', double: '0.1', float: '1.5', string: 'x1' };

/** Compatible under Iceberg's rules (the Iceberg table spec, "Schema Evolution": type promotion). */
function promotes(from: Type, to: Type): boolean {
  if (from === to) return true;
  if (from === 'int' && to === 'bigint') return true;
  if (from === 'float' && to === 'double') return true;
  return from === 'decimal(10,2)' && to === 'decimal(12,2)';
}

type Partition = 'day(ts)' | 'month(ts)' | 'region';
interface Shape { a?: { name: string; type: Type }; b?: { required: boolean }; partition: Partition }

function schema(s: Shape): string {
  const part = s.partition === 'region' ? '{ name: p, column: region }' : `{ name: p, column: ts, transform: ${s.partition.slice(0, s.partition.indexOf('('))} }`;
  return `dataset: ev
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: ts, type: timestamp, required: true }
  - { name: region, type: string, required: true }
${s.a ? `  - { name: ${s.a.name}, type: "${s.a.type}" }\n` : ''}${s.b ? `  - { name: b, type: string${s.b.required ? ', required: true' : ''} }\n` : ''}mode: append
partitionBy:
  - ${part}
`;
}

function csv(s: Shape, ids: number[]): string {
  const header = ['id', 'ts', 'region', ...(s.a ? [s.a.name] : []), ...(s.b ? ['b'] : [])].join(',');
  const row = (id: number) => [id, '2025-06-12T10:00:00Z', 'eu', ...(s.a ? [VALUE[s.a.type]] : []), ...(s.b ? [`b${id}`] : [])].join(',');
  return `${header}\n${ids.map(row).join('\n')}\n`;
}

/** What a reader sees of the first file's `a` under the second schema's type: the same value, exactly. */
const widened = (from: Type, to: Type): string => (from === 'float' && to === 'double' ? '1.5' : VALUE[from]);

describe('schema evolution', () => {
  it('property: a generated edit commits exactly when the field calls it compatible, refused edits change nothing, and strata check agrees', async () => {
    const type = fc.constantFrom(...TYPES);
    const partition = fc.constantFrom<Partition>('day(ts)', 'month(ts)', 'region');
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), required: fc.boolean() }),
      fc.record({ kind: fc.constant('drop' as const) }),
      fc.record({ kind: fc.constant('rename' as const) }),
      fc.record({ kind: fc.constant('retype' as const), to: type }),
      fc.record({ kind: fc.constant('repartition' as const), to: partition }),
    );
    let compatible = 0;
    let refused = 0;
    await fc.assert(fc.asyncProperty(type, partition, edit, async (t, p, e) => {
      const before: Shape = { a: { name: 'a', type: t }, partition: p };
      const after: Shape = e.kind === 'add' ? { ...before, b: { required: e.required } }
        : e.kind === 'drop' ? { partition: p }
          : e.kind === 'rename' ? { a: { name: 'a2', type: t }, partition: p }
            : e.kind === 'retype' ? { a: { name: 'a', type: e.to }, partition: p }
              : { ...before, partition: e.to };
      const ok = e.kind === 'add' || (e.kind === 'retype' && promotes(t, e.to)) || (e.kind === 'repartition' && e.to === p);
      const lake = await makeLake({ ev: schema(before) });
      try {
        const first = (await lake.ingest('ev', await lake.file('one.csv', csv(before, [1, 2])))).record;
        expect(first.status).toBe('SUCCEEDED');
        const rowsBefore = await lake.query('SELECT * FROM silver.ev ORDER BY id');
        const columnsBefore = await lake.query('SELECT column_name FROM (DESCRIBE silver.ev)');
        const dir = join(lake.root, 'edited');
        await mkdir(dir);
        await writeFile(join(dir, 'ev.yaml'), schema(after));
        const diags = await checkAgainstLake((await loadProject(dir)).schemas, lake.storage);
        const edited = await openLocalLake({ lake: lake.dir, schemas: dir });
        const second = (await ingestFile(edited, 'ev', await lake.file('two.csv', csv(after, [3])))).record;
        const label = JSON.stringify({ before, after });
        expect({ label, error: diags.some((d) => d.severity === 'error') }).toEqual({ label, error: !ok });
        expect(await lake.storage.list('staging/'), label).toEqual([]);
        if (!ok) {
          refused++;
          expect({ label, status: second.status, rowsIn: second.rowsIn, error: second.error?.name }).toEqual({ label, status: 'FAILED', rowsIn: 0, error: 'Strata.SchemaMismatch' });
          await edited.catalog.materialize();
          expect(await lake.query('SELECT * FROM silver.ev ORDER BY id'), label).toEqual(rowsBefore);
          expect(await lake.query('SELECT column_name FROM (DESCRIBE silver.ev)'), label).toEqual(columnsBefore);
          return;
        }
        compatible++;
        expect({ label, status: second.status }).toEqual({ label, status: 'SUCCEEDED' });
        const cols = [after.a && `CAST(${after.a.name} AS VARCHAR) AS a`, after.b && 'b'].filter(Boolean).join(', ');
        const rows = await lake.query<Record<string, unknown>>(`SELECT id${cols ? `, ${cols}` : ''} FROM silver.ev ORDER BY id`);
        const want = [1, 2, 3].map((id) => ({
          id,
          ...(after.a ? { a: id < 3 ? widened(before.a!.type, after.a.type) : VALUE[after.a.type] } : {}),
          ...(after.b ? { b: id < 3 ? null : `b${id}` } : {}),
        }));
        // DuckDB prints a double's shortest text, a decimal with its scale, a bigint digit for digit.
        expect({ label, rows }).toEqual({ label, rows: want });
        const history = await lake.query<{ n: number }>("SELECT count(*) AS n FROM strata.schema_history WHERE table_name = 'ev'");
        expect({ label, schemas: Number(history[0]!.n) }).toEqual({ label, schemas: schema(after) === schema(before) ? 1 : 2 });
      } finally {
        await lake.cleanup();
      }
    }), {
      numRuns: RUNS,
      // Every run, whatever the seed draws: both outcomes, and the edges of promotion (a larger precision, another
      // scale, a smaller precision, a narrower integer or float).
      examples: [
        ['int', 'day(ts)', { kind: 'retype', to: 'bigint' }], ['decimal(10,2)', 'region', { kind: 'rename' }],
        ['decimal(10,2)', 'month(ts)', { kind: 'retype', to: 'decimal(12,2)' }], ['decimal(10,2)', 'day(ts)', { kind: 'retype', to: 'decimal(12,4)' }],
        ['decimal(12,2)', 'day(ts)', { kind: 'retype', to: 'decimal(10,2)' }], ['bigint', 'day(ts)', { kind: 'retype', to: 'int' }],
        ['double', 'day(ts)', { kind: 'retype', to: 'float' }], ['float', 'region', { kind: 'retype', to: 'double' }],
      ],
    });
    expect({ compatible: compatible > 0, refused: refused > 0 }).toEqual({ compatible: true, refused: true });
  }, 300_000);
});

// Schema evolution: additive changes apply, breaking ones are refused by strata check (and by the commit) with a
// migration path; the applied schemas stay queryable.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { refresh, rollback } from '../workflows/maintenance.ts';
import { doctor as doctorCommand } from '../cli/commands/doctor.ts';
import { runCommand } from './helpers/cli.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { checkAgainstLake } from '../runtime/schema/evolution-check.ts';
import { compareSchemas } from '../core/schema/evolution.ts';
import { loadProject } from '../core/project.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
  await lake.ingest('orders', await lake.file('v1.csv', `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`));
});
afterAll(() => lake?.cleanup());

async function withSchema(text: string) {
  await writeFile(join(lake.root, 'schemas', 'orders.yaml'), text);
  const project = await loadProject(join(lake.root, 'schemas'));
  const notes: string[] = [];
  const diags = (await checkAgainstLake(project.schemas, lake.storage, notes)).map(formatDiagnostic);
  return { diags, notes, lake: await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') }) };
}

/** `text` with `from` replaced by `to`; a `from` that is not there fails the test instead of changing nothing. */
function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the schema text has no ${JSON.stringify(from)} to replace`);
  return text.replace(from, to);
}

describe('schema evolution', () => {
  it('classifies changes the way Parquet readers need', () => {
    const a = { hash: 'a', columns: [{ name: 'id', type: 'int' }, { name: 'x', type: 'float' }, { name: 'd', type: 'decimal(10,2)' }, { name: 'gone', type: 'string' }], partitionKeys: [] };
    const b = { hash: 'b', columns: [{ name: 'id', type: 'bigint' }, { name: 'x', type: 'string' }, { name: 'd', type: 'decimal(12,2)' }, { name: 'kept', type: 'string' }], partitionKeys: [] };
    expect(compareSchemas(a, b).map((c) => [c.kind, c.column, c.breaking])).toEqual([
      ['renamed', 'gone', true], ['widened', 'id', false], ['retyped', 'x', true], ['widened', 'd', false],
    ]);
    // float → double reads, but the rows already written keep their float's value: said, with an example.
    const f = compareSchemas({ hash: 'a', columns: [{ name: 'x', type: 'float' }], partitionKeys: [] }, { hash: 'b', columns: [{ name: 'x', type: 'double' }], partitionKeys: [] });
    expect(f.map((c) => [c.kind, c.breaking])).toEqual([['widened', false]]);
    expect(f[0]!.message).toMatch(/0\.1 written as a float reads 0\.10000000149011612/);
    // A key column: its old floats would match no key sent again as a double (an attack, stop 50: two rows for one key).
    const declared = { primaryKey: ['x'], mode: 'upsert' as const };
    const k = compareSchemas({ hash: 'a', columns: [{ name: 'x', type: 'float' }], partitionKeys: [], declared }, { hash: 'b', columns: [{ name: 'x', type: 'double' }], partitionKeys: [], declared });
    expect(k.map((c) => [c.kind, c.column, c.breaking])).toEqual([['rekeyed', 'x', true]]);
    expect(k[0]!.message).toMatch(/in the primary key \(x\).*an upsert would add a second row beside each/);
  });

  it('an upsert keyed by a float column widened to double is refused, and silver keeps one row per key', async () => {
    const text = (t: string) => `dataset: m\nsource: { format: csv }\ncolumns:\n  - { name: k, type: ${t}, required: true }\n  - { name: v, type: string }\nprimaryKey: [k]\nmode: upsert\n`;
    const own = await makeLake({ m: text('float') });
    try {
      expect((await own.ingest('m', await own.file('a.csv', 'k,v\n0.1,a\n2.5,b\n'))).record.status).toBe('SUCCEEDED');
      await writeFile(join(own.root, 'schemas', 'm.yaml'), text('double'));
      const l2 = await openLocalLake({ lake: own.dir, schemas: join(own.root, 'schemas') });
      const r = await ingestFile(l2, 'm', await own.file('b.csv', 'k,v\n0.1,A\n2.5,B\n'));
      expect(r.record).toMatchObject({ status: 'FAILED', error: { name: 'Strata.SchemaMismatch', message: expect.stringMatching(/column k is in the primary key/) } });
      expect(await own.query('SELECT v FROM silver.m ORDER BY v')).toEqual([{ v: 'a' }, { v: 'b' }]);
    } finally {
      await own.cleanup();
    }
  });

  it('applies additive changes: a new nullable column and a widened decimal', async () => {
    const v2 = swap(ordersSchema({ maxRatio: 1 }), '{ name: amount, type: "decimal(12,2)", min: 0 }', '{ name: amount, type: "decimal(14,2)", min: 0 }');
    const text = swap(v2, '  - { name: created_at, type: timestamp, required: true }', '  - { name: created_at, type: timestamp, required: true }\n  - { name: channel, type: string }');
    const { diags, notes, lake: l2 } = await withSchema(text);
    expect(diags).toEqual([expect.stringMatching(/warning: silver\.orders: column amount widened from decimal\(12,2\) to decimal\(14,2\)/)]);
    // The new column is said too, as what the next ingest applies (newcomer's trial, stop 46: strata check said nothing).
    expect(notes).toEqual(['silver.orders: new column channel (string), added at the next ingest (rows already in silver read it as NULL)']);
    const r = await ingestFile(l2, 'orders', await lake.file('v2.csv', `${ORDERS_HEADER},channel\n2,Bob,NEW,123456789012.00,Jun 12 2025,2025-06-12T11:00:00Z,web\n`));
    expect(r.record.status).toBe('SUCCEEDED');
    expect(await lake.query(`SELECT order_id, CAST(amount AS VARCHAR) AS amount, channel FROM silver.orders ORDER BY 1`)).toEqual([
      { order_id: 1, amount: '10.00', channel: null }, { order_id: 2, amount: '123456789012.00', channel: 'web' },
    ]);
    const history = await lake.query(`SELECT schema_hash, json_array_length(columns) AS n FROM strata.schema_history ORDER BY applied_at`);
    expect(history.map((h) => h.n)).toEqual([6, 7]);
  });

  it('refuses a dropped column in strata check, with the migration path, and at commit', async () => {
    const text = swap(ordersSchema({ maxRatio: 1 }), '  - { name: status, type: string, allowed: [NEW, SHIPPED, CANCELLED] }\n', '');
    const { diags, lake: l3 } = await withSchema(swap(swap(text, '  - { name: created_at, type: timestamp, required: true }', '  - { name: created_at, type: timestamp, required: true }\n  - { name: channel, type: string }'), '"decimal(12,2)"', '"decimal(14,2)"'));
    expect(diags).toEqual([expect.stringMatching(/schemas\/orders\.yaml:9:3: silver\.orders: column status \(string\) was removed, but silver files and Athena still have it \(fix: keep the column .*re-ingest its bronze objects into it in the order they first arrived \(locally: strata ingest orders_v2 <object>… with the objects of strata runs --dataset orders --limit 100000 --json, oldest first\)\)$/)]);
    const before = await lake.query(`SELECT count(*) AS n FROM silver.orders`);
    const r = await ingestFile(l3, 'orders', await lake.file('v3.csv', `order_id,Customer Name,amount,ordered_on,created_at\n3,Cy,1.00,Jun 12 2025,2025-06-12T12:00:00Z\n`));
    expect(r.record.status).toBe('FAILED');
    expect(r.record.error).toMatchObject({ name: 'Strata.SchemaMismatch', message: expect.stringMatching(/^silver\.orders was written with another schema .*column status/) });
    expect(await lake.query(`SELECT count(*) AS n FROM silver.orders`)).toEqual(before);
  });

  it('refuses a partition whose transform changed under the same name and type, in strata check and before the stage does any work (newcomer trial, stop 36)', async () => {
    // Before, a month partition made a day one committed "2025-09-01" beside "2025-06", and gold then failed on it.
    const own = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    try {
      const manifestKey = 'silver/orders/_strata/manifest.json';
      await own.ingest('orders', await own.file('a.csv', `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`));
      // A table last written before partitions recorded their source: the next commit of the same schema adds it.
      const m = JSON.parse((await own.storage.readText(manifestKey))!);
      expect(m.schema.partitionKeys).toEqual([{ name: 'dt', type: 'string', source: 'day(created_at)' }]);
      m.schema.partitionKeys = [{ name: 'dt', type: 'string' }];
      await own.storage.writeText(manifestKey, JSON.stringify(m));
      await own.ingest('orders', await own.file('b.csv', `${ORDERS_HEADER}\n2,Bob,NEW,10.00,Jun 12 2025,2025-06-12T11:00:00Z\n`));
      expect(JSON.parse((await own.storage.readText(manifestKey))!).schema.partitionKeys).toEqual([{ name: 'dt', type: 'string', source: 'day(created_at)' }]);
      const before = await own.query('SELECT count(*) AS n FROM silver.orders');
      // dt, still a string, now the hour of created_at.
      await writeFile(join(own.root, 'schemas', 'orders.yaml'), swap(ordersSchema({ maxRatio: 1 }), 'transform: day', 'transform: hour'));
      const project = await loadProject(join(own.root, 'schemas'));
      const diags = (await checkAgainstLake(project.schemas, own.storage)).map(formatDiagnostic);
      expect(diags).toEqual([expect.stringMatching(/silver\.orders: partition dt changed from day\(created_at\) to hour\(created_at\): its existing folders hold values of day\(created_at\)/)]);
      const l2 = await openLocalLake({ lake: own.dir, schemas: join(own.root, 'schemas') });
      const r = await ingestFile(l2, 'orders', await own.file('c.csv', `${ORDERS_HEADER}\n3,Cy,NEW,10.00,Jun 12 2025,2025-09-01T10:00:00Z\n`));
      expect(r.record).toMatchObject({ status: 'FAILED', rowsIn: 0, rowsValid: 0, rowsQuarantined: 0, error: { name: 'Strata.SchemaMismatch', message: expect.stringMatching(/partition dt changed from day\(created_at\) to hour\(created_at\)/) } });
      expect(await own.query('SELECT count(*) AS n FROM silver.orders')).toEqual(before);
      expect(await own.storage.list('staging/orders/')).toEqual([]);
    } finally {
      await own.cleanup();
    }
  });

  it('two runs under two schema files at once: the one whose commit the other\'s schema refuses commits nothing, quarantines nothing and leaves no staging (third attack, stop 36)', async () => {
    const own = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    try {
      const dropped = join(own.root, 'dropped');
      await mkdir(dropped);
      await writeFile(join(dropped, 'orders.yaml'), swap(ordersSchema({ maxRatio: 1 }), '{ name: amount, type: "decimal(12,2)", min: 0 }', '{ name: amount2, type: string }'));
      const other = await openLocalLake({ lake: own.dir, schemas: dropped });
      const header = ORDERS_HEADER.replace('amount', 'amount2');
      // Staged under the dropped-column schema on an empty table (one bad row), then the other schema commits first.
      const mine = await own.file('mine.csv', `${header}\n2,Bo,NEW,x,Jun 12 2025,2025-06-12T10:00:00Z\n3,Cy,NEW,y,Jun 12 2025,not a time\n`);
      const first = await own.file('first.csv', `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`);
      const loser = (await ingestFile(other, 'orders', mine, {
        wrap: (step, fn) => (step !== 'commit' ? fn : async (input) => { await own.ingest('orders', first); return fn(input); }),
      })).record;
      expect(loser).toMatchObject({ status: 'FAILED', rowsIn: 2, error: { name: 'Strata.SchemaMismatch' } });
      expect(await own.storage.list('staging/')).toEqual([]);
      expect((await own.storage.list('quarantine/orders/')).filter((o) => o.key.endsWith('.parquet'))).toEqual([]);
      expect((await own.storage.list('silver/orders/')).filter((o) => !o.key.includes('/_strata/')).map((o) => o.key.split('/')[3]!.slice(0, 2))).toEqual(['v-']);
      expect(await own.query('SELECT order_id FROM silver.orders')).toEqual([{ order_id: 1 }]);
    } finally {
      await own.cleanup();
    }
  });

  it('a table recorded without its partitions\' sources tells a changed time transform by its values; a committed object sent again under a refused schema is refused, not skipped with the refused schema registered (third attack, stop 36)', async () => {
    const own = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    try {
      const manifestKey = 'silver/orders/_strata/manifest.json';
      const a = await own.file('a.csv', `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`);
      await own.ingest('orders', a);
      // As a table written before stop 36 was: no source on its partition key.
      const m = JSON.parse((await own.storage.readText(manifestKey))!);
      m.schema.partitionKeys = [{ name: 'dt', type: 'string' }];
      await own.storage.writeText(manifestKey, JSON.stringify(m));
      await writeFile(join(own.root, 'schemas', 'orders.yaml'), swap(ordersSchema({ maxRatio: 1 }), 'transform: day', 'transform: hour'));
      const project = await loadProject(join(own.root, 'schemas'));
      expect((await checkAgainstLake(project.schemas, own.storage)).map(formatDiagnostic))
        .toEqual([expect.stringMatching(/silver\.orders: partition dt holds values such as "2025-06-12", which hour\(created_at\) does not write/)]);
      const hourly = await openLocalLake({ lake: own.dir, schemas: join(own.root, 'schemas') });
      // The object already committed, sent again: refused as the schema is, and the catalog keeps what silver holds.
      const again = await ingestFile(hourly, 'orders', a);
      expect(again.record).toMatchObject({ status: 'FAILED', rowsIn: 0, error: { name: 'Strata.SchemaMismatch' } });
      // A dropped column, for a committed object sent again: the catalog had shown the refused columns (NULL) before.
      await writeFile(join(own.root, 'schemas', 'orders.yaml'), swap(ordersSchema({ maxRatio: 1 }), '{ name: amount, type: "decimal(12,2)", min: 0 }', '{ name: amount2, type: string }'));
      const renamed = await openLocalLake({ lake: own.dir, schemas: join(own.root, 'schemas') });
      expect((await ingestFile(renamed, 'orders', a)).record).toMatchObject({ status: 'FAILED', error: { name: 'Strata.SchemaMismatch' } });
      await renamed.catalog.materialize();
      expect(await own.query('SELECT order_id, CAST(amount AS VARCHAR) AS amount FROM silver.orders')).toEqual([{ order_id: 1, amount: '10.00' }]);
    } finally {
      await own.cleanup();
    }
  });

  it('a refused change never reaches readers by another path: a gold refresh and doctor --repair refuse it as ingest does (an attack, stop 47)', async () => {
    const s = (type: string) => `dataset: s\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: amt, type: "${type}" }\n`;
    const b = 'dataset: b\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: name, type: string }\n'
      + 'gold:\n  - table: g\n    sql: SELECT b.name, s.amt FROM silver.b AS b JOIN silver.s AS s ON s.id = b.id\n    refresh: full\n';
    const own = await makeLake({ s: s('decimal(10,2)'), b });
    try {
      await own.ingest('s', await own.file('s.csv', 'id,amt\n1,10.25\n2,0.05\n'));
      await own.ingest('s', await own.file('s2.csv', 'id,amt\n3,1.50\n'));
      await own.ingest('b', await own.file('b1.csv', 'id,name\n1,one\n'));
      await writeFile(join(own.root, 'schemas', 's.yaml'), s('decimal(10,1)'));
      const narrowed = await openLocalLake({ lake: own.dir, schemas: join(own.root, 'schemas') });
      // A run of b refreshes gold over silver.s: it read 10.25 as decimal(10,1), 10.3, and published it.
      const run = (await ingestFile(narrowed, 'b', await own.file('b2.csv', 'id,name\n2,two\n'))).record;
      expect(run.error?.message).toMatch(/silver\.s was written with another schema/);
      // (Not "the next run brings gold up to date": every run refuses it while the schema file stays.)
      expect(run.error?.message).toMatch(/Gold stays as it was while that schema file is refused/);
      await expect(refresh(narrowed, 'g', true)).rejects.toMatchObject({ name: 'Strata.SchemaMismatch' });
      // doctor --repair registered the refused types over the old files, and said "no problems".
      await rm(join(own.dir, '_strata/catalog/tables/silver.s.json'));
      const repaired = await runCommand(doctorCommand, { lake: own.dir, schemas: join(own.root, 'schemas') }, [], { repair: true });
      expect(repaired.code).toBe(1);
      await narrowed.catalog.materialize();
      // Gold as published, and silver's current files as written.
      const files = (Object.values(JSON.parse((await own.storage.readText('silver/s/_strata/manifest.json'))!).partitions) as Array<{ files: string[] }>).flatMap((p) => p.files);
      const values = async () => (await own.query<{ v: string }>(`SELECT CAST(amt AS VARCHAR) AS v FROM gold.g UNION ALL SELECT CAST(amt AS VARCHAR) FROM read_parquet([${files.map((f) => `'${own.dir}/${f}'`).join(', ')}])`)).map((r) => r.v).sort();
      expect(await values()).toEqual(['0.05', '1.50', '10.25', '10.25']);
      // A rollback of silver.s under the refused schema: refused before it commits (it committed, then failed half done).
      const version = JSON.parse((await own.storage.readText('silver/s/_strata/manifest.json'))!).version;
      const first = (await narrowed.catalog.materialize(), (await own.query<{ run_id: string }>(`SELECT run_id FROM strata.runs WHERE dataset = 's' ORDER BY run_id`))[0]!.run_id);
      await expect(rollback(narrowed, 's', first)).rejects.toMatchObject({ name: 'Strata.SchemaMismatch' });
      expect(JSON.parse((await own.storage.readText('silver/s/_strata/manifest.json'))!).version).toBe(version);
    } finally {
      await own.cleanup();
    }
  });
  it('a column added and then dropped from the schema file again: a rollback to a run before it is taken, the table holds that run\'s schema, and ingests are taken again (stop 50: no way back)', async () => {
    const t = (extra: string) => `dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: v, type: string }\n${extra}`;
    const own = await makeLake({ t: t('') });
    try {
      const first = (await own.ingest('t', await own.file('a.csv', 'id,v\n1,a\n'))).record;
      await writeFile(join(own.root, 'schemas', 't.yaml'), t('  - { name: w, type: string }\n'));
      const widened = await openLocalLake({ lake: own.dir, schemas: join(own.root, 'schemas') });
      expect((await ingestFile(widened, 't', await own.file('b.csv', 'id,v,w\n2,b,x\n'))).record.status).toBe('SUCCEEDED');
      await writeFile(join(own.root, 'schemas', 't.yaml'), t(''));
      const back = await openLocalLake({ lake: own.dir, schemas: join(own.root, 'schemas') });
      // The schema file without w: an ingest is refused (silver's files hold w), and the way back it names...
      const refused = (await ingestFile(back, 't', await own.file('c.csv', 'id,v\n3,c\n'))).record;
      expect(refused.error?.message).toMatch(/column w \(string\) was removed, but silver files and Athena still have it/);
      // ...is there: a rollback to the run before w. Its files hold no w (it was refused for the schema file's change).
      await rollback(back, 't', first.runId);
      const m = JSON.parse((await own.storage.readText('silver/t/_strata/manifest.json'))!) as TableManifest;
      expect(m.schema?.columns.map((c) => c.name)).toEqual(['id', 'v']);
      expect(m.schemaHistory?.at(-1)).toMatchObject({ runId: expect.not.stringMatching(first.runId), columns: [{ name: 'id' }, { name: 'v' }] });
      await back.catalog.materialize();
      expect(await own.query(`SELECT * FROM silver.t ORDER BY id`)).toEqual([{ id: 1, v: 'a' }]);
      // The next ingest is taken, and a rollback to the run that wrote w is refused while the schema file lacks it.
      expect((await ingestFile(back, 't', await own.file('c2.csv', 'id,v\n3,c\n'))).record.status).toBe('SUCCEEDED');
      const withW = (await own.query<{ run_id: string }>(`SELECT run_id FROM strata.runs WHERE dataset = 't' AND rows_valid > 0 ORDER BY run_id`))[1]!.run_id;
      await expect(rollback(back, 't', withW)).rejects.toMatchObject({ name: 'Strata.SchemaMismatch', message: expect.stringMatching(/column w \(string\) was removed/) });
      await back.catalog.materialize();
      expect(await own.query(`SELECT * FROM silver.t ORDER BY id`)).toEqual([{ id: 1, v: 'a' }, { id: 3, v: 'c' }]);
      const repaired = await runCommand(doctorCommand, { lake: own.dir, schemas: join(own.root, 'schemas') }, []);
      expect(repaired.code, repaired.stdout).toBe(0);
    } finally {
      await own.cleanup();
    }
  });

  it('a gold rollback to files of other columns is refused; one to files of the same columns returns their rows (an attack, stop 47)', async () => {
    const s = (sql: string) => 'dataset: s\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: amt, type: "decimal(10,2)" }\n'
      + `gold:\n  - table: g\n    sql: ${sql}\n    refresh: full\n`;
    const exact = 'SELECT id, amt FROM silver.s';
    const own = await makeLake({ s: s(exact) });
    try {
      const r1 = (await own.ingest('s', await own.file('s1.csv', 'id,amt\n1,10.25\n'))).record.runId;
      const reopen = async (sql: string) => {
        await writeFile(join(own.root, 'schemas', 's.yaml'), s(sql));
        return openLocalLake({ lake: own.dir, schemas: join(own.root, 'schemas') });
      };
      const gold = async () => (await own.query<{ id: number; v: string }>('SELECT id, CAST(amt AS VARCHAR) AS v FROM gold.g ORDER BY id')).map((r) => `${r.id}:${r.v}`);
      const version = async () => JSON.parse((await own.storage.readText('gold/g/_strata/manifest.json'))!).version as number;
      // The SQL now gives amt as BIGINT: gold is published again, every partition.
      const bigint = await reopen('SELECT id, CAST(amt AS BIGINT) AS amt FROM silver.s');
      await refresh(bigint, 'g', true);
      await bigint.catalog.materialize();
      expect(await gold()).toEqual(['1:10']);
      const before = await version();
      // Back to r1 under the BIGINT SQL: r1's files hold decimal(10,2), which the catalog would read as BIGINT 10.
      const refused = await rollback(bigint, 'g', r1).then(() => undefined, (e: Error) => e);
      expect(refused).toMatchObject({ name: 'Strata.SchemaMismatch' });
      expect(refused!.message).toMatch(/amt decimal\(10,2\).*amt bigint.*strata refresh g$/s);
      expect(await version()).toBe(before);
      // Another SQL with r1's columns (a filter added): the rollback returns r1's rows, exactly as published.
      const filtered = await reopen(`${exact} WHERE id > 0`);
      await rollback(filtered, 'g', r1);
      await filtered.catalog.materialize();
      expect(await gold()).toEqual(['1:10.25']);
      expect(await version()).toBe(before + 1);
      // The same columns in another order are the same columns: read by name (an attack, stop 48: refused).
      const reordered = await reopen('SELECT amt, id FROM silver.s');
      await refresh(reordered, 'g', true);
      await rollback(reordered, 'g', r1);
      await reordered.catalog.materialize();
      expect(await gold()).toEqual(['1:10.25']);
    } finally {
      await own.cleanup();
    }
  });
});



// The dataset plan (core/plan/compile.ts) of one schema, field by field: planned column types, partitions, the silver
// and quarantine Glue tables, prefixes, the applied schema and its hash, and the validation SQL's outline. Expected
// values are written out by hand (the hash recomputed here from its rule: SHA-256 of the JSON, 16 hex digits).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compile, hashOf, QUARANTINE_COLUMNS } from '../core/plan/compile.ts';
import { readColumns, tableInput } from '../core/plan/glue-table.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import type { DatasetSpec } from '../core/schema/model.ts';

const ORDERS = `dataset: orders
description: Orders as sold
owner: sales
source: { format: csv }
columns:
  - { name: order_id, type: bigint, required: true, description: the order }
  - { name: amount, type: "decimal(12,2)" }
  - { name: created_at, type: timestamp, required: true }
  - { name: country, type: string, from: Country }
primaryKey: [order_id]
mode: upsert
partitionBy:
  - { name: dt, column: created_at, transform: day }
  - { name: country_p, column: country }
`;

function spec(text: string): DatasetSpec {
  const r = loadSchemaText('schemas/x.yaml', text);
  if (!r.spec) throw new Error(JSON.stringify(r.diagnostics));
  return r.spec;
}

const sha = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);

describe('compile', () => {
  it('columns with their DuckDB, read, Glue, Trino and Parquet types; partitions; prefixes', () => {
    const plan = compile(spec(ORDERS));
    expect(plan).toMatchObject({ planVersion: 1, dataset: 'orders', description: 'Orders as sold', owner: 'sales', primaryKey: ['order_id'], mode: 'upsert' });
    expect(plan.columns.map((c) => [c.name, c.from, c.duckdbType, c.readType, c.glueType, c.trinoType, c.parquet])).toEqual([
      ['order_id', 'order_id', 'BIGINT', 'BIGINT', 'bigint', 'bigint', { physical: 'INT64' }],
      ['amount', 'amount', 'DECIMAL(12,2)', 'DECIMAL(12,2)', 'decimal(12,2)', 'decimal(12,2)', { physical: 'INT64', logical: 'DECIMAL' }],
      ['created_at', 'created_at', 'TIMESTAMP_MS', 'TIMESTAMP', 'timestamp', 'timestamp(3)', { physical: 'INT64', logical: 'TIMESTAMP_MILLIS' }],
      ['country', 'Country', 'VARCHAR', 'VARCHAR', 'string', 'varchar', { physical: 'BYTE_ARRAY', logical: 'STRING' }],
    ]);
    expect(plan.partitions.map((p) => [p.name, p.column, p.transform, p.glueType])).toEqual([['dt', 'created_at', 'day', 'string'], ['country_p', 'country', 'identity', 'string']]);
    expect(plan.prefixes).toEqual({ bronze: 'bronze/orders/', silver: 'silver/orders/', quarantine: 'quarantine/orders/', staging: 'staging/orders/', runs: '_strata/runs/orders/' });
    expect(plan.maxRejectRatio).toBe(0.05);
    expect(plan.retentionDays).toBe(7);
    expect(plan).not.toHaveProperty('stream');
    expect(plan).not.toHaveProperty('compaction');
  });

  it('the applied schema and its hash: names and Glue types of the columns and partitions', () => {
    const plan = compile(spec(ORDERS));
    const hash = sha({
      columns: [['order_id', 'bigint'], ['amount', 'decimal(12,2)'], ['created_at', 'timestamp'], ['country', 'string']],
      partitions: [['dt', 'string', 'created_at', 'day'], ['country_p', 'string', 'country', 'identity']],
    });
    expect(plan.schemaHash).toBe(hash);
    expect(hashOf({ a: 1 })).toBe(sha({ a: 1 }));
    expect(plan.applied).toEqual({
      hash,
      columns: [{ name: 'order_id', type: 'bigint' }, { name: 'amount', type: 'decimal(12,2)' }, { name: 'created_at', type: 'timestamp' }, { name: 'country', type: 'string' }],
      partitionKeys: [{ name: 'dt', type: 'string', source: 'day(created_at)' }, { name: 'country_p', type: 'string', source: 'identity(country)' }],
      declared: { primaryKey: ['order_id'], mode: 'upsert' },
    });
    // A description changes nothing silver holds: the same hash.
    expect(compile(spec(ORDERS.replace('description: the order', 'description: another'))).schemaHash).toBe(hash);
    expect(compile(spec(ORDERS.replace('type: "decimal(12,2)"', 'type: "decimal(12,3)"'))).schemaHash).not.toBe(hash);
  });

  it('the silver and quarantine Glue tables', () => {
    const plan = compile(spec(ORDERS));
    expect(plan.tables.silver).toMatchObject({
      Name: 'orders', Description: 'Orders as sold', Owner: 'sales',
      Parameters: { 'strata.dataset': 'orders', 'strata.layer': 'silver', 'strata.schema_hash': plan.schemaHash, 'strata.mode': 'upsert', 'strata.primary_key': 'order_id', 'strata.owner': 'sales' },
      PartitionKeys: [{ Name: 'dt', Type: 'string', Comment: 'day(created_at)' }, { Name: 'country_p', Type: 'string', Comment: 'identity(country)' }],
      StorageDescriptor: {
        Location: 'silver/orders/',
        Columns: [{ Name: 'order_id', Type: 'bigint', Comment: 'the order' }, { Name: 'amount', Type: 'decimal(12,2)' }, { Name: 'created_at', Type: 'timestamp' }, { Name: 'country', Type: 'string' }],
      },
    });
    expect(plan.tables.quarantine).toMatchObject({
      Name: 'orders', Description: 'Rows of orders that failed validation, with every reason', Owner: 'sales',
      Parameters: { 'strata.dataset': 'orders', 'strata.layer': 'quarantine' }, PartitionKeys: [],
      StorageDescriptor: { Location: 'quarantine/orders/', Columns: QUARANTINE_COLUMNS },
    });
    expect(QUARANTINE_COLUMNS.map((c) => `${c.Name} ${c.Type}`)).toEqual([
      'dataset string', 'run_id string', 'source string', 'record bigint', 'line bigint', 'raw string',
      'reasons array<struct<column:string,rule:string,value:string,message:string>>', 'quarantined_at timestamp',
    ]);
  });

  it('a plain dataset: no description, owner, primary key or partitions; stream and compaction when declared', () => {
    const plan = compile(spec(`dataset: events
source: { format: jsonl }
columns:
  - { name: id, type: int }
stream: {}
compaction: {}
`));
    expect(plan).not.toHaveProperty('description');
    expect(plan).not.toHaveProperty('owner');
    expect(plan.tables.silver).not.toHaveProperty('Description');
    expect(plan.tables.silver).not.toHaveProperty('Owner');
    expect(plan.tables.quarantine).not.toHaveProperty('Owner');
    expect(plan.tables.silver.Parameters).toEqual({ EXTERNAL: 'TRUE', classification: 'parquet', 'parquet.compression': 'ZSTD', 'strata.dataset': 'events', 'strata.layer': 'silver', 'strata.schema_hash': plan.schemaHash, 'strata.mode': 'append' });
    expect(plan.stream).toBeDefined();
    expect(plan.compaction).toBeDefined();
    expect(plan.validation.silverSelect).toBe('"id"');
  });

  it('the validation outline: fields read, the source kind, the silver SELECT list, typed SQL over "__src"', () => {
    const plan = compile(spec(ORDERS));
    expect(plan.validation.fields).toEqual(['order_id', 'amount', 'created_at', 'Country']);
    expect(plan.validation.sourceKind).toBe('text');
    expect(plan.validation.silverSelect).toBe('"order_id", "amount", "created_at", "country", CAST(CAST("created_at" AS DATE) AS VARCHAR) AS "dt", "country" AS "country_p"');
    expect(plan.validation.typedSql).toContain('"order_id" AS __s0, "amount" AS __s1, "created_at" AS __s2, "Country" AS __s3, CAST(NULL AS STRUCT(rule VARCHAR, "column" VARCHAR, message VARCHAR)) AS __err FROM __src))))');
    expect(plan.validation.typedSql).toContain("TRY_CAST(NULLIF(__s0, '') AS BIGINT) AS __d0"); // a quoted "" is NULL in a bigint
    // Parquet fields are read with the column's own type: no draft cast of text for a BIGINT field.
    const parquet = compile(spec(ORDERS.replace('format: csv', 'format: parquet')));
    expect(parquet.validation.sourceKind).toBe('typed');
    expect(parquet.validation.typedSql).toContain('TRY_CAST(__s0 AS BIGINT) AS "order_id"');
    expect(parquet.validation.typedSql).not.toContain('AS __d0');
  });

  it('tableInput: Parquet (ZSTD) or JSON lines, and the columns a reader sees', () => {
    const common = { name: 't', columns: [{ Name: 'a', Type: 'int' }], partitionKeys: [{ Name: 'p', Type: 'string' }], location: 'x/t/', parameters: { k: 'v' } };
    expect(tableInput(common)).toEqual({
      Name: 't', TableType: 'EXTERNAL_TABLE', Parameters: { EXTERNAL: 'TRUE', classification: 'parquet', 'parquet.compression': 'ZSTD', k: 'v' },
      PartitionKeys: [{ Name: 'p', Type: 'string' }],
      StorageDescriptor: {
        Columns: [{ Name: 'a', Type: 'int' }], Location: 'x/t/', Compressed: false, StoredAsSubDirectories: false,
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat', OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
      },
    });
    expect(tableInput({ ...common, format: 'json', description: 'd', owner: 'o' })).toEqual({
      Name: 't', Description: 'd', Owner: 'o', TableType: 'EXTERNAL_TABLE', Parameters: { EXTERNAL: 'TRUE', classification: 'json', k: 'v' },
      PartitionKeys: [{ Name: 'p', Type: 'string' }],
      StorageDescriptor: {
        Columns: [{ Name: 'a', Type: 'int' }], Location: 'x/t/', Compressed: false, StoredAsSubDirectories: false,
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat', OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: {} },
      },
    });
    expect(readColumns(tableInput(common))).toEqual([{ name: 'a', type: 'int' }, { name: 'p', type: 'string' }]);
  });
});

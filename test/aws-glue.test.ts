// Glue catalog adapter against a mocked Glue client: exact table and partition requests, batching at Glue's
// limits, per-entry batch errors, retries of throttled calls.
import {
  AlreadyExistsException, BatchCreatePartitionCommand, BatchDeletePartitionCommand, BatchUpdatePartitionCommand,
  CreateDatabaseCommand, CreateTableCommand, EntityNotFoundException, GetPartitionsCommand, GetTableCommand, GlueClient,
  UpdateTableCommand, type Partition, type Table,
} from '@aws-sdk/client-glue';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlueCatalog, runsTableInput } from '../runtime/catalog/glue.ts';
import { tableInput } from '../core/plan/glue-table.ts';
import type { PartitionVersion, TableManifest } from '../runtime/table/manifest.ts';
import { isTransient } from '../functions/lib/errors.ts';

const LAKE = 's3://lake-bucket/dev/';
const locationOf = (key: string) => `${LAKE}${key}`;
const missing = (what: string) => new EntityNotFoundException({ message: `${what} not found`, $metadata: { httpStatusCode: 400 } });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

const ordersGlue = (extraColumn = false) => tableInput({
  name: 'orders',
  description: 'Orders as accepted',
  owner: 'sales',
  columns: [
    { Name: 'order_id', Type: 'bigint', Comment: 'order number' },
    { Name: 'amount', Type: 'decimal(12,2)' },
    { Name: 'ordered_at', Type: 'timestamp', Comment: 'UTC' },
    ...(extraColumn ? [{ Name: 'channel', Type: 'string', Comment: 'added later' }] : []),
  ],
  partitionKeys: [{ Name: 'dt', Type: 'string', Comment: 'day(ordered_at)' }, { Name: 'country', Type: 'string', Comment: 'identity(country)' }],
  location: 'silver/orders/',
  parameters: { 'strata.dataset': 'orders', 'strata.layer': 'silver', 'strata.schema_hash': extraColumn ? 'h2' : 'h1', 'strata.owner': 'sales' },
});

const part = (dt: string, country: string | null, run: string): PartitionVersion => ({
  path: `dt=${dt}/country=${country ?? '__HIVE_DEFAULT_PARTITION__'}`, values: [dt, country],
  location: `silver/orders/dt=${dt}/country=${country ?? '__HIVE_DEFAULT_PARTITION__'}/v-${run}/`,
  files: [], rows: 1, bytes: 1, runId: run, committedAt: '2025-06-15T00:00:00.000Z', schemaHash: 'h1',
});

const manifest = (version: number, parts: PartitionVersion[], firstRun = 'r1'): TableManifest => ({
  table: 'orders', layer: 'silver', version, schemaHash: 'h1', partitionKeys: ['dt', 'country'],
  partitions: Object.fromEntries(parts.map((p) => [p.path, p])), sources: {},
  history: [{ version: 1, runId: firstRun, at: '2025-06-15T00:00:00.000Z', kind: 'commit', changes: [] }],
  retired: [], updatedAt: '2025-06-15T00:00:00.000Z',
});

/** The Glue table as it would read back after syncing `m` with the given plan table. */
const tableAt = (glue: ReturnType<typeof tableInput>, m: TableManifest, extra: Record<string, string> = {}): Table => ({
  Name: glue.Name, DatabaseName: 'lake_silver', Description: glue.Description, Owner: glue.Owner, TableType: glue.TableType,
  Parameters: { ...glue.Parameters, 'strata.manifest_version': String(m.version), 'strata.manifest_lineage': 'r1', 'strata.manifest_runs': m.history.map((h) => `${h.version}:${h.runId}`).join(' '),
    ...(glue.PartitionKeys.length ? { 'strata.partitions_schema_hash': glue.Parameters['strata.schema_hash']! } : {}), ...extra },
  PartitionKeys: glue.PartitionKeys, StorageDescriptor: { ...glue.StorageDescriptor, Location: locationOf(glue.StorageDescriptor.Location) },
});

const days = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));

let client: GlueClient;
let mock: AwsClientStub<GlueClient>;
let sleeps: number[];
let catalog: GlueCatalog;

beforeEach(() => {
  client = new GlueClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  mock = mockClient(client);
  sleeps = [];
  catalog = new GlueCatalog({
    client, locationOf, databases: { silver: 'lake_silver', gold: 'lake_gold', quarantine: 'lake_quarantine' },
    retry: { sleep: async (ms) => { sleeps.push(ms); } },
  });
});
afterEach(() => mock.restore());

const table = (glue = ordersGlue()) => ({ layer: 'silver' as const, name: 'orders', glue });

describe('GlueCatalog.syncTable: creating', () => {
  it('never creates a database: a missing one is an error naming it and the deploy that creates it', async () => {
    mock.on(GetTableCommand).rejects(missing('Database lake_silver'));
    mock.on(CreateTableCommand).rejects(missing('Database lake_silver'));
    mock.on(CreateDatabaseCommand).resolves({});
    const m = manifest(1, [part('2025-06-15', 'DE', 'r1')]);
    await expect(catalog.syncTable(table(), m)).rejects.toMatchObject({
      name: 'Strata.Internal', message: expect.stringMatching(/^Glue database lake_silver does not exist, so table orders cannot be created: the stage's deploy creates its databases \(npx sst deploy/),
    });
    expect(mock.commandCalls(CreateDatabaseCommand)).toHaveLength(0);
  });

  it('creates the table when missing, with the planned Parquet table, then every partition', async () => {
    mock.on(GetTableCommand).rejects(missing('Table orders'));
    mock.on(CreateTableCommand).resolves({});
    mock.on(BatchCreatePartitionCommand).resolves({});
    const m = manifest(1, [part('2025-06-15', 'DE', 'r1'), part('2025-06-15', null, 'r1')]);

    expect(await catalog.syncTable(table(), m)).toEqual({ created: 2, updated: 0, deleted: 0 });

    const created = mock.commandCalls(CreateTableCommand).map((c) => c.args[0].input);
    expect(created).toHaveLength(1);
    const sd = {
      Columns: [
        { Name: 'order_id', Type: 'bigint', Comment: 'order number' },
        { Name: 'amount', Type: 'decimal(12,2)' },
        { Name: 'ordered_at', Type: 'timestamp', Comment: 'UTC' },
      ],
      Location: 's3://lake-bucket/dev/silver/orders/',
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      Compressed: false,
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
      StoredAsSubDirectories: false,
    };
    expect(created[0]).toEqual({
      DatabaseName: 'lake_silver',
      TableInput: {
        Name: 'orders', Description: 'Orders as accepted', Owner: 'sales', TableType: 'EXTERNAL_TABLE',
        Parameters: {
          EXTERNAL: 'TRUE', classification: 'parquet', 'parquet.compression': 'ZSTD',
          'strata.dataset': 'orders', 'strata.layer': 'silver', 'strata.schema_hash': 'h1', 'strata.owner': 'sales',
          'strata.manifest_version': '1', 'strata.manifest_lineage': 'r1', 'strata.manifest_runs': '1:r1', 'strata.partitions_schema_hash': 'h1',
        },
        PartitionKeys: [{ Name: 'dt', Type: 'string', Comment: 'day(ordered_at)' }, { Name: 'country', Type: 'string', Comment: 'identity(country)' }],
        StorageDescriptor: sd,
      },
    });
    // A table created just now has no partitions to read back.
    expect(mock.commandCalls(GetPartitionsCommand)).toHaveLength(0);
    expect(mock.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input).toEqual({
      DatabaseName: 'lake_silver', TableName: 'orders',
      PartitionInputList: [
        { Values: ['2025-06-15', 'DE'], StorageDescriptor: { ...sd, Location: 's3://lake-bucket/dev/silver/orders/dt=2025-06-15/country=DE/v-r1/' } },
        { Values: ['2025-06-15', '__HIVE_DEFAULT_PARTITION__'], StorageDescriptor: { ...sd, Location: 's3://lake-bucket/dev/silver/orders/dt=2025-06-15/country=__HIVE_DEFAULT_PARTITION__/v-r1/' } },
      ],
    });
  });

  it('creates 250 partitions in calls of at most 100', async () => {
    mock.on(GetTableCommand).rejects(missing('Table orders'));
    mock.on(CreateTableCommand).resolves({});
    mock.on(BatchCreatePartitionCommand).resolves({});
    const m = manifest(1, days(250).map((d) => part(d, 'DE', 'r1')));
    expect(await catalog.syncTable(table(), m)).toEqual({ created: 250, updated: 0, deleted: 0 });
    const calls = mock.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList!);
    expect(calls.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(calls.flat().map((p) => p.Values![0])).toEqual(days(250));
    expect(mock.commandCalls(CreateDatabaseCommand)).toHaveLength(0);
  });
});

describe('GlueCatalog.syncTable: switching versions', () => {
  it('reads partitions page by page, repoints only moved ones (≤100 per call) and drops removed ones (≤25 per call)', async () => {
    const all = days(250);
    const before = manifest(1, all.map((d) => part(d, 'DE', 'r1')));
    const after = manifest(2, all.slice(0, 190).map((d, i) => part(d, 'DE', i < 120 ? 'r2' : 'r1')));
    mock.on(GetTableCommand).resolves({ Table: tableAt(ordersGlue(), before) });
    const glueParts: Partition[] = all.map((d) => ({ Values: [d, 'DE'], StorageDescriptor: { Location: locationOf(part(d, 'DE', 'r1').location) } }));
    mock.on(GetPartitionsCommand, { NextToken: undefined }).resolves({ Partitions: glueParts.slice(0, 150), NextToken: 'page2' });
    mock.on(GetPartitionsCommand, { NextToken: 'page2' }).resolves({ Partitions: glueParts.slice(150) });
    mock.on(UpdateTableCommand).resolves({});
    mock.on(BatchUpdatePartitionCommand).resolves({});
    mock.on(BatchDeletePartitionCommand).resolves({});

    expect(await catalog.syncTable(table(), after)).toEqual({ created: 0, updated: 120, deleted: 60 });

    expect(mock.commandCalls(GetPartitionsCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: 'lake_silver', TableName: 'orders', ExcludeColumnSchema: true },
      { DatabaseName: 'lake_silver', TableName: 'orders', ExcludeColumnSchema: true, NextToken: 'page2' },
    ]);
    // Only the manifest version moved on the table: updated without archiving a table version.
    const upd = mock.commandCalls(UpdateTableCommand)[0]!.args[0].input;
    expect(upd).toMatchObject({ DatabaseName: 'lake_silver', SkipArchive: true, TableInput: { Parameters: { 'strata.manifest_version': '2' } } });
    const updates = mock.commandCalls(BatchUpdatePartitionCommand).map((c) => c.args[0].input.Entries!);
    expect(updates.map((u) => u.length)).toEqual([100, 20]);
    expect(updates.flat().map((e) => e.PartitionValueList![0])).toEqual(all.slice(0, 120));
    expect(updates[0]![0]!.PartitionInput!.StorageDescriptor!.Location).toBe(`${LAKE}silver/orders/dt=${all[0]}/country=DE/v-r2/`);
    const deletes = mock.commandCalls(BatchDeletePartitionCommand).map((c) => c.args[0].input);
    expect(deletes.map((d) => d.PartitionsToDelete!.length)).toEqual([25, 25, 10]);
    expect(deletes[0]).toMatchObject({ DatabaseName: 'lake_silver', TableName: 'orders' });
    expect(deletes.flatMap((d) => d.PartitionsToDelete!.map((p) => p.Values))).toEqual(all.slice(190).map((d) => [d, 'DE']));
    expect(mock.commandCalls(BatchCreatePartitionCommand)).toHaveLength(0);
  });

  it('evolves the schema: UpdateTable (archived), keeping foreign parameters, and every partition takes the new columns', async () => {
    const m1 = manifest(1, [part('2025-06-15', 'DE', 'r1'), part('2025-06-16', 'DE', 'r1')]);
    const m2 = { ...manifest(2, [part('2025-06-15', 'DE', 'r1'), part('2025-06-16', 'DE', 'r2')]), schemaHash: 'h2' };
    mock.on(GetTableCommand).resolves({ Table: tableAt(ordersGlue(), m1, { 'lakeformation.tag': 'pii' }) });
    mock.on(GetPartitionsCommand).resolves({ Partitions: Object.values(m1.partitions).map((p) => ({ Values: p.values as string[], StorageDescriptor: { Location: locationOf(p.location) } })) });
    mock.on(UpdateTableCommand).resolves({});
    mock.on(BatchUpdatePartitionCommand).resolves({});

    expect(await catalog.syncTable(table(ordersGlue(true)), m2)).toEqual({ created: 0, updated: 1, deleted: 0 });

    const upd = mock.commandCalls(UpdateTableCommand)[0]!.args[0].input;
    expect(upd.SkipArchive).toBe(false);
    expect(upd.TableInput!.StorageDescriptor!.Columns!.at(-1)).toEqual({ Name: 'channel', Type: 'string', Comment: 'added later' });
    expect(upd.TableInput!.Parameters).toMatchObject({ 'strata.schema_hash': 'h2', 'strata.manifest_version': '2', 'lakeformation.tag': 'pii' });
    const entries = mock.commandCalls(BatchUpdatePartitionCommand).flatMap((c) => c.args[0].input.Entries!);
    expect(entries.map((e) => [e.PartitionValueList, e.PartitionInput!.StorageDescriptor!.Location, e.PartitionInput!.StorageDescriptor!.Columns!.length])).toEqual([
      [['2025-06-16', 'DE'], `${LAKE}silver/orders/dt=2025-06-16/country=DE/v-r2/`, 4],
      [['2025-06-15', 'DE'], `${LAKE}silver/orders/dt=2025-06-15/country=DE/v-r1/`, 4],
    ]);
  });

  it('leaves the table alone when it already mirrors a newer manifest of the same lake', async () => {
    const newer = manifest(5, [part('2025-06-15', 'DE', 'r5')]);
    mock.on(GetTableCommand).resolves({ Table: tableAt(ordersGlue(), newer) });
    expect(await catalog.syncTable(table(), manifest(4, [part('2025-06-15', 'DE', 'r4')]))).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(mock.calls()).toHaveLength(1);

    // A lake recreated from scratch starts again at version 1 under another first run: it is followed.
    mock.on(GetPartitionsCommand).resolves({ Partitions: [{ Values: ['2025-06-15', 'DE'], StorageDescriptor: { Location: locationOf(part('2025-06-15', 'DE', 'r5').location) } }] });
    mock.on(UpdateTableCommand).resolves({});
    mock.on(BatchUpdatePartitionCommand).resolves({});
    expect(await catalog.syncTable(table(), manifest(1, [part('2025-06-15', 'DE', 'x1')], 'x1'))).toEqual({ created: 0, updated: 1, deleted: 0 });
  });

  it('follows a register of a version the table mirrors by another run (a manifest put back from an older copy, then committed to); a late register of the same run is still left alone', async () => {
    const withHistory = (version: number, runs: string[], p: PartitionVersion) => ({
      ...manifest(version, [p]),
      history: runs.map((runId, i) => ({ version: i + 1, runId, at: '2025-06-15T00:00:00.000Z', kind: 'commit' as const, changes: [] })),
    });
    const shown = withHistory(5, ['r1', 'r2', 'r3', 'r4', 'r5'], part('2025-06-15', 'DE', 'r5'));
    mock.on(GetTableCommand).resolves({ Table: tableAt(ordersGlue(), shown) });
    // version 4 by run r4, registered late: stale, nothing to do
    expect(await catalog.syncTable(table(), withHistory(4, ['r1', 'r2', 'r3', 'r4'], part('2025-06-15', 'DE', 'r4')))).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(mock.calls()).toHaveLength(1);
    // version 4 by run x4: versions 4 and 5 were lost and 4 reused; the table follows the manifest
    mock.on(GetPartitionsCommand).resolves({ Partitions: [{ Values: ['2025-06-15', 'DE'], StorageDescriptor: { Location: locationOf(part('2025-06-15', 'DE', 'r5').location) } }] });
    mock.on(UpdateTableCommand).resolves({});
    mock.on(BatchUpdatePartitionCommand).resolves({});
    expect(await catalog.syncTable(table(), withHistory(4, ['r1', 'r2', 'r3', 'x4'], part('2025-06-15', 'DE', 'x4')))).toEqual({ created: 0, updated: 1, deleted: 0 });
    expect(mock.commandCalls(UpdateTableCommand)[0]!.args[0].input.TableInput!.Parameters).toMatchObject({ 'strata.manifest_version': '4', 'strata.manifest_runs': '1:r1 2:r2 3:r3 4:x4' });
  });

  it('switches an unpartitioned table by repointing the table to the version folder', async () => {
    const flat = tableInput({ name: 'customers', columns: [{ Name: 'id', Type: 'bigint' }], partitionKeys: [], location: 'silver/customers/', parameters: {} });
    const v = (run: string): PartitionVersion => ({ ...part('x', 'x', run), path: '', values: [], location: `silver/customers/v-${run}/` });
    const m = (version: number, run?: string): TableManifest => ({ ...manifest(version, run ? [v(run)] : []), table: 'customers', partitionKeys: [] });
    const t = { layer: 'silver' as const, name: 'customers', glue: flat };
    mock.on(GetTableCommand).rejects(missing('Table customers'));
    mock.on(CreateTableCommand).resolves({});
    expect(await catalog.syncTable(t, m(0))).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(mock.commandCalls(CreateTableCommand)[0]!.args[0].input.TableInput!.StorageDescriptor!.Location).toBe(`${LAKE}silver/customers/_empty/`);

    mock.reset();
    const held: Table = { Name: 'customers', TableType: 'EXTERNAL_TABLE', PartitionKeys: [], Parameters: { ...flat.Parameters, 'strata.manifest_version': '1', 'strata.manifest_lineage': 'r1' },
      StorageDescriptor: { ...flat.StorageDescriptor, Location: `${LAKE}silver/customers/v-r1/` } };
    mock.on(GetTableCommand).resolves({ Table: held });
    mock.on(UpdateTableCommand).resolves({});
    expect(await catalog.syncTable(t, m(2, 'r2'))).toEqual({ created: 0, updated: 1, deleted: 0 });
    const upd = mock.commandCalls(UpdateTableCommand)[0]!.args[0].input;
    expect(upd).toMatchObject({ SkipArchive: true, TableInput: { StorageDescriptor: { Location: `${LAKE}silver/customers/v-r2/` } } });
    expect(mock.commandCalls(GetPartitionsCommand)).toHaveLength(0);
  });
});

describe('GlueCatalog: failures', () => {
  it('retries throttled and conflicting calls with growing, jittered delays, then succeeds', async () => {
    mock.on(GetTableCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).rejects(missing('Table orders'));
    mock.on(CreateTableCommand).resolves({});
    mock.on(BatchCreatePartitionCommand)
      .rejectsOnce(Object.assign(new Error('concurrent'), { name: 'ConcurrentModificationException', $metadata: { httpStatusCode: 400 } }))
      .resolves({});
    expect(await catalog.syncTable(table(), manifest(1, [part('2025-06-15', 'DE', 'r1')]))).toEqual({ created: 1, updated: 0, deleted: 0 });
    expect(mock.commandCalls(GetTableCommand)).toHaveLength(3);
    expect(mock.commandCalls(BatchCreatePartitionCommand)).toHaveLength(2);
    expect(sleeps).toHaveLength(3);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it('after the last attempt, throttling surfaces unchanged and is classified transient', async () => {
    mock.on(GetTableCommand).rejects(throttled());
    const err = await catalog.syncTable(table(), manifest(1, [])).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ThrottlingException' });
    expect(isTransient(err)).toBe(true);
    expect(mock.commandCalls(GetTableCommand)).toHaveLength(5);
  });

  it('reads the Errors of batch responses: existing partitions are updated, passing errors re-sent, others fail clearly', async () => {
    mock.on(GetTableCommand).resolves({ Table: tableAt(ordersGlue(), manifest(1, [])) });
    mock.on(GetPartitionsCommand).resolves({ Partitions: [] });
    mock.on(UpdateTableCommand).resolves({});
    mock.on(BatchCreatePartitionCommand).resolvesOnce({
      Errors: [
        { PartitionValues: ['2025-06-15', 'DE'], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' } },
        { PartitionValues: ['2025-06-16', 'DE'], ErrorDetail: { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } },
      ],
    }).resolves({});
    mock.on(BatchUpdatePartitionCommand).resolves({});
    const m = manifest(2, [part('2025-06-15', 'DE', 'r2'), part('2025-06-16', 'DE', 'r2'), part('2025-06-17', 'DE', 'r2')]);
    expect(await catalog.syncTable(table(), m)).toEqual({ created: 3, updated: 0, deleted: 0 });
    const creates = mock.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList!.map((p) => p.Values![0]));
    expect(creates).toEqual([['2025-06-15', '2025-06-16', '2025-06-17'], ['2025-06-16']]);
    expect(mock.commandCalls(BatchUpdatePartitionCommand)[0]!.args[0].input.Entries!.map((e) => e.PartitionValueList)).toEqual([['2025-06-15', 'DE']]);

    mock.on(BatchCreatePartitionCommand).resolves({
      Errors: [{ PartitionValues: ['2025-06-17', 'DE'], ErrorDetail: { ErrorCode: 'ResourceNumberLimitExceededException', ErrorMessage: 'Number of partitions exceeds the limit' } }],
    });
    await expect(catalog.syncTable(table(), manifest(3, [part('2025-06-17', 'DE', 'r3')]))).rejects.toMatchObject({
      name: 'Strata.Internal',
      message: 'creating partitions of lake_silver.orders: 1 entry failed, first partition (2025-06-17, DE): ResourceNumberLimitExceededException Number of partitions exceeds the limit',
    });
  });

  it('treats a concurrent creator as success: AlreadyExists on CreateTable falls back to updating', async () => {
    const m = manifest(1, []);
    mock.on(GetTableCommand).rejectsOnce(missing('Table orders')).resolves({ Table: tableAt(ordersGlue(), m) });
    mock.on(CreateTableCommand).rejects(new AlreadyExistsException({ message: 'Table already exists.', $metadata: {} }));
    mock.on(GetPartitionsCommand).resolves({});
    expect(await catalog.syncTable(table(), m)).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(mock.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });
});

describe('GlueCatalog: quarantine and runs', () => {
  it('syncFiles makes the quarantine table exist over its folder, and changes nothing when it does', async () => {
    const q = tableInput({ name: 'orders', columns: [{ Name: 'raw', Type: 'string' }], partitionKeys: [], location: 'quarantine/orders/', parameters: { 'strata.layer': 'quarantine' } });
    mock.on(GetTableCommand).rejects(missing('Table orders'));
    mock.on(CreateTableCommand).resolves({});
    await catalog.syncFiles({ layer: 'quarantine', name: 'orders', glue: q }, ['quarantine/orders/a.parquet']);
    expect(mock.commandCalls(CreateTableCommand)[0]!.args[0].input).toMatchObject({
      DatabaseName: 'lake_quarantine', TableInput: { Name: 'orders', StorageDescriptor: { Location: `${LAKE}quarantine/orders/` } },
    });
    mock.reset();
    mock.on(GetTableCommand).resolves({ Table: { ...mock.commandCalls(CreateTableCommand)[0]?.args[0].input.TableInput, ...{
      Name: 'orders', TableType: 'EXTERNAL_TABLE', Parameters: q.Parameters, PartitionKeys: [], StorageDescriptor: { ...q.StorageDescriptor, Location: `${LAKE}quarantine/orders/` } } } });
    await catalog.syncFiles({ layer: 'quarantine', name: 'orders', glue: q }, ['quarantine/orders/a.parquet', 'quarantine/orders/b.parquet']);
    expect(mock.calls()).toHaveLength(1);
  });

  it('putRun registers nothing; runsTableInput describes the JSON run records for the stacks', async () => {
    await catalog.putRun({} as never);
    expect(mock.calls()).toHaveLength(0);
    const t = runsTableInput('lake_strata', locationOf);
    expect(t.DatabaseName).toBe('lake_strata');
    expect(t.TableInput).toMatchObject({
      Name: 'runs', TableType: 'EXTERNAL_TABLE', PartitionKeys: [], Parameters: { classification: 'json' },
      StorageDescriptor: {
        Location: `${LAKE}_strata/runs/`,
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'mapping.run_id': 'runId', 'mapping.rows_in': 'rowsIn', 'mapping.committed_by': 'committedBy' } },
      },
    });
    const cols = t.TableInput!.StorageDescriptor!.Columns!;
    expect(cols.map((c) => c.Name)).toEqual([
      'run_id', 'dataset', 'status', 'source', 'started_at', 'finished_at', 'duration_ms', 'rows_in', 'rows_valid', 'rows_quarantined',
      'rows_superseded', 'partitions', 'timings', 'warnings', 'reasons', 'committed_by', 'error', 'quality', 'gold', 'execution',
    ]);
    expect(cols.find((c) => c.Name === 'source')!.Type).toBe('struct<key:string,etag:string,size:bigint,sourceid:string>');
    expect(t.TableInput!.StorageDescriptor!.SerdeInfo!.Parameters!['mapping.dataset']).toBeUndefined();
  });
});

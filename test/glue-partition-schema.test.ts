// A schema change reaches every Glue partition (each has a storage descriptor of its own) only through the partition
// refresh of the same sync. UpdateTable runs first; a sync interrupted before the partitions (a Lambda timeout, a
// throttling burst that outlasts the retries) was retried against a table already in line, saw no schema change, and
// the partitions kept the old columns for good (an attack on the Glue adapter, stop 49). The table now says which
// schema its partitions carry (strata.partitions_schema_hash), set only once they all do.
import { BatchUpdatePartitionCommand, GlueClient } from '@aws-sdk/client-glue';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { GlueCatalog } from '../runtime/catalog/glue.ts';
import { tableInput } from '../core/plan/glue-table.ts';
import type { PartitionVersion, TableManifest } from '../runtime/table/manifest.ts';
import { fakeGlue } from './helpers/aws-fakes.ts';

const LAKE = 's3://lake-bucket/dev/';
const locationOf = (key: string) => `${LAKE}${key}`;

const ordersGlue = (extra: boolean) => tableInput({
  name: 'orders',
  columns: [
    { Name: 'order_id', Type: 'bigint' },
    { Name: 'amount', Type: 'decimal(12,2)' },
    ...(extra ? [{ Name: 'channel', Type: 'string' }] : []),
  ],
  partitionKeys: [{ Name: 'dt', Type: 'string', Comment: 'day(ordered_at)' }],
  location: 'silver/orders/',
  parameters: { 'strata.dataset': 'orders', 'strata.layer': 'silver', 'strata.schema_hash': extra ? 'h2' : 'h1' },
});

const part = (dt: string, run: string): PartitionVersion => ({
  path: `dt=${dt}`, values: [dt], location: `silver/orders/dt=${dt}/v-${run}/`,
  files: [], rows: 1, bytes: 1, runId: run, committedAt: '2025-06-15T00:00:00.000Z', schemaHash: 'h1',
});
const days = Array.from({ length: 3 }, (_, i) => `2025-01-0${i + 1}`);
const manifest = (version: number, schemaHash: string, runs: string[]): TableManifest => ({
  table: 'orders', layer: 'silver', version, schemaHash, partitionKeys: ['dt'],
  partitions: Object.fromEntries(days.map((d) => [`dt=${d}`, part(d, 'r1')])), sources: {},
  history: runs.map((r, i) => ({ version: i + 1, runId: r, at: '2025-06-15T00:00:00.000Z', kind: 'commit' as const, changes: [] })),
  retired: [], updatedAt: '2025-06-15T00:00:00.000Z',
});

let client: GlueClient;
let mock: AwsClientStub<GlueClient>;
beforeEach(() => {
  client = new GlueClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  mock = mockClient(client);
});
afterEach(() => mock.restore());

it('a column added while the partition refresh is interrupted reaches every partition when the register is retried', async () => {
  const glue = fakeGlue(mock, ['lake_silver', 'lake_gold', 'lake_quarantine']);
  const catalog = new GlueCatalog({ client, locationOf, databases: { silver: 'lake_silver', gold: 'lake_gold', quarantine: 'lake_quarantine' }, retry: { attempts: 1, sleep: async () => {} } });
  const table = (extra: boolean) => ({ layer: 'silver' as const, name: 'orders', glue: ordersGlue(extra) });

  // v1: three partitions, two columns.
  await catalog.syncTable(table(false), manifest(1, 'h1', ['r1']));
  // v2: the schema gains `channel` (an additive change: same partition folders, old files read it as NULL).
  const real = glue.parts;
  let killed = true;
  mock.on(BatchUpdatePartitionCommand).callsFake(async (i) => {
    if (killed) { killed = false; throw Object.assign(new Error('Task timed out after 900.00 seconds'), { name: 'TimeoutError' }); }
    const m = real.get(`lake_silver.${i.TableName}`)!;
    for (const e of i.Entries) m.set(JSON.stringify(e.PartitionValueList), structuredClone(e.PartitionInput));
    return {};
  });
  await expect(catalog.syncTable(table(true), manifest(2, 'h2', ['r1', 'r2']))).rejects.toThrow();
  // The step is retried (Step Functions), with the same manifest: it must finish the job.
  await catalog.syncTable(table(true), manifest(2, 'h2', ['r1', 'r2']));

  const t = glue.tables.get('lake_silver.orders')!;
  expect(t.StorageDescriptor!.Columns!.map((c) => c.Name)).toEqual(['order_id', 'amount', 'channel']);
  const partitionColumns = [...real.get('lake_silver.orders')!.values()].map((p) => p.StorageDescriptor!.Columns!.map((c) => c.Name));
  // Promise: every partition carries the table's schema once the register has succeeded.
  expect(partitionColumns).toEqual(days.map(() => ['order_id', 'amount', 'channel']));
});

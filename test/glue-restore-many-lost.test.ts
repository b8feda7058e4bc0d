// Glue after a restore that lost more versions than strata.manifest_runs keeps (16; a day-old backup of an hourly table
// put back): the commit reusing the first lost number was taken for a stale register and left alone, so Athena read
// the lost line until the reused numbers reached the runs the parameter still named (found by an attack). A version
// older than the runs kept is now registered (syncToLatest's re-read corrects a register that was stale after all).
import { GlueClient, GetPartitionsCommand, GetTableCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { GlueCatalog } from '../runtime/catalog/glue.ts';
import { tableInput } from '../core/plan/glue-table.ts';
import type { HistoryEntry, PartitionVersion, TableManifest } from '../runtime/table/manifest.ts';
import { fakeGlue } from './helpers/aws-fakes.ts';

const glue = tableInput({
  name: 'orders', description: 'o', owner: 's', columns: [{ Name: 'id', Type: 'bigint' }],
  partitionKeys: [{ Name: 'dt', Type: 'string' }], location: 'silver/orders/',
  parameters: { 'strata.dataset': 'orders', 'strata.layer': 'silver', 'strata.schema_hash': 'h1' },
});
const part = (dt: string, run: string): PartitionVersion => ({ path: `dt=${dt}`, values: [dt], location: `silver/orders/dt=${dt}/v-${run}/`, files: [], rows: 1, bytes: 1, runId: run, committedAt: '2025-06-15T00:00:00.000Z', schemaHash: 'h1' });
/** Version n of a line whose runs are runs[0..n-1]; every run writes its own day. */
const manifest = (runs: string[]): TableManifest => ({
  table: 'orders', layer: 'silver', version: runs.length, schemaHash: 'h1', partitionKeys: ['dt'],
  partitions: Object.fromEntries(runs.map((r, i) => { const p = part(`2025-01-${String(i + 1).padStart(2, '0')}`, r); return [p.path, p]; })),
  sources: {}, history: runs.map((runId, i): HistoryEntry => ({ version: i + 1, runId, at: '2025-06-15T00:00:00.000Z', kind: 'commit', changes: [] })),
  retired: [], updatedAt: '2025-06-15T00:00:00.000Z',
});

describe('Glue after a restore that lost 20 versions', () => {
  it('the first commit after the restore is registered', async () => {
    const client = new GlueClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const mock = mockClient(client);
    fakeGlue(mock, ['s', 'g', 'q']);
    const catalog = new GlueCatalog({ client, locationOf: (k) => `s3://b/${k}`, databases: { silver: 's', gold: 'g', quarantine: 'q' }, retry: { sleep: async () => {} } });
    const table = { layer: 'silver' as const, name: 'orders', glue };
    try {
      const kept = ['r1', 'r2', 'r3', 'r4'];
      const lost = Array.from({ length: 20 }, (_, i) => `lost${i}`);
      for (let n = 1; n <= 24; n++) await catalog.syncTable(table, manifest([...kept, ...lost].slice(0, n)));
      // the manifest of version 4 put back, then run n1 commits version 5
      const now = manifest([...kept, 'n1']);
      await catalog.syncTable(table, now);
      const version = (await client.send(new GetTableCommand({ DatabaseName: 's', Name: 'orders' }))).Table!.Parameters!['strata.manifest_version'];
      const parts = (await client.send(new GetPartitionsCommand({ DatabaseName: 's', TableName: 'orders' }))).Partitions!.length;
      expect({ version, parts }).toEqual({ version: '5', parts: 5 });
    } finally {
      mock.restore();
    }
  });
});

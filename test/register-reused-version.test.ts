// A register holding the lost run's manifest (the same version number as the run that reused it) finishing after the
// reusing run's register, as compaction and gold publish call syncToLatest with the manifest they wrote: syncToLatest
// re-read the manifest, saw the same version number, took it for a gc rewrite and stopped, so the catalog (local and
// Glue) kept the lost run's partitions until the next commit (found by an attack). It now compares the newest run too.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlueClient, GetPartitionsCommand, GetTableCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { GlueCatalog } from '../runtime/catalog/glue.ts';
import { syncToLatest } from '../runtime/pipeline/register.ts';
import { readManifest } from '../runtime/table/store.ts';
import { examine } from '../workflows/doctor.ts';
import { fakeGlue } from './helpers/aws-fakes.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });
const csv = (id: number, day: number) => `${ORDERS_HEADER}\n${id},C${id},NEW,10.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z\n`;

async function setup() {
  const l = await makeLake({ orders: ordersSchema({ mode: 'append' }) });
  lakes.push(l);
  const plan = l.plans[0]!;
  const mf = join(l.dir, 'silver/orders/_strata/manifest.json');
  await l.ingest('orders', await l.file('a.csv', csv(1, 11)));
  const backup = readFileSync(mf, 'utf8');
  await l.ingest('orders', await l.file('b.csv', csv(2, 12))); // run L: version 2, lost below
  const lost = await readManifest(l.storage, plan.prefixes.silver, plan); // what L's register holds
  writeFileSync(mf, backup); // the manifest put back
  await l.ingest('orders', await l.file('e.csv', csv(5, 17))); // run N: version 2 again
  const now = await readManifest(l.storage, plan.prefixes.silver, plan);
  expect(now.manifest.version).toBe(2);
  return { l, plan, lost, now, table: { layer: 'silver' as const, name: 'orders', glue: plan.tables.silver } };
}

describe('a late register of the lost run after the reusing run registered', () => {
  it('local catalog: silver.orders shows the current manifest (day 17, not the lost day 12)', async () => {
    const { l, plan, lost, table } = await setup();
    await syncToLatest(l.ctx, plan.prefixes.silver, plan, table, lost); // as compaction / gold publish call it
    const days = await l.query<{ d: string }>('SELECT DISTINCT CAST(created_at AS DATE)::VARCHAR AS d FROM silver.orders ORDER BY 1');
    const problems = (await examine(l)).findings.filter((f) => f.level === 'problem' && f.message.includes('catalog entry')).map((f) => f.message);
    expect({ days: days.map((r) => r.d), problems }).toEqual({ days: ['2025-06-11', '2025-06-17'], problems: [] });
  });

  it('Glue: the table shows the current manifest', async () => {
    const { l, plan, lost, now, table } = await setup();
    const client = new GlueClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const mock = mockClient(client);
    fakeGlue(mock, ['s', 'g', 'q']);
    const catalog = new GlueCatalog({ client, locationOf: (k) => `s3://b/${k}`, databases: { silver: 's', gold: 'g', quarantine: 'q' }, retry: { sleep: async () => {} } });
    const ctx = { ...l.ctx, catalog };
    try {
      await syncToLatest(ctx, plan.prefixes.silver, plan, table, now); // N's register
      await syncToLatest(ctx, plan.prefixes.silver, plan, table, lost); // L's, late
      const parts = (await client.send(new GetPartitionsCommand({ DatabaseName: 's', TableName: plan.tables.silver.Name }))).Partitions!.map((p) => p.StorageDescriptor!.Location).sort();
      const params = (await client.send(new GetTableCommand({ DatabaseName: 's', Name: plan.tables.silver.Name }))).Table!.Parameters!;
      const want = Object.values(now.manifest.partitions).map((p) => `s3://b/${p.location}`).sort();
      expect({ parts, runs: params['strata.manifest_runs'] }).toEqual({ parts: want, runs: now.manifest.history.map((h) => `${h.version}:${h.runId}`).join(' ') });
    } finally {
      mock.restore();
    }
  });
});

// The AWS adapters end to end, without AWS: S3 and Glue clients mocked by small in-memory fakes (keyed objects
// with ETags and conditional PUTs; tables and partitions), the trigger's StartExecution input run through the real
// state machine locally. Checks that S3Storage and GlueCatalog keep the semantics the pipeline relies on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunInput } from '../runtime/pipeline/payloads.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import type { RunRecord } from '../runtime/runs/record.ts';
import { pathLit, withDuck } from '../runtime/engine/duckdb.ts';
import { renderAsl } from '../workflows/asl.ts';
import { executeLocal } from '../workflows/local.ts';
import { awsStage } from './helpers/aws-stage.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let lake: TestLake;
const { s3, glue, storage, catalog, start, restore } = awsStage();

/** An append dataset: a row ingested twice would be in silver twice. */
const EVENTS = 'dataset: events\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint, required: true }\n  - { name: what, type: string }\nmode: append\n';

beforeAll(async () => { lake = await makeLake({ orders: ordersSchema({ mode: 'upsert' }), events: EVENTS }); });
afterAll(async () => { await lake?.cleanup(); restore(); });

/** Upload to bronze (a new version): the EventBridge event S3 sends for it, and the ETag it got. */
function uploadEvent(name: string, csv: string, dataset = 'orders') {
  const key = `in/bronze/${dataset}/${name}`;
  const { etag, versionId } = s3.put('raw', key, Buffer.from(csv));
  return {
    etag,
    event: {
      'detail-type': 'Object Created', source: 'aws.s3', time: '2025-06-16T08:00:00Z',
      detail: { bucket: { name: 'raw' }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size: csv.length, etag, 'version-id': versionId } },
    },
  };
}

const deliver = async (name: string, csv: string, dataset = 'orders') => start(uploadEvent(name, csv, dataset).event);

/** Run an execution input through the real state machine, with the S3 and Glue adapters: its run record. */
async function execute(input: RunInput): Promise<{ status: string; record: RunRecord }> {
  const ctx = { ...lake.ctx, storage, catalog };
  await executeLocal(renderAsl(lake.ctx.plans.get(input.dataset), { goldTables: [] }), input, { ctx, name: input.runId });
  const record = JSON.parse((await storage.readText(`_strata/runs/${input.dataset}/${input.runId}.json`))!) as RunRecord;
  return { status: record.status, record };
}

/** Upload, trigger, and run the execution it starts through the real state machine. */
async function upload(name: string, csv: string, dataset = 'orders'): Promise<{ input: RunInput; status: string }> {
  const input = await deliver(name, csv, dataset);
  return { input, status: (await execute(input)).status };
}

/** Every row of a dataset's silver table, as "id:what" (read with DuckDB from the committed files). */
async function silverRows(dataset: string): Promise<string[]> {
  const text = await storage.readText(`silver/${dataset}/_strata/manifest.json`);
  if (!text) return [];
  const m = JSON.parse(text) as TableManifest;
  const files = Object.values(m.partitions).flatMap((p) => p.files);
  return storage.withLocalFiles(files, (paths) => withDuck(async (db) =>
    (await db.all<{ r: string }>(`SELECT id || ':' || what AS r FROM read_parquet([${paths.map(pathLit).join(', ')}]) ORDER BY ALL`)).map((x) => x.r)));
}

const manifestOf = async () => JSON.parse((await storage.readText('silver/orders/_strata/manifest.json'))!) as TableManifest;

describe('AWS adapters end to end (in-memory S3 and Glue)', () => {
  it('runs an uploaded file from the trigger to Glue partitions that point at the committed version folders', async () => {
    const csv = `${ORDERS_HEADER}\n1,Ann,NEW,10.50,Jun 15 2025,2025-06-15 10:00:00\n2,Bob,SHIPPED,5.00,Jun 15 2025,2025-06-16 09:00:00\n3,Cy,BOGUS,1.00,Jun 15 2025,2025-06-16 09:30:00\n`;
    const { input, status } = await upload('june 15 été.csv', csv);
    expect(status).toBe('SUCCEEDED');
    expect(input.source.key).toBe('bronze/orders/june 15 été.csv');

    const m = await manifestOf();
    expect(Object.keys(m.partitions).sort()).toEqual(['dt=2025-06-15', 'dt=2025-06-16']);
    // Every committed file is in the lake bucket, under the lake prefix.
    for (const f of Object.values(m.partitions).flatMap((p) => p.files)) expect(s3.bucket('lake').has(`dev/${f}`)).toBe(true);
    // Staging is cleaned up; the run record and the quarantine file are where readers look for them.
    expect([...s3.bucket('lake').keys()].filter((k) => k.startsWith('dev/staging/'))).toEqual([]);
    const record = JSON.parse((await storage.readText(`_strata/runs/orders/${input.runId}.json`))!);
    expect(record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });

    const table = glue.tables.get('dev_silver.orders')!;
    expect(table.StorageDescriptor!.Location).toBe('s3://lake/dev/silver/orders/');
    expect(table.Parameters!['strata.manifest_version']).toBe(String(m.version));
    const glueParts = [...glue.parts.get('dev_silver.orders')!.values()].map((p) => [p.Values, p.StorageDescriptor!.Location]).sort();
    expect(glueParts).toEqual(Object.values(m.partitions).map((p) => [p.values, `s3://lake/dev/${p.location}`]).sort());
    expect(glue.tables.get('dev_quarantine.orders')!.StorageDescriptor!.Location).toBe('s3://lake/dev/quarantine/orders/');
  });

  it('switches only the touched partition to its new version on the next upload (upsert)', async () => {
    const before = await manifestOf();
    const { status } = await upload('june 16 fix.csv', `${ORDERS_HEADER}\n2,Bob,CANCELLED,5.00,Jun 15 2025,2025-06-16 09:00:00\n`);
    expect(status).toBe('SUCCEEDED');
    const after = await manifestOf();
    expect(after.partitions['dt=2025-06-15']!.location).toBe(before.partitions['dt=2025-06-15']!.location);
    expect(after.partitions['dt=2025-06-16']!.location).not.toBe(before.partitions['dt=2025-06-16']!.location);
    const loc = (dt: string) => glue.parts.get('dev_silver.orders')!.get(JSON.stringify([dt]))!.StorageDescriptor!.Location;
    expect(loc('2025-06-16')).toBe(`s3://lake/dev/${after.partitions['dt=2025-06-16']!.location}`);
    expect(loc('2025-06-15')).toBe(`s3://lake/dev/${before.partitions['dt=2025-06-15']!.location}`);
    // The replaced version stays readable (retired, for rollback and for readers that started before the switch).
    for (const f of before.partitions['dt=2025-06-16']!.files) expect(s3.bucket('lake').has(`dev/${f}`)).toBe(true);
  });

  it('asks for the same execution again when an event is delivered twice (Step Functions refuses the duplicate)', async () => {
    const { event } = uploadEvent('june 17.csv', `${ORDERS_HEADER}\n4,Dee,NEW,1.00,Jun 17 2025,2025-06-17 09:00:00\n`);
    expect(await start(event)).toEqual(await start(event));
  });

  it('re-uploading identical bytes (a new version, with an SSE-KMS ETag of its own) is SKIPPED: an append dataset never gets rows twice', async () => {
    const before = await silverRows('events');
    const csv = 'id,what\n1,a\n2,b\n';
    const first = uploadEvent('e.csv', csv, 'events');
    expect((await execute(await start(first.event))).status).toBe('SUCCEEDED');
    const after = [...before, '1:a', '2:b'].sort();
    expect(await silverRows('events')).toEqual(after);
    const again = uploadEvent('e.csv', csv, 'events');
    expect(again.etag).not.toBe(first.etag); // what the old source id was built from
    const rerun = await start(again.event);
    const { status, record } = await execute(rerun);
    expect(status).toBe('SKIPPED');
    expect(record.warnings).toContainEqual(expect.stringMatching(/^bronze\/events\/e\.csv was already committed by run /));
    expect(await silverRows('events')).toEqual(after);
  });

  it('two uploads of one key whose runs start after both: each run reads the version its event names', async () => {
    const before = await silverRows('events');
    const v1 = uploadEvent('same.csv', 'id,what\n10,v1\n11,v1\n', 'events');
    const v2 = uploadEvent('same.csv', 'id,what\n20,v2\n', 'events');
    const [in1, in2] = [await start(v1.event), await start(v2.event)];
    expect(in1.source.versionId).not.toBe(in2.source.versionId);
    expect((await execute(in1)).status).toBe('SUCCEEDED');
    expect((await execute(in2)).status).toBe('SUCCEEDED');
    expect(await silverRows('events')).toEqual([...before, '10:v1', '11:v1', '20:v2'].sort());
  });

  it('a version gone before its run reads it: the run FAILED, naming the key and the version, nothing ingested', async () => {
    const before = await silverRows('events');
    const old = uploadEvent('gone.csv', 'id,what\n30,old\n', 'events');
    uploadEvent('gone.csv', 'id,what\n31,new\n', 'events');
    const input = await start(old.event);
    s3.expireVersion('raw', 'in/bronze/events/gone.csv', input.source.versionId!);
    const { status, record } = await execute(input);
    expect(status).toBe('FAILED');
    expect(record.error).toEqual({
      name: 'Strata.UnreadableFile',
      message: `bronze/events/gone.csv version ${input.source.versionId} no longer exists (s3://raw/in/bronze/events/gone.csv): it was deleted, or expired by the bucket's lifecycle rule for noncurrent versions. Nothing was ingested from it; upload the file again to ingest it.`,
    });
    expect(await silverRows('events')).toEqual(before);
  });
});

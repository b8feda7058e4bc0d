// The AWS adapters end to end, without AWS: S3 and Glue clients mocked by small in-memory fakes (keyed objects
// with ETags and conditional PUTs; tables and partitions), the trigger's StartExecution input run through the real
// state machine locally. Checks that S3Storage and GlueCatalog keep the semantics the pipeline relies on.
import { S3Client } from '@aws-sdk/client-s3';
import { GlueClient } from '@aws-sdk/client-glue';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlueCatalog } from '../runtime/catalog/glue.ts';
import type { RunInput } from '../runtime/pipeline/payloads.ts';
import { S3Storage } from '../runtime/storage/s3.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { createTriggerHandler } from '../functions/trigger.ts';
import { localLambdaContext } from '../functions/lib/step.ts';
import { renderAsl } from '../workflows/asl.ts';
import { executeLocal } from '../workflows/local.ts';
import { fakeGlue, fakeS3 } from './helpers/aws-fakes.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const creds = { region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };
let lake: TestLake;
const s3Client = new S3Client(creds);
const glueClient = new GlueClient(creds);
const sfnClient = new SFNClient(creds);
const s3Mock = mockClient(s3Client);
const glueMock = mockClient(glueClient);
const sfnMock = mockClient(sfnClient);
const s3 = fakeS3(s3Mock);
const glue = fakeGlue(glueMock, ['dev_silver', 'dev_gold', 'dev_quarantine']);
const storage = new S3Storage({ client: s3Client, locations: { bronze: { bucket: 'raw', prefix: 'in/' }, lake: { bucket: 'lake', prefix: 'dev/' } } });
const catalog = new GlueCatalog({
  client: glueClient, locationOf: (k) => storage.uri(k), databases: { silver: 'dev_silver', gold: 'dev_gold', quarantine: 'dev_quarantine' },
  retry: { sleep: async () => {} },
});
const trigger = createTriggerHandler({ sfn: sfnClient, s3: s3Client, config: { stateMachineArn: (d) => `arn:sm:${d}`, bronzeBucket: 'raw', bronzePrefix: 'in/' } });

beforeAll(async () => { lake = await makeLake({ orders: ordersSchema({ mode: 'upsert' }) }); });
afterAll(async () => { await lake?.cleanup(); s3Mock.restore(); glueMock.restore(); sfnMock.restore(); });

/** Upload to bronze and deliver the EventBridge event to the trigger: the StartExecution input it sends. */
async function deliver(name: string, csv: string): Promise<RunInput> {
  const key = `in/bronze/orders/${name}`;
  const etag = s3.put('raw', key, Buffer.from(csv));
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
  sfnMock.resetHistory();
  await trigger({
    'detail-type': 'Object Created', source: 'aws.s3', time: '2025-06-16T08:00:00Z',
    detail: { bucket: { name: 'raw' }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size: csv.length, etag } },
  }, localLambdaContext('strata-trigger'));
  return JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!) as RunInput;
}

/** Upload, trigger, and run the execution it starts through the real state machine. */
async function upload(name: string, csv: string): Promise<{ input: RunInput; status: string }> {
  const input = await deliver(name, csv);
  const ctx = { ...lake.ctx, storage, catalog };
  const execution = await executeLocal(renderAsl(lake.ctx.plans.get('orders'), { goldTables: [] }), input, { ctx, name: input.runId });
  return { input, status: execution.status };
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

  it('asks for the same execution again when the same bytes arrive again (Step Functions refuses the duplicate)', async () => {
    const csv = `${ORDERS_HEADER}\n2,Bob,CANCELLED,5.00,Jun 15 2025,2025-06-16 09:00:00\n`;
    const first = await deliver('june 16 fix.csv', csv);
    const again = await deliver('june 16 fix.csv', csv);
    expect(again).toEqual(first);
    expect(JSON.parse((await storage.readText(`_strata/runs/orders/${first.runId}.json`))!).status).toBe('SUCCEEDED');
  });
});

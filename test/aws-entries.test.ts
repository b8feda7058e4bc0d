// The Lambda entries as deployed: functions/<step>.ts with the AWS context built from the environment the stacks
// set and the bundled schema files; S3 and Glue are in-memory fakes behind aws-sdk-client-mock (every client
// instance, as in Lambda where the entry creates its own). A file goes stage → quality → commit → register.
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsContext, awsEnvironment } from '../functions/lib/aws-context.ts';
import { localLambdaContext } from '../functions/lib/step.ts';
import { STEPS } from '../core/plan/steps.ts';
import { fakeGlue, fakeS3 } from './helpers/aws-fakes.ts';
import { ORDERS_HEADER, ordersSchema } from './helpers/lake.ts';

const s3Mock = mockClient(S3Client);
const glueMock = mockClient(GlueClient);
const s3 = fakeS3(s3Mock);
const glue = fakeGlue(glueMock, ['dev_silver', 'dev_gold', 'dev_quarantine']);
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-entries-'));
  await mkdir(join(dir, 'schemas'));
  await writeFile(join(dir, 'schemas', 'orders.yaml'), ordersSchema({ extra: `quality:\n  silver:\n    halt: ['RowCount > 0']\n    warn: ['IsUnique "status"']\n` }));
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y',
    STRATA_SCHEMAS: join(dir, 'schemas'), STRATA_BRONZE_BUCKET: 'raw', STRATA_BRONZE_PREFIX: '', STRATA_LAKE_BUCKET: 'lake', STRATA_LAKE_PREFIX: 'dev/',
    STRATA_GLUE_SILVER_DATABASE: 'dev_silver', STRATA_GLUE_GOLD_DATABASE: 'dev_gold', STRATA_GLUE_QUARANTINE_DATABASE: 'dev_quarantine',
  });
});
afterAll(async () => {
  process.env = saved;
  s3Mock.restore();
  glueMock.restore();
  await rm(dir, { recursive: true, force: true });
});

const entry = async (step: string) => (await import(`../functions/${step}.ts`)) as { handler: (e: unknown, c: unknown) => Promise<any> };
const call = async (step: string, event: unknown) => (await entry(step)).handler(event, localLambdaContext(`strata-dev-orders-${step}`));

describe('Lambda entries', () => {
  it('every step the stacks deploy has an entry whose handler runs that step (its validator names it)', async () => {
    for (const step of STEPS) {
      await expect(call(step, {}), step).rejects.toMatchObject({
        name: 'Strata.InvalidInput', message: expect.stringMatching(new RegExp(`^step ${step} received an invalid payload: `)),
      });
    }
  });

  it('run a file from bronze to Glue with the ports built from the environment', async () => {
    const csv = `${ORDERS_HEADER}\n1,Ann,NEW,10.50,Jun 15 2025,2025-06-15 10:00:00\n2,Bob,SHIPPED,5.00,Jun 15 2025,2025-06-16 09:00:00\n`;
    const { etag } = s3.put('raw', 'bronze/orders/a.csv', Buffer.from(csv));
    const input = { dataset: 'orders', runId: 'run-1', source: { key: 'bronze/orders/a.csv', etag }, now: '2025-06-16T12:00:00Z', startedAt: '2025-06-16T12:00:00Z' };
    const stage = await call('stage', input);
    expect(stage).toMatchObject({ rowsIn: 2, rowsValid: 2, alreadyIngested: false });
    const quality = await call('quality', { ...input, stage });
    expect(quality).toMatchObject({ halted: false, passed: 2 });
    expect(s3.bucket('lake').has(`dev/${quality.metricsKey}`)).toBe(true);
    const commit = await call('commit', { runId: input.runId, now: input.now, stage });
    // The payload counts the partitions; their paths are in the manifest's history (a payload must not grow with them).
    expect(commit).toMatchObject({ status: 'committed', partitions: 2 });
    await call('register', { dataset: 'orders' });
    expect(glue.tables.get('dev_silver.orders')!.StorageDescriptor!.Location).toBe('s3://lake/dev/silver/orders/');
    expect([...glue.parts.get('dev_silver.orders')!.keys()].sort()).toEqual(['["2025-06-15"]', '["2025-06-16"]']);
    // A payload that is not a step's input is refused by the validator, naming the step's error.
    await expect(call('commit', { runId: 'run-1' })).rejects.toMatchObject({ name: 'Strata.InvalidInput' });
  });

  it('DuckDB in the function: its memory and its spill as the stacks set them (stacks-resources.test.ts)', async () => {
    const env = awsEnvironment({ ...process.env, STRATA_DUCKDB_MEMORY: '796MB', STRATA_DUCKDB_MAX_TEMP_DIRECTORY_SIZE: '1024MB' });
    const ctx = await awsContext(env, { s3: new S3Client({}), glue: new GlueClient({}) });
    expect(ctx.duck).toEqual({ memoryLimit: '796MB', maxTempDirectorySize: '1024MB' });
  });

  it('a missing environment variable is a clear error, not an undefined bucket', () => {
    expect(() => awsEnvironment({ STRATA_LAKE_BUCKET: 'lake' })).toThrow(/lacks STRATA_BRONZE_BUCKET/);
  });
});

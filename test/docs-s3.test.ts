// strata docs --stage: the same site from a deployed lake. A small local lake is copied into in-memory S3 buckets
// (aws-sdk-client-mock, test/helpers/aws-fakes.ts) named as a stage's are; the docs read from there must give the
// model the local lake gives, with only reads of the lake bucket: ListBuckets to find the buckets, ListObjectsV2 and
// GetObject under the lake prefix, nothing written, bronze never read.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDocs, docsModel } from '../cli/commands/docs.ts';
import { stageBucket } from '../cli/stage-buckets.ts';
import type { DocsModel } from '../runtime/docs/model.ts';
import { fakeS3 } from './helpers/aws-fakes.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const LAKE_BUCKET = 'strata-dev-lake-20260101abcd';
const BRONZE_BUCKET = 'strata-dev-bronze-20260101efgh';
const BUCKETS = ['analytics-team', BRONZE_BUCKET, LAKE_BUCKET, 'strata-dev-logs-20260101ijkl', 'strata-prod-lake-20260101mnop'];

let lake: TestLake;
let local: DocsModel;
let mock: AwsClientStub<S3Client>;
let client: S3Client;

/** ListBuckets as S3 answers it: filtered by Prefix, in pages (of one here, so paging is exercised). */
function listBuckets(names: readonly string[]) {
  mock.on(ListBucketsCommand).callsFake(async (i) => {
    const all = names.filter((n) => n.startsWith(i.Prefix ?? '')).sort();
    const from = i.ContinuationToken ? all.indexOf(i.ContinuationToken) : 0;
    const next = all[from + 1];
    return { Buckets: all.slice(from, from + 1).map((Name) => ({ Name })), ...(next ? { ContinuationToken: next } : {}) };
  });
}

beforeAll(async () => {
  lake = await makeLake({
    orders: ordersSchema({ maxRatio: 0.5, extra: `quality:
  silver:
    warn:
      - RowCount > 0
gold:
  - table: daily_orders
    sql: SELECT CAST(created_at AS DATE) AS day, count(*) AS orders FROM silver.orders GROUP BY 1
    partitionBy: [day]
` }),
  });
  await lake.ingest('orders', await lake.file('good.csv', `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bob,SHIPPED,5.50,Jun 13 2025,2025-06-13T11:00:00Z\n3,Cy,NEW,-1,Jun 13 2025,2025-06-13T12:00:00Z\n`));
  await lake.ingest('orders', await lake.file('bad.csv', `${ORDERS_HEADER}\nx,Ann,NEW,10.00,Jun 12 2025,\n`));
  local = await docsModel(lake.storage, lake.plans, lake.gold, NOW);
});
afterAll(() => lake?.cleanup());
afterEach(() => mock?.restore());

/** The local lake's files as objects: bronze/ in the bronze bucket, the rest in the lake bucket under `prefix`. */
async function uploadLake(prefix: string): Promise<void> {
  const s3 = fakeS3(mock);
  for (const e of await readdir(lake.dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const key = relative(lake.dir, join(e.parentPath, e.name)).split(sep).join('/');
    const body = await readFile(join(e.parentPath, e.name));
    if (key.startsWith('bronze/')) s3.put(BRONZE_BUCKET, key, body); else s3.put(LAKE_BUCKET, `${prefix}${key}`, body);
  }
}

describe('strata docs --stage', () => {
  it('reads the stage\'s lake bucket (found by name) and gives the model the local lake gives', async () => {
    client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    mock = mockClient(client);
    await uploadLake('team-a/');
    listBuckets(BUCKETS);
    const out = join(lake.root, 'site-dev');
    const { model, written } = await buildDocs({
      global: { lake: lake.dir, schemas: join(lake.root, 'schemas'), json: false, verbose: false }, out, now: NOW, s3: client,
      stage: { app: 'strata', stage: 'dev', prefix: 'team-a/' },
    });
    expect(model.lake).toEqual({ kind: 's3', uri: `s3://${LAKE_BUCKET}/team-a/` });
    expect(model.runs.map((r) => r.status)).toEqual(['REJECTED', 'SUCCEEDED']);
    expect(model.quality.map((q) => `${q.layer}.${q.table} ${q.evaluations.length}`)).toEqual(['silver.orders 1']);
    const localUri = local.lake.uri;
    const asS3 = JSON.parse(JSON.stringify(local).replaceAll(`${localUri}bronze/`, `s3://${BRONZE_BUCKET}/bronze/`).replaceAll(localUri, `s3://${LAKE_BUCKET}/team-a/`)
      .replace('"kind":"local"', '"kind":"s3"'));
    expect(model).toEqual(asS3);
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain(`s3://${LAKE_BUCKET}/team-a/`);
    expect(written.pages).toBe(6); // overview, lineage, runs, quality, orders, daily_orders

    // Only reads: the two bucket lookups, then listings and gets in the lake bucket under its prefix.
    const calls = mock.calls().map((c) => c.args[0] as unknown as { constructor: { name: string } });
    expect([...new Set(calls.map((c) => c.constructor.name))].sort()).toEqual(['GetObjectCommand', 'ListBucketsCommand', 'ListObjectsV2Command']);
    expect(mock.commandCalls(ListBucketsCommand).map((c) => c.args[0].input.Prefix)).toEqual(['strata-dev-lake-', 'strata-dev-bronze-']);
    const listed = mock.commandCalls(ListObjectsV2Command).map((c) => `${c.args[0].input.Bucket}/${c.args[0].input.Prefix}`);
    expect([...new Set(listed)].sort()).toEqual([`${LAKE_BUCKET}/team-a/_strata/metrics/`, `${LAKE_BUCKET}/team-a/_strata/runs/`]);
    const got = mock.commandCalls(GetObjectCommand).map((c) => `${c.args[0].input.Bucket}/${c.args[0].input.Key}`);
    expect(got.every((k) => k.startsWith(`${LAKE_BUCKET}/team-a/`))).toBe(true);
    expect(got).toEqual(expect.arrayContaining([`${LAKE_BUCKET}/team-a/silver/orders/_strata/manifest.json`, `${LAKE_BUCKET}/team-a/gold/daily_orders/_strata/manifest.json`]));
    expect(got.filter((k) => k.includes('/_strata/runs/'))).toHaveLength(2);
  });

  it('names the buckets when the lookup finds none or several, and takes --bucket instead', async () => {
    client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    mock = mockClient(client);
    listBuckets(['strata-dev-lake-one', 'strata-dev-lake-two', 'strata-dev-bronze-one']);
    await expect(stageBucket(client, { app: 'strata', stage: 'dev' }, 'lake')).rejects.toThrow(
      '2 buckets match strata-dev-lake-*: strata-dev-lake-one, strata-dev-lake-two; name the lake bucket with --bucket');
    await expect(stageBucket(client, { app: 'strata', stage: 'qa' }, 'lake')).rejects.toThrow(
      'no lake bucket of stage qa (app strata) in this account: no bucket is named strata-qa-lake-*. Is the stage deployed, with these credentials? Or name it with --bucket.');
    expect(await stageBucket(client, { app: 'strata', stage: 'dev' }, 'bronze')).toBe('strata-dev-bronze-one');

    mock.reset();
    await uploadLake('');
    listBuckets(['strata-dev-bronze-one']);
    const { model } = await buildDocs({
      global: { lake: lake.dir, schemas: join(lake.root, 'schemas'), json: false, verbose: false }, out: join(lake.root, 'site-named'), now: NOW, s3: client,
      stage: { app: 'strata', stage: 'dev', bucket: LAKE_BUCKET },
    });
    expect(model.lake.uri).toBe(`s3://${LAKE_BUCKET}/`);
    expect(model.runs).toHaveLength(2);
    expect(mock.commandCalls(ListBucketsCommand).map((c) => c.args[0].input.Prefix)).toEqual(['strata-dev-bronze-']);
  });
});

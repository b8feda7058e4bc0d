// In-memory stand-ins for S3 and Glue behind aws-sdk-client-mock: enough of each service for the storage and
// catalog ports (conditional PUTs, paged listings, copies; tables and partitions with the service's errors).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand,
  S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  AlreadyExistsException, BatchCreatePartitionCommand, BatchDeletePartitionCommand, BatchUpdatePartitionCommand,
  CreateDatabaseCommand, CreateTableCommand, EntityNotFoundException, GetPartitionsCommand, GetTableCommand, GlueClient,
  GlueServiceException, UpdateTableCommand, type Partition, type Table,
} from '@aws-sdk/client-glue';
import { sdkStreamMixin } from '@smithy/core/serde';
import type { AwsClientStub } from 'aws-sdk-client-mock';

const s3Error = (name: string, status: number) => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });

export interface FakeS3Options {
  /** Buckets with versioning on: every write adds a version (bronze in the stacks). */
  versioned?: readonly string[];
  /** 'ignore': accept If-Match / If-None-Match and write (or delete) anyway, as some S3-compatible servers do. */
  conditions?: 'honour' | 'ignore';
}

interface FakeObject { body: Buffer; etag: string; at: Date; versionId: string | undefined }

/**
 * Buckets as maps; enough of S3 for the storage port (conditional PUT and DELETE, listing with pages, copy by CopySource,
 * versions and If-Match on reads). ETags behave as under SSE-KMS (the lake's encryption): opaque and different for
 * every write, even of identical bytes — never the MD5 of the content.
 */
export function fakeS3(mock: AwsClientStub<S3Client>, opts: FakeS3Options = {}) {
  const buckets = new Map<string, Map<string, FakeObject>>();
  /** Every version ever written (versioned buckets), by bucket and key, oldest first. */
  const versions = new Map<string, FakeObject[]>();
  const bucket = (name: string) => buckets.get(name) ?? buckets.set(name, new Map()).get(name)!;
  const history = (b: string, k: string) => versions.get(`${b}/${k}`) ?? versions.set(`${b}/${k}`, []).get(`${b}/${k}`)!;
  const put = (b: string, k: string, body: Buffer) => {
    const o: FakeObject = { body, etag: randomBytes(16).toString('hex'), at: new Date(), versionId: opts.versioned?.includes(b) ? randomBytes(12).toString('base64url') : undefined };
    bucket(b).set(k, o);
    if (o.versionId) history(b, k).push(o);
    return { etag: o.etag, versionId: o.versionId };
  };
  /** The object a read names: the current one, or the given version; undefined if there is none. */
  const find = (i: { Bucket: string; Key: string; VersionId?: string }) => {
    if (i.VersionId === undefined) return bucket(i.Bucket).get(i.Key);
    const v = history(i.Bucket, i.Key).find((x) => x.versionId === i.VersionId);
    if (!v) throw s3Error('NoSuchVersion', 404);
    return v;
  };
  const read = (i: { Bucket: string; Key: string; VersionId?: string; IfMatch?: string }, missing: string) => {
    const o = find(i);
    if (!o) throw s3Error(missing, 404);
    if (i.IfMatch !== undefined && i.IfMatch !== `"${o.etag}"`) throw s3Error('PreconditionFailed', 412);
    return o;
  };
  mock.on(PutObjectCommand).callsFake(async (i) => {
    const cur = bucket(i.Bucket).get(i.Key);
    if (opts.conditions !== 'ignore') {
      if (i.IfNoneMatch === '*' && cur) throw s3Error('PreconditionFailed', 412);
      if (i.IfMatch !== undefined && !cur) throw s3Error('NoSuchKey', 404);
      if (i.IfMatch !== undefined && i.IfMatch !== `"${cur!.etag}"`) throw s3Error('PreconditionFailed', 412);
    }
    const w = put(i.Bucket, i.Key, Buffer.from(i.Body));
    return { ETag: `"${w.etag}"`, ...(w.versionId ? { VersionId: w.versionId } : {}) };
  });
  mock.on(GetObjectCommand).callsFake(async (i) => {
    const o = read(i, 'NoSuchKey');
    return { Body: sdkStreamMixin(Readable.from([o.body])), ETag: `"${o.etag}"`, ContentLength: o.body.length, ...(o.versionId ? { VersionId: o.versionId } : {}) };
  });
  mock.on(HeadObjectCommand).callsFake(async (i) => {
    const o = read(i, 'NotFound');
    return { ETag: `"${o.etag}"`, ContentLength: o.body.length, LastModified: o.at, ...(o.versionId ? { VersionId: o.versionId } : {}) };
  });
  mock.on(ListObjectsV2Command).callsFake(async (i) => {
    const keys = [...bucket(i.Bucket).keys()].filter((k) => k.startsWith(i.Prefix ?? '')).sort().filter((k) => !i.ContinuationToken || k > i.ContinuationToken);
    const page = keys.slice(0, 3); // tiny pages: every listing in the pipeline goes through pagination
    return {
      Contents: page.map((k) => ({ Key: k, Size: bucket(i.Bucket).get(k)!.body.length, ETag: `"${bucket(i.Bucket).get(k)!.etag}"`, LastModified: bucket(i.Bucket).get(k)!.at })),
      IsTruncated: keys.length > page.length, ...(keys.length > page.length ? { NextContinuationToken: page.at(-1) } : {}),
    };
  });
  mock.on(CopyObjectCommand).callsFake(async (i) => {
    const [srcBucket, ...rest] = (i.CopySource as string).split('/');
    const src = bucket(srcBucket!).get(rest.map(decodeURIComponent).join('/'));
    if (!src) throw s3Error('NoSuchKey', 404);
    put(i.Bucket, i.Key, src.body);
    return {};
  });
  mock.on(DeleteObjectCommand).callsFake(async (i) => {
    const cur = bucket(i.Bucket).get(i.Key);
    if (opts.conditions !== 'ignore' && i.IfMatch !== undefined) {
      if (!cur) throw s3Error('NoSuchKey', 404);
      if (i.IfMatch !== `"${cur.etag}"`) throw s3Error('PreconditionFailed', 412);
    }
    bucket(i.Bucket).delete(i.Key);
    return {};
  });
  mock.on(DeleteObjectsCommand).callsFake(async (i) => {
    for (const o of i.Delete.Objects) bucket(i.Bucket).delete(o.Key);
    return {};
  });
  /** A version removed for good (a lifecycle rule expiring noncurrent versions, or a delete by version id). */
  const expireVersion = (b: string, k: string, versionId: string) => {
    const h = history(b, k);
    h.splice(h.findIndex((x) => x.versionId === versionId), 1);
  };
  return { bucket, put, expireVersion };
}

/**
 * Glue tables and partitions as maps, with the service's not-found / already-exists answers. The databases exist
 * from the start (the deploy creates them); creating one is refused as IAM would refuse the runtime roles.
 */
export function fakeGlue(mock: AwsClientStub<GlueClient>, databases: readonly string[]) {
  const dbs = new Set<string>(databases);
  const tables = new Map<string, Table>();
  const parts = new Map<string, Map<string, Partition>>();
  const id = (db: string, t: string) => `${db}.${t}`;
  const notFound = (what: string) => new EntityNotFoundException({ message: `${what} not found`, $metadata: { httpStatusCode: 400 } });
  mock.on(GetTableCommand).callsFake(async (i) => {
    const t = tables.get(id(i.DatabaseName, i.Name));
    if (!t) throw notFound(`Table ${i.Name}`);
    return { Table: structuredClone(t) };
  });
  mock.on(CreateDatabaseCommand).callsFake(async () => {
    throw new GlueServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'not authorized to perform: glue:CreateDatabase' });
  });
  mock.on(CreateTableCommand).callsFake(async (i) => {
    if (!dbs.has(i.DatabaseName)) throw notFound(`Database ${i.DatabaseName}`);
    if (tables.has(id(i.DatabaseName, i.TableInput.Name))) throw new AlreadyExistsException({ message: 'exists', $metadata: {} });
    tables.set(id(i.DatabaseName, i.TableInput.Name), { ...structuredClone(i.TableInput), DatabaseName: i.DatabaseName });
    parts.set(id(i.DatabaseName, i.TableInput.Name), new Map());
    return {};
  });
  mock.on(UpdateTableCommand).callsFake(async (i) => {
    tables.set(id(i.DatabaseName, i.TableInput.Name), { ...structuredClone(i.TableInput), DatabaseName: i.DatabaseName });
    return {};
  });
  mock.on(GetPartitionsCommand).callsFake(async (i) => ({ Partitions: [...(parts.get(id(i.DatabaseName, i.TableName))?.values() ?? [])].map((p) => structuredClone(p)) }));
  mock.on(BatchCreatePartitionCommand).callsFake(async (i) => {
    const m = parts.get(id(i.DatabaseName, i.TableName))!;
    const Errors = [];
    for (const p of i.PartitionInputList) {
      if (m.has(JSON.stringify(p.Values))) Errors.push({ PartitionValues: p.Values, ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' } });
      else m.set(JSON.stringify(p.Values), structuredClone(p));
    }
    return { Errors };
  });
  mock.on(BatchUpdatePartitionCommand).callsFake(async (i) => {
    const m = parts.get(id(i.DatabaseName, i.TableName))!;
    for (const e of i.Entries) m.set(JSON.stringify(e.PartitionValueList), structuredClone(e.PartitionInput));
    return {};
  });
  mock.on(BatchDeletePartitionCommand).callsFake(async (i) => {
    const m = parts.get(id(i.DatabaseName, i.TableName))!;
    for (const p of i.PartitionsToDelete) m.delete(JSON.stringify(p.Values));
    return {};
  });
  return { tables, parts };
}


// S3 storage adapter against a mocked S3 client: the exact requests it sends, and how it reads S3's answers.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand,
  HeadObjectCommand, ListObjectsV2Command, NoSuchKey, NotFound, PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEventKey, S3Storage } from '../runtime/storage/s3.ts';
import { fakeS3 } from './helpers/aws-fakes.ts';
import { isTransient } from '../functions/lib/errors.ts';

const body = (text: string | Buffer) => sdkStreamMixin(Readable.from([Buffer.from(text)]));
const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: name });

let client: S3Client;
let mock: AwsClientStub<S3Client>;
let tmp: string;
let storage: S3Storage;

beforeEach(async () => {
  client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  mock = mockClient(client);
  tmp = await mkdtemp(join(tmpdir(), 'aws-s3-test-'));
  storage = new S3Storage({
    client, tmpDir: tmp, retry: { sleep: async () => {} },
    locations: { bronze: { bucket: 'raw-bucket', prefix: 'in' }, lake: { bucket: 'lake-bucket', prefix: 'dev/' } },
  });
});
afterEach(async () => {
  mock.restore();
  await rm(tmp, { recursive: true, force: true });
});

describe('S3Storage: keys', () => {
  it('routes bronze to the bronze location and every other layer to the lake, keeping the layer segment', () => {
    expect(storage.uri('bronze/orders/a.csv')).toBe('s3://raw-bucket/in/bronze/orders/a.csv');
    expect(storage.uri('silver/orders/dt=2025-06-15/v-r1/part-0.parquet')).toBe('s3://lake-bucket/dev/silver/orders/dt=2025-06-15/v-r1/part-0.parquet');
    expect(storage.uri('_strata/runs/orders/r1.json')).toBe('s3://lake-bucket/dev/_strata/runs/orders/r1.json');
    expect(storage.uri('gold/daily/')).toBe('s3://lake-bucket/dev/gold/daily/');
    expect(() => storage.uri('elsewhere/x')).toThrow(/outside the lake layout/);
    expect(() => storage.uri('silver/../bronze/x')).toThrow(/invalid storage key/);
  });

  it('decodes event keys: + is a space, %XX is UTF-8, an invalid escape means the key was not encoded', () => {
    expect(decodeEventKey('bronze/orders/June+orders+%28final%29.csv')).toBe('bronze/orders/June orders (final).csv');
    expect(decodeEventKey('bronze%2Forders%2F%C3%A9t%C3%A9.csv')).toBe('bronze/orders/été.csv');
    expect(decodeEventKey('bronze/orders/a%2Bb.csv')).toBe('bronze/orders/a+b.csv');
    expect(decodeEventKey('bronze/orders/100%.csv')).toBe('bronze/orders/100%.csv');
  });
});

describe('S3Storage: reads', () => {
  it('reads text and the bare ETag; a missing object reads as undefined', async () => {
    mock.on(GetObjectCommand, { Bucket: 'lake-bucket', Key: 'dev/silver/orders/_strata/manifest.json' })
      .resolves({ Body: body('{"version":3}'), ETag: '"abc123"' });
    mock.on(GetObjectCommand, { Key: 'dev/silver/none/_strata/manifest.json' }).rejects(new NoSuchKey({ message: 'no', $metadata: { httpStatusCode: 404 } }));
    expect(await storage.readVersioned('silver/orders/_strata/manifest.json')).toEqual({ text: '{"version":3}', etag: 'abc123' });
    expect(await storage.readText('silver/none/_strata/manifest.json')).toBeUndefined();
  });

  it('gives the content id as the SHA-256 of the bytes (never the ETag), and names the key of a missing object', async () => {
    mock.on(GetObjectCommand, { Bucket: 'raw-bucket', Key: 'in/bronze/orders/a.csv' }).resolves({ Body: body('id\n1\n'), ETag: '"9f2c-3"' });
    mock.on(GetObjectCommand, { Key: 'in/bronze/orders/gone.csv' }).rejects(new NoSuchKey({ message: 'no', $metadata: { httpStatusCode: 404 } }));
    mock.on(HeadObjectCommand, { Key: 'in/bronze/orders/gone.csv' }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    expect(await storage.contentId('bronze/orders/a.csv')).toBe(createHash('sha256').update('id\n1\n').digest('hex').slice(0, 32));
    expect(await storage.head('bronze/orders/gone.csv')).toBeUndefined();
    await expect(storage.contentId('bronze/orders/gone.csv')).rejects.toMatchObject({
      name: 'Strata.UnreadableFile', message: 'bronze/orders/gone.csv does not exist (s3://raw-bucket/in/bronze/orders/gone.csv)',
    });
  });

  it('lists every page, strips the location prefix, skips folder markers and sorts', async () => {
    mock.on(ListObjectsV2Command, { Bucket: 'lake-bucket', Prefix: 'dev/silver/orders/', ContinuationToken: undefined }).resolves({
      IsTruncated: true, NextContinuationToken: 't2',
      Contents: [{ Key: 'dev/silver/orders/dt=b/x.parquet', Size: 5, ETag: '"e2"', LastModified: new Date(2) }, { Key: 'dev/silver/orders/', Size: 0 }],
    });
    mock.on(ListObjectsV2Command, { ContinuationToken: 't2' }).resolves({
      IsTruncated: false, Contents: [{ Key: 'dev/silver/orders/dt=a/x.parquet', Size: 7, ETag: '"e1"', LastModified: new Date(1) }],
    });
    const listed = await storage.list('silver/orders/');
    expect(listed).toEqual([
      { key: 'silver/orders/dt=a/x.parquet', size: 7, etag: 'e1', lastModified: new Date(1) },
      { key: 'silver/orders/dt=b/x.parquet', size: 5, etag: 'e2', lastModified: new Date(2) },
    ]);
    expect(mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'lake-bucket', Prefix: 'dev/silver/orders/', EncodingType: 'url' },
      { Bucket: 'lake-bucket', Prefix: 'dev/silver/orders/', EncodingType: 'url', ContinuationToken: 't2' },
    ]);
  });

  it('lists with URL-encoded keys and decodes them (a space is "+" then, "+" is %2B; a CR, which XML would turn into an LF, is %0D); a store that ignores the encoding gives its keys as they are', async () => {
    mock.on(ListObjectsV2Command).resolves({ EncodingType: 'url', Contents: [
      { Key: 'in/bronze/orders/a+b.csv', Size: 1 }, { Key: 'in/bronze/orders/a%2Bb.csv', Size: 2 }, { Key: 'in/bronze/orders/x%0D.csv', Size: 3 },
      { Key: 'in/bronze/orders/%C3%A9t%C3%A9%25.csv', Size: 4 },
    ] });
    expect((await storage.list('bronze/orders/')).map((o) => [o.key, o.size])).toEqual([
      ['bronze/orders/a b.csv', 1], ['bronze/orders/a+b.csv', 2], ['bronze/orders/x\r.csv', 3], ['bronze/orders/été%.csv', 4],
    ]);
    expect(mock.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toMatchObject({ EncodingType: 'url' });
    mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'in/bronze/orders/a+b.csv', Size: 1 }] });
    expect((await storage.list('bronze/orders/')).map((o) => o.key)).toEqual(['bronze/orders/a+b.csv']);
  });

  it('streams an object to a file in the temp dir that lives only while fn runs', async () => {
    mock.on(GetObjectCommand, { Bucket: 'raw-bucket', Key: 'in/bronze/orders/2025 june.csv.gz' }).resolves({ Body: body('id,amount\n1,2\n') });
    let seen = '';
    const out = await storage.withLocalFile('bronze/orders/2025 june.csv.gz', async (path) => {
      expect(path.startsWith(tmp)).toBe(true);
      expect(path.endsWith('/2025 june.csv.gz')).toBe(true); // the extension survives: readers sniff it
      seen = path;
      return readFile(path, 'utf8');
    });
    expect(out).toBe('id,amount\n1,2\n');
    expect(existsSync(seen)).toBe(false);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('removes the download when fn fails, and reports a missing object as UnreadableFile', async () => {
    mock.on(GetObjectCommand, { Key: 'in/bronze/orders/a.csv' }).resolves({ Body: body('x') });
    mock.on(GetObjectCommand, { Key: 'in/bronze/orders/missing.csv' }).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    await expect(storage.withLocalFile('bronze/orders/a.csv', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(storage.withLocalFile('bronze/orders/missing.csv', async () => 1)).rejects.toMatchObject({ name: 'Strata.UnreadableFile', message: expect.stringContaining('bronze/orders/missing.csv') });
    expect(await readdir(tmp)).toEqual([]);
  });

  it('reads the version a run names (VersionId, else If-Match on the ETag) and hashes it on the way to disk', async () => {
    mock.on(GetObjectCommand).callsFake(() => ({ Body: body('id,amount\n1,2\n') }));
    const seen: Array<{ text: string; size: number; contentId: string }> = [];
    const read = (version: object) => storage.withSourceFile('bronze/orders/a.csv', version, async (f) => { seen.push({ text: await readFile(f.path, 'utf8'), size: f.size, contentId: f.contentId }); });
    await read({ versionId: 'v-2', etag: 'e2' });
    await read({ etag: 'e2' });
    await read({});
    expect(mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'raw-bucket', Key: 'in/bronze/orders/a.csv', VersionId: 'v-2' },
      { Bucket: 'raw-bucket', Key: 'in/bronze/orders/a.csv', IfMatch: '"e2"' },
      { Bucket: 'raw-bucket', Key: 'in/bronze/orders/a.csv' },
    ]);
    const id = createHash('sha256').update('id,amount\n1,2\n').digest('hex').slice(0, 32);
    expect(seen).toEqual(Array(3).fill({ text: 'id,amount\n1,2\n', size: 14, contentId: id }));
    expect(await readdir(tmp)).toEqual([]);
  });

  it('a version that is gone, or an object overwritten since its event, is UnreadableFile saying so', async () => {
    mock.on(GetObjectCommand, { VersionId: 'v-1' }).rejects(s3Error('NoSuchVersion', 404));
    mock.on(GetObjectCommand, { IfMatch: '"e1"' }).rejects(s3Error('PreconditionFailed', 412));
    await expect(storage.withSourceFile('bronze/orders/a.csv', { versionId: 'v-1', etag: 'e1' }, async () => 1)).rejects.toMatchObject({
      name: 'Strata.UnreadableFile',
      message: "bronze/orders/a.csv version v-1 no longer exists (s3://raw-bucket/in/bronze/orders/a.csv): it was deleted, or expired by the bucket's lifecycle rule for noncurrent versions. Nothing was ingested from it; upload the file again to ingest it.",
    });
    await expect(storage.withSourceFile('bronze/orders/a.csv', { etag: 'e1' }, async () => 1)).rejects.toMatchObject({
      name: 'Strata.UnreadableFile',
      message: 'bronze/orders/a.csv is no longer the upload this run was started for (s3://raw-bucket/in/bronze/orders/a.csv has another ETag than e1): it was overwritten, and the bucket keeps no versions. The newer upload has its own run.',
    });
    expect(await readdir(tmp)).toEqual([]);
  });

  it('downloads many objects keeping their relative layout', async () => {
    mock.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: body(`content of ${input.Key}`) }));
    const keys = ['silver/orders/dt=a/v-r1/p.parquet', 'silver/orders/dt=b/v-r1/p.parquet', 'staging/orders/r2/part-0.parquet'];
    const texts = await storage.withLocalFiles(keys, async (paths) => {
      expect(paths.map((p) => p.slice(p.indexOf('strata-get-')).split('/').slice(1).join('/'))).toEqual(keys);
      // Under the local root a quality gate's DuckDB instance is locked to (runtime/pipeline/quality.ts).
      expect(storage.localRoot).toBe(tmp);
      for (const p of paths) expect(p.startsWith(`${tmp}/`)).toBe(true);
      return Promise.all(paths.map((p) => readFile(p, 'utf8')));
    });
    expect(texts).toEqual(keys.map((k) => `content of dev/${k}`));
    expect(await readdir(tmp)).toEqual([]);
  });

  it('lets throttling and 5xx surface as the SDK raised them, so the step retries them as transient', async () => {
    mock.on(GetObjectCommand).rejects(s3Error('SlowDown', 503));
    const err = await storage.readText('silver/orders/_strata/manifest.json').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(isTransient(err)).toBe(true);
  });
});

/** PutObject answers as S3 gives them for the conditional-write probe's object, and from `other` for every other key. */
function putObject(other: (input: { Key: string }) => Promise<unknown>) {
  const probes = new Map<string, string>();
  mock.on(PutObjectCommand).callsFake(async (i: { Key: string; IfNoneMatch?: string; IfMatch?: string }) => {
    if (!i.Key.includes('.conditional-write-probe-')) return other(i);
    const cur = probes.get(i.Key);
    if ((i.IfNoneMatch === '*' && cur) || (i.IfMatch !== undefined && i.IfMatch !== `"${cur}"`)) throw s3Error('PreconditionFailed', 412);
    probes.set(i.Key, `p${probes.size}`);
    return { ETag: `"p${probes.size - 1}"` };
  });
  // The probe's conditional DELETE (on another ETag): refused, as S3 refuses it.
  probeDelete = async (i) => {
    if (i.IfMatch !== undefined && i.IfMatch !== `"${probes.get(i.Key)}"`) throw s3Error('PreconditionFailed', 412);
    probes.delete(i.Key);
    return {};
  };
  mock.on(DeleteObjectCommand).callsFake((i: { Key: string; IfMatch?: string }) => probeDelete(i));
}
/** What DeleteObject answers for the probe's object (putObject sets it); a test's own DeleteObject answers go through deleteObject. */
let probeDelete: (i: { Key: string; IfMatch?: string }) => Promise<unknown> = async () => ({});
/** DeleteObject answers `other` for every key but the conditional-write probe's. */
function deleteObject(other: (i: { Key: string; IfMatch?: string }) => Promise<unknown>) {
  mock.on(DeleteObjectCommand).callsFake((i: { Key: string; IfMatch?: string }) => (i.Key.includes('.conditional-write-probe-') ? probeDelete(i) : other(i)));
}
/** The PutObject requests other than the probe's. */
const writes = () => mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input).filter((i) => !i.Key!.includes('.conditional-write-probe-'));

describe('S3Storage: writes', () => {
  it('compare-and-swap: If-Match with the quoted ETag, If-None-Match * for a new object', async () => {
    putObject(async () => ({ ETag: '"new1"' }));
    expect(await storage.putIfMatch('silver/orders/_strata/manifest.json', '{"v":2}', 'old1')).toEqual({ ok: true, etag: 'new1' });
    expect(await storage.putIfMatch('gold/daily/_strata/manifest.json', '{"v":1}', undefined)).toEqual({ ok: true, etag: 'new1' });
    expect(writes()).toEqual([
      { Bucket: 'lake-bucket', Key: 'dev/silver/orders/_strata/manifest.json', Body: '{"v":2}', ContentType: 'application/json', IfMatch: '"old1"' },
      { Bucket: 'lake-bucket', Key: 'dev/gold/daily/_strata/manifest.json', Body: '{"v":1}', ContentType: 'application/json', IfNoneMatch: '*' },
    ]);
  });

  it('a lost swap (412 PreconditionFailed, 409 ConditionalRequestConflict) is ok: false with the current ETag', async () => {
    const answers = [s3Error('PreconditionFailed', 412), s3Error('ConditionalRequestConflict', 409), s3Error('AccessDenied', 403)];
    putObject(async () => { throw answers.shift(); });
    mock.on(HeadObjectCommand).resolves({ ETag: '"theirs"', ContentLength: 3 });
    expect(await storage.putIfMatch('silver/orders/_strata/manifest.json', 'x', 'mine')).toEqual({ ok: false, currentEtag: 'theirs' });
    expect(await storage.putIfMatch('silver/orders/_strata/manifest.json', 'x', 'mine')).toEqual({ ok: false, currentEtag: 'theirs' });
    await expect(storage.putIfMatch('silver/orders/_strata/manifest.json', 'x', 'mine')).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('a conditional delete: DeleteObject with If-Match and the quoted ETag; 412, 404 and 409 are false, deleting nothing', async () => {
    putObject(async () => ({ ETag: '"x"' }));
    const answers: unknown[] = [{}, s3Error('PreconditionFailed', 412), s3Error('NoSuchKey', 404), s3Error('ConditionalRequestConflict', 409), s3Error('AccessDenied', 403)];
    deleteObject(async () => { const a = answers.shift(); if (a instanceof Error) throw a; return a; });
    expect(await storage.deleteIfMatch({ key: 'quarantine/orders/abc.parquet', etag: 'e1' })).toBe(true);
    for (let i = 0; i < 3; i++) expect(await storage.deleteIfMatch({ key: 'quarantine/orders/abc.parquet', etag: 'e1' })).toBe(false);
    await expect(storage.deleteIfMatch({ key: 'quarantine/orders/abc.parquet', etag: 'e1' })).rejects.toMatchObject({ name: 'AccessDenied' });
    const deletes = mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input).filter((i) => !i.Key!.includes('.conditional-write-probe-'));
    expect(deletes[0]).toEqual({ Bucket: 'lake-bucket', Key: 'dev/quarantine/orders/abc.parquet', IfMatch: '"e1"' });
  });

  it('copies server-side with a URL-encoded CopySource (spaces, plus, unicode), across buckets', async () => {
    mock.on(CopyObjectCommand).resolves({});
    await storage.copy('bronze/orders/my file+été.csv', 'staging/orders/r1/my file+été.csv');
    expect(mock.commandCalls(CopyObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'lake-bucket', Key: 'dev/staging/orders/r1/my file+été.csv',
      CopySource: 'raw-bucket/in/bronze/orders/my%20file%2B%C3%A9t%C3%A9.csv',
    });
  });

  it('copies an object above CopyObject\'s 5 GiB in parts (UploadPartCopy of ranges of the version it saw), as the local adapter copies any size (an attack, stop 49: every later append to such a partition failed)', async () => {
    const size = 6 * 1024 ** 3 + 5;
    mock.on(CopyObjectCommand).rejects(Object.assign(s3Error('InvalidRequest', 400), { message: 'The specified copy source is larger than the maximum allowable size for a copy source: 5368709120' }));
    mock.on(HeadObjectCommand).resolves({ ContentLength: size, ETag: '"big"', ContentType: 'application/vnd.apache.parquet' });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(UploadPartCopyCommand).callsFake(async (i: { PartNumber: number }) => ({ CopyPartResult: { ETag: `"p${i.PartNumber}"` } }));
    mock.on(CompleteMultipartUploadCommand).resolves({ ETag: '"done-13"' });
    await storage.copy('silver/events/dt=a/v-r1/part-0.parquet', 'silver/events/dt=a/v-r2/part-0.parquet');
    const parts = mock.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input);
    const half = 512 * 1024 ** 2;
    expect(parts.length).toBe(13);
    expect(parts[0]).toEqual({ Bucket: 'lake-bucket', Key: 'dev/silver/events/dt=a/v-r2/part-0.parquet', UploadId: 'u1', PartNumber: 1, CopySource: 'lake-bucket/dev/silver/events/dt%3Da/v-r1/part-0.parquet', CopySourceRange: `bytes=0-${half - 1}`, CopySourceIfMatch: '"big"' });
    expect(parts.at(-1)!.CopySourceRange).toBe(`bytes=${12 * half}-${size - 1}`);
    expect(mock.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input.MultipartUpload!.Parts!.map((p) => p.PartNumber)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    // A part that fails aborts the upload: no parts left billed, the error surfaces.
    mock.on(UploadPartCopyCommand).rejects(s3Error('PreconditionFailed', 412));
    mock.on(AbortMultipartUploadCommand).resolves({});
    await expect(storage.copy('silver/events/dt=a/v-r1/part-0.parquet', 'silver/events/dt=a/v-r3/part-0.parquet')).rejects.toMatchObject({ name: 'PreconditionFailed' });
    expect(mock.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: 'lake-bucket', Key: 'dev/silver/events/dt=a/v-r3/part-0.parquet', UploadId: 'u1' }]);
  });

  it('a part that fails stops new parts, and the abort waits for those in flight: none is started or stored after it (an attack on this stop\'s fix, stop 49)', async () => {
    mock.on(CopyObjectCommand).rejects(Object.assign(s3Error('InvalidRequest', 400), { message: 'The specified copy source is larger than the maximum allowable size for a copy source: 5368709120' }));
    mock.on(HeadObjectCommand).resolves({ ContentLength: 20 * 1024 ** 3, ETag: '"big"' });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    const log: string[] = [];
    const stored = new Set<number>();
    let aborted = false;
    mock.on(UploadPartCopyCommand).callsFake(async (i: { PartNumber: number }) => {
      log.push(`start ${i.PartNumber}`);
      if (i.PartNumber === 1) throw s3Error('InternalError', 500);
      if (aborted) throw s3Error('NoSuchUpload', 404);
      await new Promise((r) => setTimeout(r, 20));
      stored.add(i.PartNumber); // a part S3 finishes copying is stored, abort or not
      return { CopyPartResult: { ETag: `"p${i.PartNumber}"` } };
    });
    mock.on(AbortMultipartUploadCommand).callsFake(async () => { log.push('abort'); aborted = true; stored.clear(); return {}; });
    await expect(storage.copy('silver/t/v-a/big.parquet', 'silver/t/v-b/big.parquet')).rejects.toMatchObject({ name: 'InternalError' });
    await new Promise((r) => setTimeout(r, 100));
    expect({ startedAfterAbort: log.slice(log.indexOf('abort') + 1), stored: [...stored] }).toEqual({ startedAfterAbort: [], stored: [] });
  });

  it('a copy from a key that is not there names it, under a prefix-scoped role too (S3 answers 403, not 404; an attack, stop 49: AccessDenied, no key named)', async () => {
    mock.on(CopyObjectCommand).rejects(s3Error('AccessDenied', 403));
    mock.on(ListObjectsV2Command).resolves({ Contents: [] });
    await expect(storage.copy('staging/orders/r1/q.parquet', 'quarantine/orders/q.parquet')).rejects.toMatchObject({
      name: 'Strata.UnreadableFile', message: expect.stringContaining('staging/orders/r1/q.parquet does not exist'),
    });
    // The key is there: the denial is real and surfaces.
    mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'dev/staging/orders/r1/q.parquet', Size: 1 }] });
    await expect(storage.copy('staging/orders/r1/q.parquet', 'quarantine/orders/q.parquet')).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('deletes in batches of 1000 and fails on per-key errors, after retrying the passing ones', async () => {
    mock.on(DeleteObjectsCommand).resolves({});
    const keys = Array.from({ length: 2500 }, (_, i) => `staging/orders/r1/f${String(i).padStart(4, '0')}.parquet`);
    await storage.delete(keys);
    const batches = mock.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input);
    expect(batches.map((b) => b.Delete!.Objects!.length)).toEqual([1000, 1000, 500]);
    expect(batches[0]).toMatchObject({ Bucket: 'lake-bucket', Delete: { Quiet: true } });
    expect(batches[0]!.Delete!.Objects![0]).toEqual({ Key: 'dev/staging/orders/r1/f0000.parquet' });

    mock.reset();
    mock.on(DeleteObjectsCommand)
      .resolvesOnce({ Errors: [{ Key: 'dev/staging/orders/r1/b.parquet', Code: 'SlowDown', Message: 'Reduce your request rate' }] })
      .resolves({});
    await storage.delete(['staging/orders/r1/a.parquet', 'staging/orders/r1/b.parquet']);
    expect(mock.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete!.Objects)).toEqual([
      [{ Key: 'dev/staging/orders/r1/a.parquet' }, { Key: 'dev/staging/orders/r1/b.parquet' }],
      [{ Key: 'dev/staging/orders/r1/b.parquet' }],
    ]);

    mock.reset();
    mock.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'dev/staging/orders/r1/a.parquet', Code: 'AccessDenied', Message: 'Access Denied' }] });
    await expect(storage.delete(['staging/orders/r1/a.parquet'])).rejects.toThrow(
      'deleting from s3://lake-bucket/: 1 entry failed, first dev/staging/orders/r1/a.parquet: AccessDenied Access Denied');
  });

  it('deletes a prefix as a whole folder only', async () => {
    mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'dev/staging/orders/r1/a.parquet', Size: 1 }] });
    mock.on(DeleteObjectsCommand).resolves({});
    await storage.deletePrefix('staging/orders/r1');
    expect(mock.commandCalls(ListObjectsV2Command)[0]!.args[0].input.Prefix).toBe('dev/staging/orders/r1/');
    expect(mock.commandCalls(DeleteObjectsCommand)[0]!.args[0].input.Delete!.Objects).toEqual([{ Key: 'dev/staging/orders/r1/a.parquet' }]);
  });

  it('writeTree uploads every file under the prefix (large ones in parts) and removes its temp folder', async () => {
    storage = new S3Storage({
      client, tmpDir: tmp, multipartThreshold: 1 << 20, partSize: 5 << 20,
      locations: { bronze: { bucket: 'raw-bucket', prefix: '' }, lake: { bucket: 'lake-bucket', prefix: '' } },
    });
    mock.on(PutObjectCommand).resolves({ ETag: '"small"' });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({ ETag: `"p${input.PartNumber}"` }));
    mock.on(CompleteMultipartUploadCommand).resolves({ ETag: '"big-3"' });
    let dirSeen = '';
    const { result, written } = await storage.writeTree('staging/orders/r1', async (dir) => {
      dirSeen = dir;
      await mkdir(join(dir, 'dt=2025-06-15'));
      await writeFile(join(dir, 'dt=2025-06-15', 'part-0.parquet'), 'small');
      await writeFile(join(dir, 'big.parquet'), Buffer.alloc(11 << 20, 1));
      return 42;
    });
    expect(result).toBe(42);
    expect(written.map((w) => [w.key, w.size, w.etag])).toEqual([
      ['staging/orders/r1/big.parquet', 11 << 20, 'big-3'],
      ['staging/orders/r1/dt=2025-06-15/part-0.parquet', 5, 'small'],
    ]);
    const put = mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect({ Bucket: put.Bucket, Key: put.Key, ContentLength: put.ContentLength }).toEqual({ Bucket: 'lake-bucket', Key: 'staging/orders/r1/dt=2025-06-15/part-0.parquet', ContentLength: 5 });
    expect(mock.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'lake-bucket', Key: 'staging/orders/r1/big.parquet' });
    expect(mock.commandCalls(UploadPartCommand).map((c) => c.args[0].input.PartNumber).sort()).toEqual([1, 2, 3]);
    expect(mock.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input.MultipartUpload!.Parts!.map((p) => p.ETag))
      .toEqual(['"p1"', '"p2"', '"p3"']);
    expect(existsSync(dirSeen)).toBe(false);
  });
});

describe('S3Storage: stores without conditional writes', () => {
  const MANIFEST = 'silver/orders/_strata/manifest.json';
  /** n writers each add 1 to a counter in one object by read-modify-swap, retrying a lost swap: the final count. */
  async function increments(store: S3Storage, n: number): Promise<number> {
    const key = 'silver/orders/_strata/counter.json';
    await Promise.all(Array.from({ length: n }, async () => {
      for (;;) {
        const cur = await store.readVersioned(key);
        const swap = await store.putIfMatch(key, String(Number(cur?.text ?? '0') + 1), cur?.etag);
        if (swap.ok) return;
      }
    }));
    return Number((await store.readText(key))!);
  }

  it('probes a bucket once before its first swap, and an S3 that honours conditions passes: 8 concurrent writers, 8 updates', async () => {
    const s3 = fakeS3(mock);
    expect(await increments(storage, 8)).toBe(8);
    await storage.putIfMatch('gold/daily/_strata/manifest.json', '{}', undefined);
    const probe = mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input).filter((i) => i.Key!.includes('.conditional-write-probe-'));
    expect(probe.map(({ Bucket, IfNoneMatch, IfMatch }) => ({ Bucket, IfNoneMatch, IfMatch }))).toEqual([
      { Bucket: 'lake-bucket', IfNoneMatch: '*', IfMatch: undefined }, // creates the probe object
      { Bucket: 'lake-bucket', IfNoneMatch: '*', IfMatch: undefined }, // must be refused: it exists
      { Bucket: 'lake-bucket', IfNoneMatch: undefined, IfMatch: expect.stringMatching(/^"[0-9a-f]{32}0"$/) }, // must be refused: another ETag
    ]);
    // And a DELETE on another ETag (deleteIfMatch's condition): must be refused too.
    expect(mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'lake-bucket', Key: probe[0]!.Key, IfMatch: expect.stringMatching(/^"[0-9a-f]{32}0"$/) },
    ]);
    expect(new Set(probe.map((i) => i.Key))).toEqual(new Set([expect.stringMatching(/^dev\/silver\/orders\/_strata\/\.conditional-write-probe-[0-9a-f-]{36}$/)]));
    expect([...s3.bucket('lake-bucket').keys()].filter((k) => k.includes('probe'))).toEqual([]); // removed again
  });

  it('refuses a store that ignores them, naming the bucket and what to use, before any swap', async () => {
    const s3 = fakeS3(mock, { conditions: 'ignore' });
    const refusal = "s3://lake-bucket does not honour conditional writes: a PUT with If-None-Match: * on an object that exists, and a PUT with If-Match on an ETag the object does not have, and a DELETE with If-Match on an ETag the object does not have were not refused where S3 answers 412 Precondition Failed. strata commits tables by compare-and-swap of their manifests, which on this store would lose concurrent updates, so it will not write here. Use Amazon S3, or an S3-compatible store that implements conditional writes (If-Match and If-None-Match on PutObject, If-Match on DeleteObject); see docs/deploy.md.";
    await expect(storage.putIfMatch(MANIFEST, '{"v":1}', undefined)).rejects.toMatchObject({ name: 'Strata.Internal', message: refusal });
    await expect(increments(storage, 8)).rejects.toMatchObject({ message: refusal });
    expect([...s3.bucket('lake-bucket').keys()]).toEqual([]); // no manifest, no counter, no probe left
  });

  it('refuses a store that honours conditional PUTs but ignores If-Match on DELETE: deleteIfMatch would delete what a run published meanwhile (an attack, stop 49)', async () => {
    const s3 = fakeS3(mock);
    mock.on(DeleteObjectCommand).callsFake(async (i) => { s3.bucket(i.Bucket).delete(i.Key); return {}; }); // the condition ignored
    const key = 'quarantine/orders/_strata/pending/x.parquet';
    await storage.writeText(key, 'stale rows');
    const seen = (await storage.head(key))!;
    await storage.writeText(key, 'rows a run published meanwhile');
    await expect(storage.deleteIfMatch(seen)).rejects.toMatchObject({ name: 'Strata.Internal', message: expect.stringMatching(/^s3:\/\/lake-bucket does not honour conditional writes: a DELETE with If-Match on an ETag the object does not have was not refused/) });
    expect(await storage.readText(key)).toBe('rows a run published meanwhile');
    // A store without conditional deletes that says so (501) is refused alike (a refused probe is asked again).
    mock.on(DeleteObjectCommand).rejects(s3Error('NotImplemented', 501));
    await expect(storage.deleteIfMatch(seen)).rejects.toMatchObject({ name: 'Strata.Internal', message: expect.stringContaining('a DELETE with If-Match') });
    expect(await storage.readText(key)).toBe('rows a run published meanwhile');
  });

  it('without the probe, the same store loses 7 of 8 concurrent updates (what the probe prevents)', async () => {
    fakeS3(mock, { conditions: 'ignore' });
    const unprobed = Object.assign(Object.create(Object.getPrototypeOf(storage)), storage, { requireConditionalWrites: async () => {} }) as S3Storage;
    expect(await increments(unprobed, 8)).toBe(1);
  });
});

describe('S3Storage: a missing object under prefix-limited listing rights', () => {
  // strata's roles may list only their own prefixes, so S3 answers a GET or HEAD of a missing key with 403, not 404.
  it('settles a 403 with a listing of exactly that key: absent → missing; present → the denial surfaces', async () => {
    mock.on(HeadObjectCommand).rejects(s3Error('Forbidden', 403));
    mock.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'dev/silver/orders/_strata/manifest.json.bak', Size: 1 }] });
    expect(await storage.head('silver/orders/_strata/manifest.json')).toBeUndefined();
    expect(await storage.readText('silver/orders/_strata/manifest.json')).toBeUndefined();
    expect(mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'lake-bucket', Prefix: 'dev/silver/orders/_strata/manifest.json', MaxKeys: 1, EncodingType: 'url' },
      { Bucket: 'lake-bucket', Prefix: 'dev/silver/orders/_strata/manifest.json', MaxKeys: 1, EncodingType: 'url' },
    ]);
    await expect(storage.withLocalFile('bronze/orders/a.csv', async () => 'read')).rejects.toMatchObject({ name: 'Strata.UnreadableFile' });

    mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'dev/silver/orders/_strata/manifest.json', Size: 10 }] });
    await expect(storage.head('silver/orders/_strata/manifest.json')).rejects.toMatchObject({ name: 'Forbidden' });
    await expect(storage.readText('silver/orders/_strata/manifest.json')).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('a 403 on the listing too leaves the original denial', async () => {
    mock.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    mock.on(ListObjectsV2Command).rejects(s3Error('AccessDenied', 403));
    await expect(storage.readText('gold/t/_strata/manifest.json')).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

// Storage on S3: bronze in its own bucket, every other layer in the lake bucket (see runtime/aws/s3-locations.ts).
// Same semantics as the local folder: whole-object writes are atomic (S3 PUT replaces an object at once),
// compare-and-swap is a conditional PUT (If-Match / If-None-Match) — on a store shown to honour those conditions
// (probed once per bucket) — copies are server-side, and a run reads exactly the object version its event names.
//
// Errors: throttling, 5xx and network errors leave as the SDK raised them (name, $metadata, $retryable intact) so
// functions/lib/errors.ts classifies them as transient; an object that is not there is a StrataError naming the key.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, UploadPartCopyCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { mapLimit } from '../util/limit.ts';
import { chunks } from '../aws/chunks.ts';
import { batchFailure, sendBatch } from '../aws/batch-errors.ts';
import { httpStatus, type RetryOptions } from '../aws/retry.ts';
import { bodyToFile, bodyToText, consumeBody } from '../aws/s3-body.ts';
import { bareEtag, isConditionFailed, isCopyTooLarge, isMissingObject, isMissingVersion } from '../aws/s3-errors.ts';
import { addressOf, copySource, normalizeLocation, s3Uri, type S3Address, type S3Locations } from '../aws/s3-locations.ts';
import { contentIdOf, newContentHash } from './content-id.ts';
import type { CasResult, ObjectInfo, ObjectVersion, SourceFile, Storage } from './port.ts';

export interface S3StorageOptions {
  client: S3Client;
  locations: S3Locations;
  /** Where downloads and writeTree folders go (Lambda: /tmp, the default temp dir). */
  tmpDir?: string;
  /** Parallel transfers in withLocalFiles / writeTree / deletes. */
  concurrency?: number;
  /** Files above this size are uploaded in parts (lib-storage Upload); smaller ones in one PutObject. */
  multipartThreshold?: number;
  partSize?: number;
  /** Retrying per-key DeleteObjects errors (the call itself is retried by the SDK). */
  retry?: RetryOptions;
}

const DELETE_BATCH = 1000; // DeleteObjects limit
/**
 * A key as a listing names it. Listings ask S3 to URL-encode keys (EncodingType=url): XML 1.0 cannot carry some
 * characters a key may hold (those below 0x20; "ListObjectsV2", Amazon S3 API Reference), and a CR in a key comes back
 * as an LF from an XML parser. S3 then encodes a space as "+" and "+" as "%2B" (measured in S3 by others, 2026-09).
 * A store that ignores the parameter answers without EncodingType: its keys are as they are.
 */
function listedKey(key: string | undefined, encoding: string | undefined): string | undefined {
  if (key === undefined || encoding !== 'url') return key;
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key; // not encoded after all
  }
}

/** Bytes per part of a copy above CopyObject's 5 GiB (UploadPartCopy takes 5 MiB to 5 GiB a part; more when 10,000 parts would not hold it). */
const COPY_PART_BYTES = 512 << 20;

export class S3Storage implements Storage {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  readonly locations: S3Locations;
  readonly tmpDir: string;
  private readonly concurrency: number;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly retry: RetryOptions;
  /** Buckets whose conditional writes were probed (or are being probed): see requireConditionalWrites. */
  private readonly conditionalWrites = new Map<string, Promise<void>>();

  get localRoot(): string {
    return this.tmpDir;
  }

  constructor(opts: S3StorageOptions) {
    this.client = opts.client;
    this.locations = { bronze: normalizeLocation(opts.locations.bronze), lake: normalizeLocation(opts.locations.lake) };
    this.tmpDir = opts.tmpDir ?? tmpdir();
    this.concurrency = opts.concurrency ?? 8;
    this.partSize = Math.max(opts.partSize ?? 8 << 20, 5 << 20); // S3's minimum part size is 5 MiB
    this.multipartThreshold = opts.multipartThreshold ?? 16 << 20;
    this.retry = opts.retry ?? {};
  }

  /** Bucket and object key of a lake-relative key. */
  address(key: string): S3Address {
    return addressOf(this.locations, key);
  }

  uri(key: string): string {
    const a = this.address(key);
    return s3Uri(a.bucket, a.key);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const a = this.address(key);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: a.bucket, Key: a.key }));
      return { key, size: r.ContentLength ?? 0, etag: bareEtag(r.ETag), lastModified: r.LastModified ?? new Date(0) };
    } catch (e) {
      if (await this.absent(key, e)) return undefined;
      throw e;
    }
  }

  /**
   * Whether a failed read means the object does not exist. S3 answers 404 only to a caller allowed to list the
   * bucket; strata's roles may list only their own prefixes (an s3:prefix condition, which a GET does not carry),
   * so for them a missing object is a 403. A 403 is therefore settled with a listing of exactly that key, which the
   * roles are allowed: no such key → missing; the key is there → the denial is real and surfaces.
   */
  private async absent(key: string, e: unknown): Promise<boolean> {
    if (isMissingObject(e)) return true;
    if (httpStatus(e) !== 403) return false;
    const a = this.address(key);
    try {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: a.bucket, Prefix: a.key, MaxKeys: 1, EncodingType: 'url' }));
      return !(r.Contents ?? []).some((o) => listedKey(o.Key, r.EncodingType) === a.key);
    } catch {
      return false; // listing denied too: report the original denial
    }
  }

  /** SHA-256 of the object's bytes, read through once: its ETag would not do (SSE-KMS, multipart; content-id.ts). */
  async contentId(key: string): Promise<string> {
    const a = this.address(key);
    const hash = newContentHash();
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: a.bucket, Key: a.key }));
      await consumeBody(r.Body, (chunk) => hash.update(chunk));
    } catch (e) {
      if (await this.absent(key, e)) throw this.missing(key);
      throw e;
    }
    return contentIdOf(hash);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const a = this.address(prefix);
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: a.bucket, Prefix: a.key, EncodingType: 'url', ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of r.Contents ?? []) {
        const key = listedKey(o.Key, r.EncodingType);
        // Folder markers (zero-byte "x/" objects made by consoles) are not files.
        if (!key || key.endsWith('/')) continue;
        out.push({ key: key.slice(a.location.prefix.length), size: o.Size ?? 0, etag: bareEtag(o.ETag), lastModified: o.LastModified ?? new Date(0) });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    // S3 lists in UTF-8 byte order; sort by JS string order like the local adapter, so callers see one order.
    return out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  }

  async readText(key: string): Promise<string | undefined> {
    return (await this.readVersioned(key))?.text;
  }

  async readVersioned(key: string): Promise<{ text: string; etag: string } | undefined> {
    const a = this.address(key);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: a.bucket, Key: a.key }));
      return { text: await bodyToText(r.Body), etag: bareEtag(r.ETag) };
    } catch (e) {
      if (await this.absent(key, e)) return undefined;
      throw e;
    }
  }

  async writeText(key: string, text: string): Promise<void> {
    const a = this.address(key);
    await this.client.send(new PutObjectCommand({ Bucket: a.bucket, Key: a.key, Body: text, ContentType: contentType(key) }));
  }

  async putIfMatch(key: string, text: string, expected: string | undefined): Promise<CasResult> {
    const a = this.address(key);
    await this.requireConditionalWrites(a);
    // If-Match takes the entity tag as S3 sends it (quoted); '*' under If-None-Match means "must not exist".
    const condition = expected === undefined ? { IfNoneMatch: '*' } : { IfMatch: `"${expected}"` };
    const put = new PutObjectCommand({ Bucket: a.bucket, Key: a.key, Body: text, ContentType: contentType(key), ...condition });
    // Whether an attempt the SDK sent before the last may have been stored: it got no answer (a reset connection, a
    // timeout) or a 5xx other than 503 SlowDown. A throttled, refused or answered attempt stored nothing (an attack,
    // stop 49: a 503 first attempt, then another writer's identical text, was taken for this swap).
    let mayHaveLanded = false;
    put.middlewareStack.add((next) => async (args) => {
      try {
        return await next(args);
      } catch (e) {
        const status = httpStatus(e);
        if (status === undefined || (status >= 500 && status !== 503)) mayHaveLanded = true;
        throw e;
      }
    }, { step: 'deserialize', name: 'strataCasAttempts' });
    try {
      const r = await this.client.send(put);
      return { ok: true, etag: bareEtag(r.ETag) };
    } catch (e) {
      // If-Match on an object that was deleted answers 404: the swap lost just the same.
      if (isConditionFailed(e) || (expected !== undefined && isMissingObject(e))) {
        // Or it won: a PUT that S3 stored but whose answer was lost (a reset connection, a timeout after the write) is
        // sent again by the SDK's retry with the same condition, which our own write now fails (412). Refused after
        // an attempt that may have landed, the swap is this one when the object holds exactly this text (a manifest
        // names its run and time, so no other writer's is the same). Taken for lost, the commit's next round found its
        // own commit and deleted the folders it names (an attack, stop 49). Otherwise it lost: another writer may have
        // written the same text (a counter), and only this PUT's own earlier attempt tells the two apart.
        const now = mayHaveLanded ? await this.readVersioned(key) : undefined;
        if (now !== undefined && now.text === text) return { ok: true, etag: now.etag };
        return { ok: false, currentEtag: now ? now.etag : (await this.head(key))?.etag };
      }
      throw e;
    }
  }

  /**
   * The compare-and-swap is only as good as the store's conditional writes, and some S3-compatible servers accept
   * If-Match / If-None-Match and ignore them (concurrent commits then overwrite each other: 8 committers, 7 updates
   * lost). So before the first swap in a bucket, a probe object next to the key must be refused (412, or 409 for a
   * racing write) a PUT with If-None-Match: * once it exists, and a PUT with If-Match on an ETag it does not have.
   * A store that accepts either is refused, naming the bucket and what to use instead. Once per bucket.
   */
  private requireConditionalWrites(a: S3Address): Promise<void> {
    let probed = this.conditionalWrites.get(a.bucket);
    if (!probed) {
      probed = this.probeConditionalWrites(a);
      this.conditionalWrites.set(a.bucket, probed);
      probed.catch(() => this.conditionalWrites.delete(a.bucket)); // a failed probe (network, throttling) is asked again
    }
    return probed;
  }

  private async probeConditionalWrites(a: S3Address): Promise<void> {
    // In the folder of the key being swapped (a table's _strata/, which gc leaves alone): the writer may write there.
    const probe = `${a.key.slice(0, a.key.lastIndexOf('/') + 1)}.conditional-write-probe-${randomUUID()}`;
    const put = (condition: { IfNoneMatch: string } | { IfMatch: string }) =>
      this.client.send(new PutObjectCommand({ Bucket: a.bucket, Key: probe, Body: 'strata: conditional write probe', ContentType: 'text/plain; charset=utf-8', ...condition }));
    const created = await put({ IfNoneMatch: '*' }); // a fresh key: the condition holds
    const ignored: string[] = [];
    const other = `"${bareEtag(created.ETag)}0"`;
    const conflicting = [
      { what: 'a PUT with If-None-Match: * on an object that exists', send: () => put({ IfNoneMatch: '*' }) },
      { what: 'a PUT with If-Match on an ETag the object does not have', send: () => put({ IfMatch: other }) },
      // deleteIfMatch's condition too: a store that ignores it deletes what a run published meanwhile (quarantine rows
      // of a rejected or halted run: runtime/pipeline/commit.ts dropStale). An attack, stop 49. Any answer but a
      // refusal of the condition, but an error to ask again, counts as not honoured.
      { what: 'a DELETE with If-Match on an ETag the object does not have', send: () => this.client.send(new DeleteObjectCommand({ Bucket: a.bucket, Key: probe, IfMatch: other })) },
    ];
    try {
      for (const c of conflicting) {
        try {
          await c.send();
          ignored.push(c.what);
        } catch (e) {
          if (isConditionFailed(e)) continue;
          // A store that does not implement the condition on a DELETE says so (501 NotImplemented, or 400).
          if (c.what.startsWith('a DELETE') && (httpStatus(e) === 501 || httpStatus(e) === 400)) ignored.push(c.what);
          else throw e;
        }
      }
    } finally {
      try {
        await this.client.send(new DeleteObjectsCommand({ Bucket: a.bucket, Delete: { Objects: [{ Key: probe }], Quiet: true } }));
      } catch { /* a leftover probe is harmless: one small object in _strata/ */ }
    }
    if (ignored.length) {
      throw new StrataError(ERRORS.Internal,
        `s3://${a.bucket} does not honour conditional writes: ${ignored.join(', and ')} ${ignored.length > 1 ? 'were' : 'was'} not refused where S3 `
        + `answers 412 Precondition Failed. strata commits tables by compare-and-swap of their manifests, which on this store `
        + `would lose concurrent updates, so it will not write here. Use Amazon S3, or an S3-compatible store that implements `
        + `conditional writes (If-Match and If-None-Match on PutObject, If-Match on DeleteObject); see docs/deploy.md.`, { bucket: a.bucket });
    }
  }

  async withSourceFile<T>(key: string, version: ObjectVersion, fn: (file: SourceFile) => Promise<T>): Promise<T> {
    const a = this.address(key);
    // Exactly the version the run was started for: its version id, else the ETag it had (unversioned buckets).
    const pin = version.versionId ? { VersionId: version.versionId } : version.etag ? { IfMatch: `"${version.etag}"` } : {};
    const dir = await mkdtemp(join(this.tmpDir, 'strata-get-'));
    try {
      const path = join(dir, basename(key));
      const hash = newContentHash();
      let size: number;
      try {
        const r = await this.client.send(new GetObjectCommand({ Bucket: a.bucket, Key: a.key, ...pin }));
        // The content id comes from the bytes as they stream to disk: no second pass over the file.
        size = await bodyToFile(r.Body, path, (chunk) => hash.update(chunk));
      } catch (e) {
        throw await this.versionGone(key, version, e);
      }
      return await fn({ path, size, contentId: contentIdOf(hash) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Why the version a run was started for cannot be read (or the original error, if that is not the reason). */
  private async versionGone(key: string, version: ObjectVersion, e: unknown): Promise<unknown> {
    const uri = this.uri(key);
    const again = 'Nothing was ingested from it; upload the file again to ingest it.';
    if (version.versionId && isMissingVersion(e)) {
      return new StrataError(ERRORS.UnreadableFile, `${key} version ${version.versionId} no longer exists (${uri}): it was deleted, or expired by the bucket's lifecycle rule for noncurrent versions. ${again}`, { key, uri, versionId: version.versionId });
    }
    if (!version.versionId && version.etag && isConditionFailed(e)) {
      return new StrataError(ERRORS.UnreadableFile, `${key} is no longer the upload this run was started for (${uri} has another ETag than ${version.etag}): it was overwritten, and the bucket keeps no versions. The newer upload has its own run.`, { key, uri, etag: version.etag });
    }
    if (await this.absent(key, e)) return this.missing(key);
    return e;
  }

  async copy(from: string, to: string): Promise<void> {
    const src = this.address(from);
    const dst = this.address(to);
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: dst.bucket, Key: dst.key, CopySource: copySource(src.bucket, src.key) }));
    } catch (e) {
      // A prefix-scoped role gets 403, not 404, for a key that is not there (absent settles it, as for every read).
      if (await this.absent(from, e)) throw this.missing(from);
      if (isCopyTooLarge(e)) return this.copyInParts(src, dst);
      throw e;
    }
  }

  /**
   * A copy of an object larger than CopyObject takes (5 GiB, S3's limit for a single copy: "Copying objects", Amazon
   * S3 User Guide): a multipart upload whose parts are ranges of the source (UploadPartCopy), COPY_PART_BYTES each,
   * at most 10,000 parts; aborted if any part fails, so no part is left billed. The local adapter links any size.
   */
  private async copyInParts(src: S3Address, dst: S3Address): Promise<void> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: src.bucket, Key: src.key }));
    const size = Number(head.ContentLength ?? 0);
    const partBytes = Math.max(COPY_PART_BYTES, Math.ceil(size / 10_000));
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: dst.bucket, Key: dst.key, ContentType: head.ContentType }));
    // A failed part stops new ones, and the abort waits for those in flight: a part that completes after the abort may
    // be stored and billed (AbortMultipartUpload, Amazon S3 API Reference; an attack, stop 49, found parts started and
    // finished after it).
    let failed = false;
    const settled: Array<Promise<unknown>> = [];
    try {
      const ranges = Array.from({ length: Math.max(1, Math.ceil(size / partBytes)) }, (_, i) => [i * partBytes, Math.min(size, (i + 1) * partBytes) - 1] as const);
      const parts = await mapLimit(ranges, Math.min(this.concurrency, 8), async ([first, last], i) => {
        if (failed) throw new Error('stopped: another part failed');
        const sent = this.client.send(new UploadPartCopyCommand({
          Bucket: dst.bucket, Key: dst.key, UploadId, PartNumber: i + 1, CopySource: copySource(src.bucket, src.key),
          // The source as it was at the HEAD: a source replaced meanwhile fails the copy instead of mixing two objects.
          CopySourceRange: `bytes=${first}-${last}`, ...(head.ETag ? { CopySourceIfMatch: head.ETag } : {}),
        }));
        settled.push(sent.catch(() => undefined));
        const r = await sent.catch((e: unknown) => { failed = true; throw e; });
        return { PartNumber: i + 1, ETag: r.CopyPartResult?.ETag };
      });
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: dst.bucket, Key: dst.key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      failed = true;
      await Promise.all(settled);
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: dst.bucket, Key: dst.key, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    // A key naming a folder ("…/") means everything under it, as in the local adapter.
    const files = keys.filter((k) => !k.endsWith('/'));
    for (const folder of keys.filter((k) => k.endsWith('/'))) await this.deletePrefix(folder);
    const byBucket = new Map<string, string[]>();
    for (const k of new Set(files)) {
      const a = this.address(k);
      byBucket.set(a.bucket, [...(byBucket.get(a.bucket) ?? []), a.key]);
    }
    for (const [bucket, objectKeys] of byBucket) {
      await mapLimit(chunks(objectKeys, DELETE_BATCH), Math.min(this.concurrency, 4), (batch) => this.deleteBatch(bucket, batch));
    }
  }

  /** DeleteObjects reports failures per key in Errors (HTTP 200): re-send the passing ones, fail on the rest. */
  private async deleteBatch(bucket: string, objectKeys: string[]): Promise<void> {
    const failures = await sendBatch(objectKeys, async (batch) => {
      const r = await this.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      return (r.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey').map((e) => ({ item: e.Key ?? '', code: e.Code ?? 'Unknown', message: e.Message ?? '' }));
    }, this.retry);
    if (failures.length) throw batchFailure(`deleting from s3://${bucket}/`, failures, (k) => k);
  }

  async deleteIfMatch(object: Pick<ObjectInfo, 'key' | 'etag' | 'file'>): Promise<boolean> {
    const a = this.address(object.key);
    await this.requireConditionalWrites(a);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: a.bucket, Key: a.key, IfMatch: `"${object.etag}"` }));
      return true;
    } catch (e) {
      // 412: another object now; 404: gone; 409: a write or delete of the key raced this one.
      if (isConditionFailed(e) || isMissingObject(e) || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 409) return false;
      throw e;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    // Only whole folders: "silver/orders" must never take "silver/orders_v2/…" with it.
    const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
    const keys = (await this.list(folder)).map((o) => o.key);
    if (keys.length) await this.delete(keys);
  }

  async putFile(key: string, localPath: string): Promise<ObjectInfo> {
    const a = this.address(key);
    const size = (await stat(localPath)).size;
    let etag: string | undefined;
    if (size <= this.multipartThreshold) {
      // Small enough to hold: one request, and the SDK can checksum a buffer without re-reading the file.
      const r = await this.client.send(new PutObjectCommand({ Bucket: a.bucket, Key: a.key, Body: await readFile(localPath), ContentLength: size }));
      etag = r.ETag;
    } else {
      // Multipart from a stream: memory stays at queueSize × partSize whatever the file's size.
      const upload = new Upload({
        client: this.client, queueSize: 4, partSize: this.partSize, leavePartsOnError: false,
        params: { Bucket: a.bucket, Key: a.key, Body: createReadStream(localPath) },
      });
      etag = (await upload.done()).ETag;
    }
    // PutObject does not return LastModified; the upload just finished, which is what callers compare against.
    return { key, size, etag: bareEtag(etag), lastModified: new Date() };
  }

  async withLocalFile<T>(key: string, fn: (path: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(this.tmpDir, 'strata-get-'));
    try {
      // The file keeps the key's name: readers sniff formats and compression from the extension (.csv.gz).
      const path = join(dir, basename(key));
      await this.download(key, path);
      return await fn(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async withLocalFiles<T>(keys: readonly string[], fn: (paths: string[]) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(this.tmpDir, 'strata-get-'));
    try {
      const pathOf = (k: string) => join(dir, ...k.split('/'));
      await mapLimit([...new Set(keys)], this.concurrency, async (k) => {
        await mkdir(dirname(pathOf(k)), { recursive: true });
        await this.download(k, pathOf(k));
      });
      return await fn(keys.map(pathOf));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async writeTree<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<{ result: T; written: ObjectInfo[] }> {
    const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.address(base); // refuse a bad prefix before any work
    const dir = await mkdtemp(join(this.tmpDir, 'strata-put-'));
    try {
      const result = await fn(dir);
      const entries = await readdir(dir, { withFileTypes: true, recursive: true });
      const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.tmp-')).map((e) => join(e.parentPath, e.name));
      // Callers write into folders of their own (staging/<run>/, v-<run>/): a failure part-way leaves objects
      // nobody reads, removed with the folder.
      const written = await mapLimit(files, this.concurrency, (p) => this.putFile(`${base}${relative(dir, p).split(sep).join('/')}`, p));
      return { result, written: written.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async download(key: string, path: string): Promise<void> {
    const a = this.address(key);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: a.bucket, Key: a.key }));
      await bodyToFile(r.Body, path);
    } catch (e) {
      if (await this.absent(key, e)) throw this.missing(key);
      throw e;
    }
  }

  private missing(key: string): StrataError {
    return new StrataError(ERRORS.UnreadableFile, `${key} does not exist (${this.uri(key)})`, { key, uri: this.uri(key) });
  }
}

function contentType(key: string): string {
  return key.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8';
}

/**
 * An object key as an S3 event carries it, decoded.
 *
 * S3 event notifications (the `Records[].s3.object.key` shape, to Lambda/SQS/SNS) document the key as URL-encoded
 * the way HTML forms are: "red flower.jpg" arrives as "red+flower.jpg", a real '+' as "%2B", non-ASCII and most
 * punctuation as %XX (UTF-8) — notification-content-structure in the S3 user guide. '/' is usually left as is
 * but may be "%2F"; decoding handles both.
 *
 * EventBridge "Object Created" events (`detail.object.key`): the S3 user guide page "EventBridge event message
 * structure" shows the key field without saying it is encoded (its only example, "example-key", has nothing to
 * encode), and emulators disagree (moto sends it raw to EventBridge while encoding it for notifications). So
 * for that shape the trigger does not trust either reading: when decoding changes the key, it asks S3 which of
 * the two objects exists (and carries the event's ETag) — see functions/trigger.ts.
 *
 * A key that is not valid percent-encoding (a raw "100%.csv") is returned unchanged: it cannot have been encoded.
 */
export function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

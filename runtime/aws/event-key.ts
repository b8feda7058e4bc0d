// The object key an S3 event means. Notifications URL-encode keys (documented); for EventBridge events the
// documentation does not say (see decodeEventKey in runtime/storage/s3.ts). When decoding leaves the key unchanged —
// keys of letters, digits and -_./ — both readings agree and nothing is asked. Otherwise S3 is asked which
// reading names an object carrying the event's ETag, the decoded one first: a wrong guess would either run a
// file that does not exist or (worse) skip one that does.
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { decodeEventKey } from '../storage/s3.ts';
import type { ObjectCreated } from './s3-events.ts';
import { httpStatus } from './retry.ts';
import { bareEtag, isMissingObject } from './s3-errors.ts';

export interface ResolvedKey {
  key: string;
  /** How it was decided, for the log. */
  by: 'unambiguous' | 'documented-encoding' | 'head-decoded' | 'head-raw';
}

/** undefined: neither reading names the object any more (deleted since, or overwritten with other bytes). */
export async function resolveEventKey(s3: S3Client, e: ObjectCreated): Promise<ResolvedKey | undefined> {
  const decoded = decodeEventKey(e.rawKey);
  if (decoded === e.rawKey) return { key: decoded, by: 'unambiguous' };
  if (e.shape === 'notification') return { key: decoded, by: 'documented-encoding' };
  const first = await carries(s3, e, decoded);
  if (first === 'yes') return { key: decoded, by: 'head-decoded' };
  const second = await carries(s3, e, e.rawKey);
  if (second === 'yes') return { key: e.rawKey, by: 'head-raw' };
  if (first === 'denied' || second === 'denied') {
    // Without s3:ListBucket, S3 answers 403 instead of 404 for a missing key: no way to tell the readings apart.
    throw new Error(`cannot tell whether the event key ${JSON.stringify(e.rawKey)} is URL-encoded: HeadObject was denied `
      + `(the trigger needs s3:GetObject, s3:GetObjectVersion and s3:ListBucket on s3://${e.bucket})`);
  }
  return undefined;
}

async function carries(s3: S3Client, e: ObjectCreated, key: string): Promise<'yes' | 'no' | 'denied'> {
  try {
    const h = await s3.send(new HeadObjectCommand({ Bucket: e.bucket, Key: key, ...(e.versionId ? { VersionId: e.versionId } : {}) }));
    return e.etag === undefined || bareEtag(h.ETag) === e.etag ? 'yes' : 'no';
  } catch (err) {
    const status = httpStatus(err);
    if (status === 403) return 'denied';
    // A version id asked of another key may answer 400 rather than 404; either way it is not this object.
    if (isMissingObject(err) || status === 400) return 'no';
    throw err;
  }
}

// Where a lake-relative key lives in S3. Bronze (what producers upload) has a bucket of its own, so its access
// (producers write, the pipeline only reads) and lifecycle stay separate; every other layer shares the lake bucket.
// The key keeps its layer segment under the location prefix: lake key silver/orders/x → s3://lake/<prefix>silver/orders/x.
import { LAYERS } from '../../core/plan/layout.ts';
import { assertKey, StorageError } from '../storage/port.ts';

export interface S3Location {
  bucket: string;
  /** '' or a folder ('team-a/'); a missing trailing slash is added. */
  prefix: string;
}

export type S3Locations = Record<'bronze' | 'lake', S3Location>;

export interface S3Address {
  bucket: string;
  key: string;
  /** The location the key was routed to (its prefix is what list() strips). */
  location: S3Location;
}

export function normalizeLocation(l: S3Location): S3Location {
  const prefix = l.prefix.replace(/^\/+/, '');
  return { bucket: l.bucket, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/** Route a lake-relative key (or a folder prefix ending in '/') to its bucket and object key. */
export function addressOf(locations: S3Locations, key: string): S3Address {
  assertKey(key.replace(/\/$/, ''));
  const layer = key.split('/')[0] ?? '';
  if (!(LAYERS as readonly string[]).includes(layer)) {
    throw new StorageError(`key outside the lake layout (expected one of ${LAYERS.join(', ')}): ${JSON.stringify(key)}`);
  }
  const location = layer === 'bronze' ? locations.bronze : locations.lake;
  return { bucket: location.bucket, key: `${location.prefix}${key}`, location };
}

/** s3://bucket/key, for messages and Glue locations. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/**
 * CopyObject's CopySource is "bucket/key" URL-encoded: each path segment percent-encoded as UTF-8 (spaces, '+',
 * '%', unicode), the '/' separators kept. An unencoded '+' or '%' would name another object or be rejected.
 */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map((s) => encodeURIComponent(s)).join('/')}`;
}

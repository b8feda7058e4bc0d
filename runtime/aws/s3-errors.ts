// Reading S3's answers: which errors mean "no such object", which mean "your condition failed", and ETags.
import { errorName, httpStatus } from './retry.ts';

/** The object (not the bucket: a missing bucket is a configuration error and must surface) does not exist. */
export function isMissingObject(e: unknown): boolean {
  const name = errorName(e);
  if (name === 'NoSuchKey' || name === 'NotFound') return true;
  return httpStatus(e) === 404 && name !== 'NoSuchBucket';
}

/**
 * A version id that names no readable version: NoSuchVersion (404) once it is gone, InvalidArgument (400) for an id
 * S3 never issued, MethodNotAllowed (405) when it names a delete marker.
 */
export function isMissingVersion(e: unknown): boolean {
  const name = errorName(e);
  const status = httpStatus(e);
  return name === 'NoSuchVersion' || name === 'NoSuchKey' || status === 404 || status === 405 || (status === 400 && name === 'InvalidArgument');
}

/**
 * A conditional write lost: 412 PreconditionFailed (the ETag moved on, or the object exists under If-None-Match),
 * or 409 ConditionalRequestConflict (a concurrent write to the key was in flight; S3 says to re-read and retry).
 */
export function isConditionFailed(e: unknown): boolean {
  const name = errorName(e);
  const status = httpStatus(e);
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412 || status === 409;
}

/** S3 returns ETags quoted ("abc…"); the port's etags are bare, so they compare equal to event ETags. */
export function bareEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/**
 * CopyObject refused a source larger than it copies in one request (5 GiB): S3 answers 400 InvalidRequest, "The
 * specified copy source is larger than the maximum allowable size for a copy source: 5368709120".
 */
export function isCopyTooLarge(e: unknown): boolean {
  return httpStatus(e) === 400 && /copy source is larger than the maximum allowable size/i.test(e instanceof Error ? e.message : String(e));
}

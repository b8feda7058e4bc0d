// Reading S3's answers: which errors mean "no such object", which mean "your condition failed", and ETags.
import { errorName, httpStatus } from './retry.ts';

/** The object (not the bucket: a missing bucket is a configuration error and must surface) does not exist. */
export function isMissingObject(e: unknown): boolean {
  const name = errorName(e);
  if (name === 'NoSuchKey' || name === 'NotFound') return true;
  return httpStatus(e) === 404 && name !== 'NoSuchBucket';
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

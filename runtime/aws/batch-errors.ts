// Batch APIs (Glue Batch*Partition, S3 DeleteObjects) answer HTTP 200 and list failed entries in an Errors array:
// nothing throws, so a caller that does not look would report success for a half-applied batch. This sends a
// batch, re-sends the entries that failed for a passing reason (throttling, concurrent edits) with backoff, and
// hands back whatever still failed, for the caller to judge (an AlreadyExists can be fine, a quota is not).
import { ERRORS } from '../../core/errors.ts';
import { backoffMs, realSleep, type RetryOptions } from './retry.ts';

export interface EntryFailure<T> {
  item: T;
  code: string;
  message: string;
}

const PASSING_CODES = new Set([
  'ThrottlingException', 'ConcurrentModificationException', 'InternalServiceException', 'OperationTimeoutException',
  'TooManyRequestsException', 'InternalError', 'SlowDown', 'ServiceUnavailable',
]);

export function isPassingCode(code: string): boolean {
  return PASSING_CODES.has(code);
}

export async function sendBatch<T>(
  items: readonly T[],
  send: (items: T[]) => Promise<Array<EntryFailure<T>>>,
  opts: RetryOptions = {},
): Promise<Array<EntryFailure<T>>> {
  const attempts = opts.attempts ?? 5;
  const sleep = opts.sleep ?? realSleep;
  const settled: Array<EntryFailure<T>> = [];
  let pending = [...items];
  for (let attempt = 1; pending.length; attempt++) {
    const failed = await send(pending);
    const passing = failed.filter((f) => isPassingCode(f.code));
    settled.push(...failed.filter((f) => !isPassingCode(f.code)));
    if (!passing.length) break;
    if (attempt >= attempts) { settled.push(...passing); break; }
    pending = passing.map((f) => f.item);
    await sleep(backoffMs(attempt, opts.baseMs ?? 100, opts.maxMs ?? 5_000));
  }
  return settled;
}

/**
 * The error for entries that could not be applied. Named after the service's code when every one of them
 * failed for a passing reason, so functions/lib/errors.ts classifies it as transient and the step is retried.
 */
export function batchFailure<T>(what: string, failures: Array<EntryFailure<T>>, describe: (item: T) => string): Error {
  const first = failures[0]!;
  const err = new Error(`${what}: ${failures.length} entr${failures.length === 1 ? 'y' : 'ies'} failed, first ${describe(first.item)}: ${first.code} ${first.message}`.trim());
  err.name = failures.every((f) => isPassingCode(f.code)) ? first.code : ERRORS.Internal;
  return err;
}

// Retrying AWS calls that failed for reasons that pass (throttling, conflicting concurrent edits, 5xx).
// The SDK already retries throttling a little; catalog and query APIs throttle hard under parallel runs
// (many registers at once) and report ConcurrentModificationException, which the SDK never retries. After the
// last attempt the original error is rethrown untouched, so functions/lib/errors.ts#isTransient still sees its
// name and $metadata and the state machine retries the step later.

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  /** Injected by tests, so retries cost no time. */
  sleep?: (ms: number) => Promise<void>;
  /** Which errors are worth another attempt (default: isRetryableAwsError). */
  retryable?: (e: unknown) => boolean;
}

const RETRYABLE_NAMES = new Set([
  'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown',
  'ConcurrentModificationException', 'InternalServiceException', 'InternalServerException', 'InternalFailure',
  'InternalError', 'ServiceUnavailable', 'ServiceUnavailableException', 'OperationTimeoutException',
  'RequestTimeout', 'RequestTimeoutException', 'ProvisionedThroughputExceededException',
]);

export const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The HTTP status an SDK error carries, if any. */
export function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

export function errorName(e: unknown): string {
  return e instanceof Error ? e.name : String((e as { name?: unknown } | undefined)?.name ?? '');
}

export function isRetryableAwsError(e: unknown): boolean {
  if (RETRYABLE_NAMES.has(errorName(e))) return true;
  const status = httpStatus(e);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return Boolean((e as { $retryable?: unknown } | undefined)?.$retryable);
}

/** Delay before attempt n+1 (n ≥ 1): exponential, capped, with full jitter so parallel writers spread out. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  // Never zero: at least half the ceiling, so a retry never hammers the service right away.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const sleep = opts.sleep ?? realSleep;
  const retryable = opts.retryable ?? isRetryableAwsError;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= attempts || !retryable(e)) throw e;
      await sleep(backoffMs(attempt, opts.baseMs ?? 100, opts.maxMs ?? 5_000));
    }
  }
}

// Errors leaving a handler carry a name the state machine understands: a Strata.* name that is final, or
// Strata.Transient, which it retries with backoff. Nothing leaves as a bare stack trace.
import { ERRORS, StrataError, isStrataError } from '../../core/errors.ts';

const THROTTLING = /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|ServiceUnavailable|RequestTimeout|InternalError|InternalFailure|ProvisionedThroughputExceeded|ConcurrentModification/;
const NETWORK = /ECONNRESET|ETIMEDOUT|EPIPE|ECONNREFUSED|EAI_AGAIN|socket hang up|NetworkingError|TimeoutError/;

export class TransientError extends Error {
  /** The SDK or network error it stands for (not `cause`: Step Functions interpreters report `cause` as the Cause). */
  readonly original: unknown;
  constructor(message: string, original?: unknown) {
    super(message);
    this.name = 'Strata.Transient';
    this.original = original;
  }
}

export function isTransient(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const meta = (e as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown; code?: string });
  const status = meta.$metadata?.httpStatusCode;
  return Boolean(meta.$retryable) || (status !== undefined && (status >= 500 || status === 429))
    || THROTTLING.test(e.name) || NETWORK.test(`${meta.code ?? ''} ${e.message}`);
}

export function toNamedError(e: unknown, step: string): Error {
  if (isStrataError(e)) return e;
  if (e instanceof Error && e.name === 'BadRequestError') {
    const details = ((e as { cause?: { data?: Array<{ instancePath: string; message: string }> } }).cause?.data ?? [])
      .map((d) => `${d.instancePath || '(payload)'} ${d.message}`).join('; ');
    return new StrataError(ERRORS.InvalidInput, `step ${step} received an invalid payload: ${details || e.message}`);
  }
  if (isTransient(e)) return new TransientError(`${step}: ${(e as Error).message}`, e);
  const err = new StrataError(ERRORS.Internal, `${step}: ${e instanceof Error ? e.message : String(e)}`);
  if (e instanceof Error && e.stack) err.stack = e.stack;
  return err;
}

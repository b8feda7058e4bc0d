// AWS's payload quotas, enforced around every Task by the local executor, so that a local run fails where the same
// execution would fail in AWS (instead of passing locally and stopping in AWS after silver committed).
//
//   Step Functions: a state's input and output, a Task's input after Parameters and its result are each at most
//     262,144 bytes of UTF-8 JSON ("Quotas related to state machine executions"; "Use Amazon S3 ARNs instead of
//     passing large payloads" in the Step Functions developer guide). Over it the state fails with
//     States.DataLimitExceeded, which no Retry or Catch matches, not even States.ALL ("Handling errors in Step
//     Functions workflows"): the execution stops at that state, RecordFailure never runs.
//   Lambda: a synchronous invocation's request and response are each at most 6 MB (6,291,456 bytes; "Lambda quotas").
//     A larger response fails the invocation with Function.ResponseSizeTooLarge, a function error (catchable).
//
// A Task with Parameters hands its function only part of its state input; to see the whole input (the previous
// state's output) the executor renders one more parameter, STATE_INPUT = "$", which this layer removes before the
// function is called. The state's output is the state input with the result at ResultPath, built here the way the
// interpreter builds it (only the ResultPath forms renderAsl emits: absent, null, "$" or "$.a.b").

import { thousands } from '../core/text.ts';

/** A Task's function, as the local executor binds it (workflows/local.ts StepFn). */
type StepFn = (input: any) => Promise<unknown>;

export const STATE_PAYLOAD_BYTES = 262_144;
export const DATA_LIMIT_EXCEEDED = 'States.DataLimitExceeded';
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6_291_456;
/** The parameter that carries a Task's whole state input to this layer (never reaches a function). */
export const STATE_INPUT = '__stateInput';

/** An error the interpreter neither retries nor catches unless `catchable` (aws-local-stepfunctions reads these flags). */
export class QuotaError extends Error {
  readonly isRetryable = false;
  readonly isCatchable: boolean;
  constructor(name: string, message: string, catchable: boolean) {
    super(message);
    this.name = name;
    this.isCatchable = catchable;
  }
}

/** Size of a JSON payload as Step Functions and Lambda count it: bytes of its UTF-8 encoding. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}

/** The definition as the local executor runs it: every Task with Parameters also passes its whole input as STATE_INPUT. */
export function withStateInputs(asl: Record<string, unknown>): Record<string, unknown> {
  const visit = (states: Record<string, any>): Record<string, any> => Object.fromEntries(Object.entries(states).map(([name, s]) => {
    if (s.Type === 'Task') {
      for (const field of ['InputPath', 'OutputPath', 'ResultSelector']) {
        if (field in s) throw new Error(`state ${name}: the local quota check does not model ${field} (renderAsl emits none)`);
      }
      return [name, s.Parameters ? { ...s, Parameters: { ...s.Parameters, [`${STATE_INPUT}.$`]: '$' } } : s];
    }
    if (s.Type === 'Map') {
      const key = s.ItemProcessor ? 'ItemProcessor' : 'Iterator';
      return [name, { ...s, [key]: { ...s[key], States: visit(s[key].States) } }];
    }
    if (s.Type === 'Parallel') return [name, { ...s, Branches: s.Branches.map((b: any) => ({ ...b, States: visit(b.States) })) }];
    return [name, s];
  }));
  return { ...asl, States: visit(asl.States as Record<string, any>) };
}

/**
 * `fn` (the function behind Task `state`) with the quotas checked around it: the state input and the function's
 * input before the call; after it, the response against Lambda's quota, then the result and the state output
 * (`resultPath` applied to the state input) against Step Functions'. Throws QuotaError naming the state, the
 * payload, its size and the quota.
 */
export function enforceQuotas(state: string, resultPath: string | null | undefined, fn: StepFn): StepFn {
  const over = (what: string, bytes: number, quota: number, name = DATA_LIMIT_EXCEEDED, catchable = false) =>
    new QuotaError(name, `state ${state}: ${what} is ${thousands(bytes)} bytes, over the quota of ${thousands(quota)} bytes`, catchable);
  return async (given) => {
    const { [STATE_INPUT]: whole, ...input } = given as Record<string, unknown>;
    const stateInput = STATE_INPUT in (given as object) ? whole : given;
    const check = (what: string, value: unknown) => {
      const bytes = payloadBytes(value);
      if (bytes > STATE_PAYLOAD_BYTES) throw over(what, bytes, STATE_PAYLOAD_BYTES);
    };
    check('the state input', stateInput);
    check('the task input (after Parameters)', input);
    const result = await fn(input);
    const responseBytes = payloadBytes(result);
    if (responseBytes > LAMBDA_SYNC_PAYLOAD_BYTES) {
      throw over('the function response', responseBytes, LAMBDA_SYNC_PAYLOAD_BYTES, 'Function.ResponseSizeTooLarge', true);
    }
    check('the task result', result);
    check('the state output', placeResult(stateInput, resultPath, result));
    return result;
  };
}

/** The state output: the result placed in the state input at a ResultPath (absent or "$": the result; null: the input). */
function placeResult(stateInput: unknown, resultPath: string | null | undefined, result: unknown): unknown {
  if (resultPath === null) return stateInput;
  if (resultPath === undefined || resultPath === '$') return result;
  const m = /^\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/.exec(resultPath);
  if (!m) throw new Error(`the local quota check does not model ResultPath ${resultPath}`);
  const keys = m[1]!.slice(1).split('.');
  const out = structuredClone(stateInput ?? {}) as Record<string, unknown>;
  let at = out;
  for (const k of keys.slice(0, -1)) at = (at[k] = typeof at[k] === 'object' && at[k] !== null ? at[k] : {}) as Record<string, unknown>;
  at[keys.at(-1)!] = result;
  return out;
}

// Runs a rendered state machine locally with a real Step Functions interpreter (aws-local-stepfunctions). Each
// Task's "${fn:<step>}" resource is bound to that step's Lambda handler, called in-process with the local ports.
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { PipelineContext } from '../runtime/pipeline/context.ts';
import type { ExecutionEvent } from '../runtime/runs/record.ts';
import { steps } from '../functions/steps.ts';
import { localLambdaContext } from '../functions/lib/step.ts';
import type { StepName } from '../core/plan/steps.ts';
import { localArn, substituteResources, taskStates } from './asl.ts';

export type StepFn = (input: any) => Promise<unknown>;

export interface LocalRunOptions {
  ctx: PipelineContext;
  /** Wrap a step's handler (fault injection in tests). */
  wrap?: (step: StepName, fn: StepFn) => StepFn;
  /** Milliseconds between retries instead of the definition's backoff (tests). */
  retryIntervalMs?: number;
  /** Execution name (the run id locally). */
  name: string;
  /** Called for every interpreter event as it happens (progress display). */
  onEvent?: (e: ExecutionEvent) => void;
}

export interface LocalExecution {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  output?: unknown;
  error?: { name: string; cause: string };
  /** States entered, in order. */
  path: string[];
  events: ExecutionEvent[];
}

export function bindHandlers(asl: Record<string, unknown>, opts: LocalRunOptions): Record<string, StepFn> {
  const provider = () => Promise.resolve(opts.ctx);
  const bound: Record<string, StepFn> = {};
  for (const { state, step } of taskStates(asl)) {
    const def = (steps as Record<string, (typeof steps)[keyof typeof steps]>)[step];
    if (!def) throw new Error(`state ${state} uses step "${step}", which has no handler yet`);
    const handler = def.handler(provider);
    const fn: StepFn = (input) => handler(input, localLambdaContext(`strata-${step}`));
    bound[state] = opts.wrap ? opts.wrap(step, fn) : fn;
  }
  return bound;
}

export async function executeLocal(asl: Record<string, unknown>, input: unknown, opts: LocalRunOptions): Promise<LocalExecution> {
  // The definition comes from renderAsl, whose output asl-validator checks in the tests and in `strata check`;
  // validating it again on every execution cost 80–170 ms per run (more than the rest of a small ingest).
  const machine = new StateMachine(substituteResources(asl, localArn) as never, { validationOptions: { noValidate: true } });
  const handlers = bindHandlers(asl, opts);
  const retryIntervalOverrides = opts.retryIntervalMs === undefined
    ? undefined
    : Object.fromEntries(Object.keys(handlers).map((s) => [s, opts.retryIntervalMs!]));
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}) },
    context: { Execution: { Name: opts.name, Id: `local:${opts.name}`, StartTime: new Date().toISOString() } } as never,
  });
  const events: ExecutionEvent[] = [];
  const path: string[] = [];
  const collecting = (async () => {
    for await (const e of execution.eventLogs) {
      const ev = e as { type: string; timestamp: number; state?: { name: string }; Error?: string; Cause?: unknown; retry?: { attempt: number }; index?: number };
      const item: ExecutionEvent = { type: ev.type, at: new Date(ev.timestamp).toISOString() };
      if (ev.state) item.state = ev.state.name;
      if (ev.Error) item.error = ev.Error;
      if (ev.Cause !== undefined) item.cause = String(ev.Cause).slice(0, 2000);
      if (ev.retry) item.attempt = ev.retry.attempt;
      events.push(item);
      opts.onEvent?.(item);
      if (ev.type === 'StateEntered' && ev.state) path.push(ev.state.name);
    }
  })();
  try {
    const output = await execution.result;
    await collecting;
    return { status: 'SUCCEEDED', output, path, events };
  } catch (e) {
    await collecting.catch(() => undefined);
    if (e instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', path, events, error: { name: 'States.Timeout', cause: 'execution timed out' } };
    if (e instanceof ExecutionError) {
      const failed = [...events].reverse().find((x) => x.type === 'ExecutionFailed');
      return { status: 'FAILED', path, events, error: { name: failed?.error ?? 'States.Runtime', cause: failed?.cause ?? (e as Error).message } };
    }
    throw e;
  }
}

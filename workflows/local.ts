// Runs a rendered state machine locally with a real Step Functions interpreter (aws-local-stepfunctions). Each
// Task's "${fn:<step>}" resource is bound to that step's Lambda handler, called in-process with the local ports,
// within the limits the step has in Lambda (core/plan/sizing.ts) as far as they apply in-process: DuckDB's memory
// limit, and no DuckDB at all for steps sized without it; within AWS's payload quotas (workflows/quotas.ts); and with
// only the S3 access its role has (runtime/storage/guarded.ts).
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { PipelineContext } from '../runtime/pipeline/context.ts';
import type { ExecutionEvent } from '../runtime/runs/record.ts';
import { steps } from '../functions/steps.ts';
import { fault } from '../runtime/util/fault.ts';
import { ERRORS, StrataError } from '../core/errors.ts';
import { localLambdaContext } from '../functions/lib/step.ts';
import { stepSizing, tmpFileBytes } from '../core/plan/sizing.ts';
import { accessFor } from '../core/plan/access.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import { guardStorage, type AccessDenied } from '../runtime/storage/guarded.ts';
import { budgetTmp } from '../runtime/storage/tmp-budget.ts';
import { tmpOverEnvelope } from '../runtime/pipeline/limits.ts';
import type { StepName } from '../core/plan/steps.ts';
import { DuckBudget, type DuckOptions } from '../runtime/engine/duckdb.ts';
import { allStates, localArn, substituteResources, taskStates } from './asl.ts';
import { enforceQuotas, withStateInputs } from './quotas.ts';

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
  /**
   * A compaction that stands for AWS's scheduled one (its tables' policies, no options): its step runs with the
   * compaction role's grants, as every other step with its own. `strata compact` may go beyond them, and does not.
   */
  scheduled?: boolean;
}

export interface LocalExecution {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  output?: unknown;
  error?: { name: string; cause: string };
  /** States entered, in order. */
  path: string[];
  events: ExecutionEvent[];
}

/** The denials of the step invocation running (guardStorage's `denials`), for the context it builds. */
const invocation = new AsyncLocalStorage<AccessDenied[]>();

/**
 * The handlers of one dataset's definition, each with its step's context (stepContext), inside the payload quotas
 * Step Functions and Lambda enforce (enforceQuotas; `wrap` stands for the function, so its faults are inside them).
 */
export function bindHandlers(asl: Record<string, unknown>, opts: LocalRunOptions, dataset: string): Record<string, StepFn> {
  const bound: Record<string, StepFn> = {};
  const states = allStates(asl);
  const stopsItems = mapItemGuard(states);
  for (const { state, step } of taskStates(asl)) {
    const def = (steps as Record<string, (typeof steps)[keyof typeof steps]>)[step];
    if (!def) throw new Error(`state ${state} uses step "${step}", which has no handler yet`);
    // Built when the step runs: an unknown dataset then fails the step (and is recorded), not the executor.
    const handler = def.handler(async () => stepContext(opts.ctx, dataset, step, invocation.getStore(), opts.scheduled === true));
    // Step boundaries are fault points (runtime/util/fault.ts): the harness kills a run before or after any step.
    const [before, after] = [`step.${step}.before`, `step.${step}.after`];
    // A dropped connection at a step's boundary is a Lambda that lost its call or its answer, which Step Functions
    // retries (Lambda.ServiceException): reported as the steps report one, Strata.Transient. It went out as a plain
    // Error, never retried, contrary to what the fault says it stands for (an attack, stop 57).
    const boundary = (point: string) => {
      try {
        fault(point);
      } catch (e) {
        if ((e as { code?: unknown }).code === 'ECONNRESET') throw new StrataError(ERRORS.Transient, (e as Error).message);
        throw e;
      }
    };
    const fn: StepFn = async (input) => {
      boundary(before);
      const denials: AccessDenied[] = [];
      const out = await invocation.run(denials, () => handler(input, localLambdaContext(`strata-${step}`)));
      // A denial the step caught and went on from (a best-effort read) is still one: in AWS that call would have
      // failed and the step gone another way than here. It fails the step, naming the call.
      if (denials.length) throw denials[0];
      boundary(after);
      return out;
    };
    bound[state] = stopsItems(state, enforceQuotas(state, states.get(state)!.ResultPath, opts.wrap ? opts.wrap(step, fn) : fn));
  }
  return bound;
}

/**
 * Step Functions starts no item of a Map once an item has failed it (its Map state fails; items not started never
 * are). The local interpreter's Map queues every item at once behind its MaxConcurrency, and the queue goes on after a
 * failure: with gold tables refreshed one at a time, the table after one whose SQL failed was still refreshed, after
 * the run's record said it was not (an attack, stop 57). For each task state inside a Map processor with no Catch of
 * its own, this wraps its handler: a failure its Retry does not retry (the same rule: the first retrier naming the
 * error, States.TaskFailed or States.ALL, up to MaxAttempts, 3 by default) ends the Map, and an item that starts after
 * it fails at once, having done nothing. Per execution (bindHandlers), over the definition's states (allStates).
 */
function mapItemGuard(states: ReturnType<typeof allStates>): (state: string, fn: StepFn) => StepFn {
  const mapOf = new Map<string, string>();
  for (const [name, s] of states) {
    if (s.Type !== 'Map') continue;
    for (const [inner, t] of Object.entries((s.ItemProcessor ?? s.Iterator).States as Record<string, Record<string, any>>)) {
      if (t.Type === 'Task' && !t.Catch) mapOf.set(inner, name);
    }
  }
  const ended = new Set<string>();
  const failures = new Map<string, number>();
  const retried = (state: string, name: string, failed: number): boolean => {
    const rule = ((states.get(state)!.Retry ?? []) as Array<{ ErrorEquals: string[]; MaxAttempts?: number }>)
      .find((r) => r.ErrorEquals.includes(name) || r.ErrorEquals.includes('States.ALL') || (!name.startsWith('States.') && r.ErrorEquals.includes('States.TaskFailed')));
    return rule !== undefined && failed <= (rule.MaxAttempts ?? 3);
  };
  return (state, fn) => {
    const map = mapOf.get(state);
    if (!map) return fn;
    return async (input) => {
      if (ended.has(map)) throw new StrataError(ERRORS.Internal, `map ${map} failed before this item started: Step Functions would not start it`);
      try {
        return await fn(input);
      } catch (e) {
        const key = `${state}\u0000${JSON.stringify(input)}`;
        const failed = (failures.get(key) ?? 0) + 1;
        failures.set(key, failed);
        if (!retried(state, (e as Error).name ?? 'Error', failed)) ended.add(map);
        throw e;
      }
    };
  };
}

/**
 * The context a step runs with locally: DuckDB limited as in its function (the sizing's memory limit, or less when
 * the caller's context or STRATA_DUCKDB_MEMORY asks for less; its spill to its share of the function's /tmp, as in
 * Lambda, where the rest holds the files the step downloads), and unavailable to steps sized without it. Its storage
 * is the step's role's (guardStorage); `denials` collects what it refused, for the executor to fail the step on.
 */
export function stepContext(ctx: PipelineContext, dataset: string, step: StepName, denials?: AccessDenied[], scheduled = false): PipelineContext {
  const plan = ctx.plans.get(dataset);
  const size = stepSizing(plan, step);
  // Its /tmp counted as Lambda's would fill (a DuckDB step downloads what it reads and writes before uploading): a step
  // that would hold more files than its function has room for fails here too (runtime/storage/tmp-budget.ts).
  if (size.duckdbTempMb !== undefined) ctx = { ...ctx, storage: budgetTmp(ctx.storage, tmpFileBytes(plan, step), (bytes) => tmpOverEnvelope(plan, step, bytes)) };
  // The storage as the step's role may use it in AWS (its S3 grants): a call the role could not make fails here too.
  // Not `strata compact`: it may rewrite tables beyond the dataset's compaction policies (its options), which no
  // function in AWS does; the compaction after a run, which stands for AWS's schedule, is (`scheduled`).
  if (step !== 'compact' || scheduled) {
    ctx = { ...ctx, storage: guardStorage(ctx.storage, accessFor(plan, step, { gold: ctx.gold.list() }), `the ${step} step of ${dataset}`, denials) };
  }
  if (size.duckdbMemoryMb === undefined) {
    const unavailable = `the ${step} step opened DuckDB, but it is sized as a light step without DuckDB (core/plan/sizing.ts STEP_WORK): in Lambda it would run out of memory`;
    return { ...ctx, duck: { ...ctx.duck, unavailable } };
  }
  const caps = [size.duckdbMemoryMb, megabytes(ctx.duck?.memoryLimit ?? process.env.STRATA_DUCKDB_MEMORY)].filter((x): x is number => x !== undefined);
  const duck: DuckOptions = { ...ctx.duck, memoryLimit: `${Math.min(...caps)}MB`, maxTempDirectorySize: `${size.duckdbTempMb}MB`, budget: new DuckBudget(`the ${step} step of ${dataset}`) };
  return { ...ctx, duck };
}

/** "512MB", "1.5GB", "1GiB" → MB (DuckDB's memory_limit units); undefined when absent or not understood. */
function megabytes(limit: string | undefined): number | undefined {
  const m = limit ? /^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.exec(limit) : null;
  if (!m) return undefined;
  const unit = m[2]!.toUpperCase();
  const factor = { KB: 1e-3, MB: 1, GB: 1e3, TB: 1e6, KIB: 1024 / 1e6, MIB: 1.048576, GIB: 1073.741824, TIB: 1099511.627776 }[unit]!;
  return Math.floor(Number(m[1]) * factor);
}

export async function executeLocal(asl: Record<string, unknown>, input: unknown, opts: LocalRunOptions): Promise<LocalExecution> {
  // The definition comes from renderAsl, whose output asl-validator checks in the tests and in `strata check`;
  // validating it again on every execution cost 80–170 ms per run (more than the rest of a small ingest).
  const machine = new StateMachine(substituteResources(withStateInputs(asl), localArn) as never, { validationOptions: { noValidate: true } });
  const handlers = bindHandlers(asl, opts, (input as { dataset: string }).dataset);
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

// The state machine of one dataset, rendered from its plan as JSONPath ASL (JSONata would be ignored by the local
// interpreter). Deterministic: the same plan renders byte-identical JSON. Task resources are placeholders
// "${fn:<step>}" that the stacks replace with function ARNs and the local executor binds to in-process handlers.
import { ERRORS, FINAL_ERRORS } from '../core/errors.ts';
import type { DatasetPlan } from '../core/plan/compile.ts';
import { hasRules } from '../core/schema/model.ts';
import { stepSizing } from '../core/plan/sizing.ts';
import { resourceToken, STEPS, stepOfResource, type StepName } from '../core/plan/steps.ts';

/**
 * Errors worth retrying: Lambda's transient service errors (the list AWS recommends in "Handle Lambda service
 * exceptions", plus throttling) and what handlers classify as transient (throttling, 5xx, network). Not
 * Lambda.Unknown: that is how Step Functions reports a function that ran out of memory or time, which the same
 * input would hit again — it goes straight to RecordFailure, whose message names the limit and its setting.
 */
export const TRANSIENT_ERRORS = [
  'Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException', 'Strata.Transient',
];

/** How many times a run whose commit other runs' commits refused is staged again (the CommitConflict state). */
export const RESTAGE_LIMIT = 3;

export interface AslOptions {
  /** Gold tables this dataset's runs refresh, in dependency order (from core/gold). */
  goldTables?: string[];
}

type State = Record<string, unknown>;

export function renderAsl(plan: DatasetPlan, opts: AslOptions = {}): Record<string, unknown> {
  const gold = opts.goldTables ?? [];
  const silverGate = hasRules(plan.quality.silver);
  const retry = [{
    ErrorEquals: TRANSIENT_ERRORS, IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL',
  }];
  const catchAll = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }];
  // Every Task waits as long as its step is sized to run (core/plan/sizing.ts), plus a margin.
  const task = (step: StepName, next: string, extra: State = {}): State => ({
    Type: 'Task', Resource: resourceToken(step), TimeoutSeconds: stepSizing(plan, step).taskTimeoutSeconds, Retry: retry, Catch: catchAll, Next: next, ...extra,
  });
  const states: Record<string, State> = {
    Stage: task('stage', 'Route', {
      Comment: 'Validate the bronze object into staging: typed Parquet, quarantine, counts. Nothing is visible yet.',
      Parameters: pick(['dataset', 'runId', 'source', 'now', 'startedAt']),
      ResultPath: '$.stage',
    }),
    Route: {
      Type: 'Choice',
      Comment: `Reject gate: a file whose fields do not fit the schema, or with more than ${plan.maxRejectRatio} of its rows rejected (rejects.maxRatio), is rejected whole.`,
      Choices: [
        { Variable: '$.stage.alreadyIngested', BooleanEquals: true, Next: 'Resync' },
        { Variable: '$.stage.schemaMismatch', BooleanEquals: true, Next: 'RejectFile' },
        { Variable: '$.stage.rejectRatio', NumericGreaterThan: plan.maxRejectRatio, Next: 'RejectFile' },
      ],
      Default: 'SilverQuality',
    },
    Resync: task('register', gold.length ? 'Gold' : 'RecordRun', {
      Comment: 'Already committed before: only make sure the catalog matches and gold has caught up (a crash may have cut the earlier run short).',
      Parameters: pick(['dataset']), ResultPath: '$.register',
    }),
    RejectFile: task('reject', 'Rejected', {
      Comment: 'Keep the bad rows in quarantine, commit nothing, record the run as REJECTED.',
      ResultPath: '$.outcome',
    }),
    Rejected: { Type: 'Fail', ErrorPath: '$.outcome.Error', CausePath: '$.outcome.Cause' },
    ...(silverGate
      ? {
          SilverQuality: task('quality', 'QualityGate', {
            Comment: `Silver quality gate (DQDL): ${plan.quality.silver.halt.length} halt and ${plan.quality.silver.warn.length} warn rules on the staged batch, one scan.`,
            Parameters: pick(['dataset', 'runId', 'now', 'startedAt', 'stage']),
            ResultPath: '$.quality',
          }),
          QualityGate: {
            Type: 'Choice',
            Comment: 'A halt rule that did not pass blocks the commit.',
            Choices: [{ Variable: '$.quality.halted', BooleanEquals: true, Next: 'HaltBatch' }],
            Default: 'CommitSilver',
          },
          HaltBatch: task('halt', 'Halted', {
            Comment: 'Move the whole batch to quarantine, commit nothing, record the run as HALTED.',
            ResultPath: '$.outcome',
          }),
        }
      : {
          SilverQuality: {
            Type: 'Pass',
            Comment: 'Silver quality gate (DQDL): no rules in quality.silver, nothing to evaluate.',
            Result: { status: 'NOT_CONFIGURED', halted: false },
            ResultPath: '$.quality',
            Next: 'CommitSilver',
          },
        }),
    CommitSilver: task('commit', 'RegisterSilver', {
      Comment: 'Publish the staged partitions as new versions: one compare-and-swap of the silver manifest.',
      Parameters: pick(['runId', 'now', 'stage']), ResultPath: '$.commit',
      Catch: [{ ErrorEquals: [ERRORS.CommitConflict], ResultPath: '$.conflict', Next: 'CommitConflict' }, ...catchAll],
    }),
    // A commit refused because other runs committed first (primary keys this batch repeats, or more concurrent writers
    // than its compare-and-swap tries) is staged again against the silver they made: its repeated keys go to quarantine
    // with the reason. It failed the run (an attack, stop 53): in AWS nothing ingests the object again, so its rows
    // were in neither silver nor quarantine. At most RESTAGE_LIMIT times, then the run fails with the refusal.
    CommitConflict: {
      Type: 'Choice',
      Comment: `Other runs committed first: stage again against their silver, at most ${RESTAGE_LIMIT} times.`,
      // IsPresent: true only (aws-local-stepfunctions never matches IsPresent: false), inside And before the count.
      Choices: [
        { And: [{ Variable: '$.restaged', IsPresent: true }, { Variable: '$.restaged.count', NumericGreaterThanEquals: RESTAGE_LIMIT }], Next: 'ConflictFailure' },
        { Variable: '$.restaged', IsPresent: true, Next: 'RestageAgain' },
      ],
      Default: 'RestageFirst',
    },
    RestageFirst: { Type: 'Pass', Result: { count: 1 }, ResultPath: '$.restaged', Next: 'Stage' },
    RestageAgain: { Type: 'Pass', Parameters: { 'count.$': 'States.MathAdd($.restaged.count, 1)' }, ResultPath: '$.restaged', Next: 'Stage' },
    ConflictFailure: { Type: 'Pass', Comment: 'Staged again as often as allowed: fail with the last refusal.', InputPath: '$.conflict', ResultPath: '$.error', Next: 'RecordFailure' },
    RegisterSilver: task('register', 'Gold', {
      Comment: 'Make the catalog (local DuckDB or Glue) match the manifest.',
      Parameters: pick(['dataset']), ResultPath: '$.register',
    }),
    Gold: gold.length
      ? {
          Type: 'Map',
          Comment: 'Bring the gold tables that read this dataset up to its silver, in dependency order (each catches up from the versions it was derived from).',
          ItemsPath: '$.goldTables',
          ItemSelector: { 'table.$': '$$.Map.Item.Value', 'dataset.$': '$.dataset', 'runId.$': '$.runId', 'now.$': '$.now', 'startedAt.$': '$.startedAt' },
          MaxConcurrency: 1,
          ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'RefreshGold', States: { RefreshGold: { ...task('gold', ''), Next: undefined, Catch: undefined, End: true } } },
          ResultPath: '$.gold',
          Catch: catchAll,
          Next: 'RecordRun',
        }
      : { Type: 'Pass', Comment: 'No gold table reads this dataset.', Result: [], ResultPath: '$.gold', Next: 'RecordRun' },
    RecordRun: task('record', 'Finish', { Comment: 'Write the run record (HALTED if a gold gate blocked a table).', ResultPath: '$.outcome' }),
    Finish: { Type: 'Choice', Choices: [{ Variable: '$.outcome.halted', BooleanEquals: true, Next: 'Halted' }], Default: 'Succeeded' },
    Halted: { Type: 'Fail', Comment: 'A quality gate blocked: nothing it guards was published.', ErrorPath: '$.outcome.Error', CausePath: '$.outcome.Cause' },
    Succeeded: { Type: 'Succeed' },
    RecordFailure: {
      Type: 'Task', Resource: resourceToken('fail'), TimeoutSeconds: stepSizing(plan, 'fail').taskTimeoutSeconds, Retry: retry,
      Comment: 'Write the run record with the error; bronze is never touched.',
      ResultPath: '$.outcome', Next: 'Failed',
    },
    Failed: { Type: 'Fail', ErrorPath: '$.outcome.Error', CausePath: '$.outcome.Cause' },
  };
  const start: Record<string, State> = gold.length
    ? { Prepare: { Type: 'Pass', Comment: 'Gold tables refreshed by this dataset.', Result: gold, ResultPath: '$.goldTables', Next: 'Stage' } }
    : {};
  return JSON.parse(JSON.stringify({
    Comment: `strata: ${plan.dataset} bronze → silver${gold.length ? ' → gold' : ''} (schema ${plan.schemaHash})`,
    StartAt: gold.length ? 'Prepare' : 'Stage',
    TimeoutSeconds: 4 * 3600,
    States: { ...start, ...states },
  }));
}

function pick(keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [`${k}.$`, `$.${k}`]));
}

/** The definition with every "${fn:<step>}" replaced by that step's function ARN (stacks: real ARNs; local: local ones). */
export function substituteResources(asl: Record<string, unknown>, arnOf: (step: StepName) => string): Record<string, unknown> {
  return JSON.parse(JSON.stringify(asl).replace(/\$\{fn:([a-z]+)\}/g, (token, step: string) => {
    if (!(STEPS as readonly string[]).includes(step)) throw new Error(`unknown step placeholder ${token}`);
    return arnOf(step as StepName);
  }));
}

export const localArn = (step: StepName) => `arn:aws:lambda:local:000000000000:function:strata-${step}`;

/** Every Task state (also inside Map processors) with its step. */
export function taskStates(asl: Record<string, unknown>): Array<{ state: string; step: StepName }> {
  return [...allStates(asl)].flatMap(([state, s]) => {
    const step = s.Type === 'Task' ? stepOfResource(s.Resource) : undefined;
    return step ? [{ state, step }] : [];
  });
}

/** Every state of a definition by name, also those inside Map processors and Parallel branches. */
export function allStates(asl: Record<string, unknown>): Map<string, Record<string, any>> {
  const out = new Map<string, Record<string, any>>();
  const visit = (states: Record<string, any>) => {
    for (const [name, s] of Object.entries(states)) {
      out.set(name, s);
      if (s.Type === 'Map') visit((s.ItemProcessor ?? s.Iterator).States);
      if (s.Type === 'Parallel') for (const b of s.Branches) visit(b.States);
    }
  };
  visit(asl.States as Record<string, unknown>);
  return out;
}

export { FINAL_ERRORS };

// S3 "Object Created" under bronze/ → one Step Functions execution per object version.
//
// An EventBridge rule invokes this Lambda (S3 event notifications are accepted too). It exists so that execution
// names are deterministic: S3 and EventBridge deliver at least once, and a duplicate delivery must never run a
// file twice. The name is derived from bucket, key and version (functions/lib/execution-name.ts), and the input
// from the event alone (its time is the run's clock), so a repeated StartExecution either returns the running
// execution (same name, same input: Step Functions is idempotent) or is refused with ExecutionAlreadyExists,
// which means "already started", not failure. The same property makes retrying a whole failed batch safe.
//
// Configuration (environment):
//   STRATA_APP, STRATA_STAGE  name the stage: a dataset's state machine is the one core/naming.ts names for it, in
//                             the trigger's own partition, region and account (from its function ARN). A rule, not a
//                             list: the environment stays the same size however many datasets there are (Lambda
//                             allows 4 KB of it), and a dataset without a state machine is ignored with a warning.
//   STRATA_BRONZE_BUCKET      events for other buckets are ignored
//   STRATA_BRONZE_PREFIX      the bronze location's prefix ('' by default): keys are <prefix>bronze/<dataset>/…
// The function needs states:StartExecution on the stage's state machines, and
// s3:GetObject, s3:GetObjectVersion and s3:ListBucket on bronze for the HeadObject that settles how an
// EventBridge key is encoded (only asked for keys with '+' or '%'; without ListBucket a missing key answers 403).
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { physicalNames, stateMachineArn } from '../core/naming.ts';
import { resolveEventKey } from '../runtime/aws/event-key.ts';
import { errorName } from '../runtime/aws/retry.ts';
import { objectCreatedEvents, type ObjectCreated } from '../runtime/aws/s3-events.ts';
import type { RunInput } from '../runtime/pipeline/payloads.ts';
import { decodeEventKey } from '../runtime/storage/s3.ts';
import { executionName } from './lib/execution-name.ts';
import { logger } from './lib/step.ts';

export interface TriggerConfig {
  /** The ARN of a dataset's state machine (which may not exist: StartExecution then says so). */
  stateMachineArn: (dataset: string) => string;
  bronzeBucket: string;
  bronzePrefix: string;
}

export interface TriggerResult {
  started: string[];
  /** Execution names that existed already (a duplicate delivery, or the same bytes uploaded again). */
  alreadyStarted: string[];
  ignored: Array<{ bucket: string; key: string; reason: string }>;
}

export interface TriggerDeps {
  sfn: SFNClient;
  s3: S3Client;
  /** A function is called on the first invocation, with its context (so importing the module needs no environment). */
  config: TriggerConfig | ((context: Context) => TriggerConfig);
}

const DATASET = /^[a-z][a-z0-9_]{0,62}$/; // as in functions/lib/schemas.ts

/**
 * The configuration from the environment and the trigger's own ARN (context.invokedFunctionArn:
 * arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]).
 */
export function triggerConfigFromEnv(env: NodeJS.ProcessEnv, functionArn: string): TriggerConfig {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`${name} is not set (the stacks set it: stacks/trigger.ts)`);
    return v;
  };
  const bucket = need('STRATA_BRONZE_BUCKET');
  const names = physicalNames({ app: need('STRATA_APP'), stage: need('STRATA_STAGE') });
  const m = /^arn:([^:]+):lambda:([^:]+):(\d{12}):function:/.exec(functionArn);
  if (!m) throw new Error(`cannot tell partition, region and account from the function ARN ${JSON.stringify(functionArn)}`);
  const where = { partition: m[1]!, region: m[2]!, accountId: m[3]! };
  const prefix = (env.STRATA_BRONZE_PREFIX ?? '').replace(/^\/+/, '');
  return {
    stateMachineArn: (dataset) => stateMachineArn(where, names.stateMachine(dataset)),
    bronzeBucket: bucket,
    bronzePrefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
  };
}

type Routed = { dataset: string; lakeKey: string } | { reason: string; warn?: boolean };

/** Which dataset a bucket key belongs to, by its place under <prefix>bronze/<dataset>/. */
export function routeKey(config: TriggerConfig, key: string): Routed {
  if (key.endsWith('/')) return { reason: 'folder marker' };
  if (!key.startsWith(config.bronzePrefix)) return { reason: `outside the bronze prefix "${config.bronzePrefix}"` };
  const lakeKey = key.slice(config.bronzePrefix.length);
  const [layer, dataset, ...rest] = lakeKey.split('/');
  if (layer !== 'bronze' || !dataset || !rest.length) return { reason: 'not under bronze/<dataset>/' };
  if (!DATASET.test(dataset)) return { reason: `no state machine for dataset "${dataset}"`, warn: true };
  return { dataset, lakeKey };
}

export function createTriggerHandler(deps: TriggerDeps): (event: unknown, context: Context) => Promise<TriggerResult> {
  let config: TriggerConfig | undefined;
  const configOf = (context: Context) => (config ??= typeof deps.config === 'function' ? deps.config(context) : deps.config);

  const one = async (cfg: TriggerConfig, e: ObjectCreated, out: TriggerResult): Promise<void> => {
    const ignore = (key: string, reason: string, warn = false) => {
      out.ignored.push({ bucket: e.bucket, key, reason });
      (warn ? logger.warn : logger.debug).call(logger, `ignored s3://${e.bucket}/${key}: ${reason}`);
    };
    if (e.bucket !== cfg.bronzeBucket) return ignore(e.rawKey, `bucket is not the bronze bucket ${cfg.bronzeBucket}`);
    // Either reading of the key names the same <prefix>bronze/<dataset>/ (dataset names have nothing to encode):
    // filter on it before asking S3 anything.
    const first = routeKey(cfg, decodeEventKey(e.rawKey));
    if ('reason' in first) return ignore(e.rawKey, first.reason, first.warn);
    const resolved = await resolveEventKey(deps.s3, e);
    if (!resolved) return ignore(e.rawKey, 'no object with the event\'s ETag exists under this key any more');
    const routed = routeKey(cfg, resolved.key);
    if ('reason' in routed) return ignore(resolved.key, routed.reason, routed.warn);

    const name = executionName(e.bucket, resolved.key, e.versionId ?? e.etag ?? e.sequencer ?? e.time, routed.dataset);
    const input: RunInput = {
      dataset: routed.dataset,
      runId: name,
      // The version this event is about: the run reads exactly it (by version id; by ETag where there is none),
      // not whatever the key holds when the run gets to it.
      source: {
        key: routed.lakeKey, ...(e.versionId ? { versionId: e.versionId } : {}), ...(e.etag ? { etag: e.etag } : {}), ...(e.size !== undefined ? { size: e.size } : {}),
      },
      now: e.time,
      startedAt: e.time,
    };
    const stateMachineArn = cfg.stateMachineArn(routed.dataset);
    try {
      await deps.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      out.started.push(name);
      logger.info('execution started', { execution: name, dataset: routed.dataset, key: routed.lakeKey, keyResolvedBy: resolved.by });
    } catch (err) {
      // No state machine by that name: a folder under bronze/ that is not a deployed dataset.
      if (errorName(err) === 'StateMachineDoesNotExist') return ignore(resolved.key, `no state machine for dataset "${routed.dataset}" (${stateMachineArn})`, true);
      if (errorName(err) !== 'ExecutionAlreadyExists') throw err;
      out.alreadyStarted.push(name);
      logger.info('execution already started', { execution: name, dataset: routed.dataset, key: routed.lakeKey });
    }
  };

  return middy<unknown, TriggerResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({ before: () => { logger.appendKeys({ step: 'trigger' }); } })
    .handler(async (event, context) => {
      const cfg = configOf(context);
      const out: TriggerResult = { started: [], alreadyStarted: [], ignored: [] };
      const errors: unknown[] = [];
      // Every object gets its chance; then a failure fails the invocation, and the retry (Lambda's, or
      // EventBridge's) re-sends all of them, which the deterministic names make harmless.
      for (const e of objectCreatedEvents(event)) {
        try { await one(cfg, e, out); } catch (err) { errors.push(err); logger.error(`could not start a run for s3://${e.bucket}/${e.rawKey}`, err as Error); }
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length) throw new AggregateError(errors, `${errors.length} objects could not be started`);
      return out;
    });
}

export const handler = createTriggerHandler({
  sfn: new SFNClient({}), s3: new S3Client({}), config: (context) => triggerConfigFromEnv(process.env, context.invokedFunctionArn),
});

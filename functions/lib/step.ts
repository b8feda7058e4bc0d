// One pipeline step as a Lambda handler: a middy core with three plugins — payload validation, structured logging
// (Powertools, with the run id and dataset on every line) and mapping errors to the names the state machine
// retries or stops on. The same handler runs in Lambda and, in-process, under the local Step Functions interpreter.
import middy from '@middy/core';
import validator from '@middy/validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import type { PipelineContext } from '../../runtime/pipeline/context.ts';
import { toNamedError } from './errors.ts';

export const logger = new Logger({
  serviceName: 'strata',
  logLevel: (process.env.STRATA_LOG_LEVEL ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO') as 'INFO',
});

export type ContextProvider = () => Promise<PipelineContext>;

export interface StepDefinition<I, O> {
  name: string;
  schema: object;
  run: (ctx: PipelineContext, input: I) => Promise<O>;
  /** The Lambda handler, with ports from the given provider. */
  handler: (provider: ContextProvider) => (event: I, context: Context) => Promise<O>;
}

export function defineStep<I, O>(name: string, schema: object, run: (ctx: PipelineContext, input: I) => Promise<O>): StepDefinition<I, O> {
  const eventSchema = lazyValidator(schema);
  return {
    name, schema, run,
    handler(provider) {
      return middy<I, O, Error, Context>()
        .use(injectLambdaContext(logger, { resetKeys: true }))
        .use({
          before: (request) => {
            // The level can change between invocations (strata --verbose, tests); read it each time.
            const level = process.env.STRATA_LOG_LEVEL ?? process.env.POWERTOOLS_LOG_LEVEL;
            if (level && level !== logger.getLevelName()) logger.setLogLevel(level as 'INFO');
            const e = request.event as { runId?: string; dataset?: string; stage?: { runId?: string; dataset?: string } };
            logger.appendKeys({ step: name, runId: e.runId ?? e.stage?.runId, dataset: e.dataset ?? e.stage?.dataset });
          },
        })
        .use(validator({ eventSchema: eventSchema as never })) // typed as Ajv, called as the validate function it is
        .use({ onError: (request) => { request.error = toNamedError(request.error, name); logger.error(`step ${name} failed`, request.error as Error); } })
        .handler(async (event) => {
          const started = Date.now();
          const out = await run(await provider(), event);
          logger.info(`step ${name} done`, { ms: Date.now() - started });
          return out;
        });
    },
  };
}

// @middy/validator's transpileSchema builds a new Ajv instance per schema, with every ajv-keywords, ajv-errors and
// format plugin: 0.2–0.4 s for the nine steps at every process start (Lambda cold starts and each `strata` command),
// before any step runs. The payload schemas use only core keywords, so one plain Ajv instance with middy's own
// defaults validates them the same way; it is made, and each schema compiled, when a step first runs.
const MIDDY_AJV_DEFAULTS = { strict: true, coerceTypes: 'array', allErrors: true, useDefaults: 'empty', messages: true } as const;
// Compiled as core/schema/load.ts compiles the dataset schema: the step schemas are ours and checked against the
// 2020-12 meta-schema by a test (test/functions.test.ts), not at every process start, and their validators are
// generated without Ajv's code optimisation pass (the same checks and errors). All ten schemas, each in a fresh
// process: 119–124 ms → 52–65 ms of wall time (3 runs each, 2026-12-02), paid by every ingest and Lambda cold start.
const AJV_OPTIONS = { ...MIDDY_AJV_DEFAULTS, validateSchema: false, code: { optimize: false } } as const;
let sharedAjv: Ajv2020 | undefined;

/** A validate function for middy's validator (it reads `.errors` after a failed call), compiled on first use. */
function lazyValidator(schema: object): (data: unknown) => boolean {
  let compiled: ValidateFunction | undefined;
  const validate = (data: unknown): boolean => {
    compiled ??= (sharedAjv ??= new Ajv2020(AJV_OPTIONS)).compile(schema);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  };
  validate.errors = undefined as ValidateFunction['errors'];
  return validate;
}

/** A Lambda-shaped context for in-process invocations. */
export function localLambdaContext(functionName: string, timeoutMs = 900_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LOCAL',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1769',
    awsRequestId: `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    logGroupName: `/strata/local/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

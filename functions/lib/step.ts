// One pipeline step as a Lambda handler: a middy core with three plugins — payload validation, structured logging
// (Powertools, with the run id and dataset on every line) and mapping errors to the names the state machine
// retries or stops on. The same handler runs in Lambda and, in-process, under the local Step Functions interpreter.
import middy from '@middy/core';
import validator from '@middy/validator';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import type { PipelineContext } from '../../runtime/pipeline/context.ts';
import { toNamedError } from './errors.ts';
import * as schemas from './schemas.ts';
import * as generated from './step-validators.js';

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
  const eventSchema = validatorOf(schema);
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
// before any step runs. The payload schemas use only core keywords, so plain Ajv validators with middy's own defaults
// validate them the same way (functions/lib/step-ajv.ts). They are generated ahead of time as Ajv standalone code
// (functions/lib/step-validators.js, `npm run schema:validator`; a test fails while it is stale), so no process
// imports Ajv's compiler to validate a payload: compiling the ten schemas took 52–65 ms at each start, and
// importing Ajv more.
const bySchema = new Map<object, ValidateFunction>(Object.entries(schemas).map(([name, schema]) => [schema, (generated as unknown as Record<string, ValidateFunction>)[name]!]));

/**
 * The generated validate function of one of schemas.ts's schemas. middy's validator calls it and reads its `.errors`,
 * which the generated function sets itself.
 */
function validatorOf(schema: object): ValidateFunction {
  const validate = bySchema.get(schema);
  if (!validate) throw new Error('a step payload schema that is not one of functions/lib/schemas.ts, or has no generated validator (npm run schema:validator)');
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

// Every step of the state machine, bound to its core function and payload schema. Lambda entries (stage.ts, …)
// and the local executor both take their handlers from here.
import { commitSilver, type CommitInput } from '../runtime/pipeline/commit.ts';
import { compactStep, type CompactInput } from '../runtime/pipeline/compact.ts';
import { goldStepOutput, type RunInput, type RunState } from '../runtime/pipeline/payloads.ts';
import { recordFailure, recordSuccess, rejectFile } from '../runtime/pipeline/record.ts';
import { registerSilver } from '../runtime/pipeline/register.ts';
import { checkSilverQuality, haltBatch, type QualityInput } from '../runtime/pipeline/quality.ts';
import { stage } from '../runtime/pipeline/stage.ts';
import { refreshGold } from '../runtime/gold/refresh.ts';
import type { GoldInput } from '../runtime/gold/types.ts';
import type { StepName } from '../core/plan/steps.ts';
import { commitSchema, compactSchema, datasetSchema, goldSchema, haltSchema, qualitySchema, runInputSchema, runStateSchema } from './lib/schemas.ts';
import { defineStep, type StepDefinition } from './lib/step.ts';

export const steps = {
  stage: defineStep('stage', runInputSchema, (ctx, input: RunInput) => stage(ctx, input)),
  quality: defineStep('quality', qualitySchema, (ctx, input: QualityInput) => checkSilverQuality(ctx, input)),
  halt: defineStep('halt', haltSchema, (ctx, input: RunState) => haltBatch(ctx, input)),
  commit: defineStep('commit', commitSchema, (ctx, input: CommitInput) => commitSilver(ctx, input)),
  register: defineStep('register', datasetSchema, (ctx, input: { dataset: string }) => registerSilver(ctx, input)),
  gold: defineStep('gold', goldSchema, async (ctx, input: GoldInput) => goldStepOutput(await refreshGold(ctx, input))),
  record: defineStep('record', runStateSchema, (ctx, input: RunState) => recordSuccess(ctx, input)),
  reject: defineStep('reject', runStateSchema, (ctx, input: RunState) => rejectFile(ctx, input)),
  fail: defineStep('fail', runStateSchema, (ctx, input: RunState) => recordFailure(ctx, input)),
  compact: defineStep('compact', compactSchema, (ctx, input: CompactInput) => compactStep(ctx, input)),
} satisfies Partial<Record<StepName, StepDefinition<any, any>>>;

export type StepRegistry = typeof steps;

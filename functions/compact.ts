// Lambda entry of the compact step, the one step of a dataset's compaction state machine (stacks/compaction.ts:
// handler functions/compact.handler). The step itself is in functions/steps.ts, shared with the local executor.
import { lambdaContext } from './lib/aws-context.ts';
import { steps } from './steps.ts';

export const handler = steps.compact.handler(lambdaContext);

// Lambda entry of the halt step (stacks/pipeline.ts: handler functions/halt.handler). The step itself is in
// functions/steps.ts, shared with the local executor; here it only gets the AWS ports.
import { lambdaContext } from './lib/aws-context.ts';
import { steps } from './steps.ts';

export const handler = steps.halt.handler(lambdaContext);

// Lambda entry of the reject step (stacks/pipeline.ts: handler functions/reject.handler). The step itself is in
// functions/steps.ts, shared with the local executor; here it only gets the AWS ports.
import { lambdaContext } from './lib/aws-context.ts';
import { steps } from './steps.ts';

export const handler = steps.reject.handler(lambdaContext);

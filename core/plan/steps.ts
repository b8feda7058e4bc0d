// The steps of every dataset's state machine: one Lambda function each in AWS, one in-process handler locally.
// Named here once, for the ASL, the handlers, the access each step needs and the stacks. `compact` is the one step
// of the dataset's compaction state machine (workflows/asl-compact.ts).

export const STEPS = ['stage', 'quality', 'commit', 'register', 'gold', 'record', 'reject', 'halt', 'fail', 'compact'] as const;
export type StepName = (typeof STEPS)[number];

export const resourceToken = (step: StepName) => `\${fn:${step}}`;

export function stepOfResource(resource: string): StepName | undefined {
  const m = /^\$\{fn:([a-z]+)\}$/.exec(resource);
  return m && (STEPS as readonly string[]).includes(m[1]!) ? (m[1] as StepName) : undefined;
}

// Compaction of one dataset's tables (schema keys `compaction:` on the dataset and on its gold tables): the compact
// function (its role granted what core/plan/access.ts derives for the compact step), the dataset's small compaction
// state machine (workflows/asl-compact.ts), an EventBridge Scheduler schedule that starts it on `compaction.schedule`,
// and an alarm on failed executions. Nothing is created for a dataset whose schema compacts nothing.
import { compactionSchedule } from '../core/plan/compaction.ts';
import type { DatasetPlan } from '../core/plan/compile.ts';
import { renderCompactionAsl } from '../workflows/asl-compact.ts';
import { substituteResources } from '../workflows/asl.ts';
import { document, trustPolicy, type PolicyDocument } from './iam.ts';
import type { LakeModel } from './model.ts';
import { stateMachineResources, stepFunctionResources } from './pipeline.ts';
import { datasetNames, type LakeRefs } from './refs.ts';
import { resource, type ResourceSpec } from './resource.ts';
import { ref } from './tokens.ts';

/**
 * The input of every scheduled execution (the compact step's payload). EventBridge Scheduler replaces the context
 * keywords when it starts the execution: a unique id per invocation attempt and the scheduled time ("Adding context
 * attributes in EventBridge Scheduler", EventBridge Scheduler User Guide).
 */
export const scheduledInput = (dataset: string) => ({ dataset, runId: '<aws.scheduler.execution-id>', now: '<aws.scheduler.scheduled-time>' });

/** Seconds and attempts the scheduler keeps trying to start an execution (a missed one is caught up by the next). */
export const SCHEDULE_RETRY = { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 } as const;

/** The scheduler may start this dataset's compaction state machine, nothing else. */
export function schedulePolicy(stateMachineArn: string): PolicyDocument {
  return document([{ Sid: 'StartCompaction', Effect: 'Allow', Action: 'states:StartExecution', Resource: stateMachineArn }]);
}

export function compactionResources(refs: LakeRefs, model: LakeModel, plan: DatasetPlan): ResourceSpec[] {
  const schedule = compactionSchedule(plan);
  if (!schedule) return [];
  const n = datasetNames(plan.dataset);
  const name = refs.names.compactionStateMachine(plan.dataset);
  const smArn = ref(n.compactionStateMachine, 'arn');
  return [
    ...stepFunctionResources(refs, model, plan, 'compact'),
    ...stateMachineResources(refs, {
      logical: { logs: n.compactionLogs, role: n.compactionStateMachineRole, policy: n.compactionStateMachinePolicy, stateMachine: n.compactionStateMachine, alarm: n.compactionAlarm },
      name,
      roleName: refs.names.role(plan.dataset, 'compaction'),
      logGroup: `/aws/vendedlogs/states/${name}`,
      description: `strata ${plan.dataset}: the compaction state machine`,
      definition: substituteResources(renderCompactionAsl(plan), (step) => ref(n.fn(step), 'arn')),
      functionArns: [ref(n.fn('compact'), 'arn')],
      alarm: {
        name: refs.names.alarm(`${plan.dataset.replace(/_/g, '-')}-compaction-failed`),
        description: `strata ${plan.dataset}: a compaction failed or timed out — the tables are as they were; see the execution history of ${name}`,
      },
    }),
    resource('aws.iam.Role', n.scheduleRole, {
      name: refs.names.role(plan.dataset, 'compaction-schedule'),
      description: `strata ${plan.dataset}: EventBridge Scheduler starting the compaction`,
      assumeRolePolicy: JSON.stringify(trustPolicy('scheduler.amazonaws.com')),
    }),
    resource('aws.iam.RolePolicy', n.schedulePolicy, { role: ref(n.scheduleRole, 'name'), policy: JSON.stringify(schedulePolicy(smArn)) }),
    resource('aws.scheduler.Schedule', n.schedule, {
      name: refs.names.schedule(plan.dataset),
      description: `strata ${plan.dataset}: compact partitions of many small files`,
      scheduleExpression: schedule,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: { arn: smArn, roleArn: ref(n.scheduleRole, 'arn'), input: JSON.stringify(scheduledInput(plan.dataset)), retryPolicy: SCHEDULE_RETRY },
    }, { dependsOn: [n.schedulePolicy] }),
  ];
}

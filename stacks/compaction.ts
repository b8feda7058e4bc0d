// Compaction of one dataset's tables (schema keys `compaction:` on the dataset and on its gold tables): the compact
// function (its role granted what core/plan/access.ts derives for the compact step), the dataset's small compaction
// state machine (workflows/asl-compact.ts), an EventBridge Scheduler schedule that starts it on `compaction.schedule`,
// and an alarm on failed executions. Nothing is created for a dataset whose schema compacts nothing.
import { compactionSchedule } from '../core/plan/compaction.ts';
import type { DatasetPlan } from '../core/plan/compile.ts';
import { renderCompactionAsl } from '../workflows/asl-compact.ts';
import { substituteResources } from '../workflows/asl.ts';
import { alarmOnAny } from './alerts.ts';
import { document, logGroupArn, trustPolicy, type PolicyDocument } from './iam.ts';
import type { LakeModel } from './model.ts';
import { functionArgs, stateMachinePolicy, stepPolicy } from './pipeline.ts';
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
  const fn = n.fn('compact');
  const smName = refs.names.compactionStateMachine(plan.dataset);
  const logGroup = `/aws/vendedlogs/states/${smName}`;
  const definition = substituteResources(renderCompactionAsl(plan), () => ref(fn, 'arn'));
  const smArn = ref(n.compactionStateMachine, 'arn');
  return [
    resource('aws.iam.Role', n.role('compact'), {
      name: refs.names.role(plan.dataset, 'compact'),
      description: `strata ${plan.dataset}: the compact function`,
      assumeRolePolicy: JSON.stringify(trustPolicy('lambda.amazonaws.com')),
    }),
    resource('aws.iam.RolePolicy', n.policy('compact'), { role: ref(n.role('compact'), 'name'), policy: JSON.stringify(stepPolicy(refs, model, plan, 'compact')) }),
    resource('sst.aws.Function', fn, functionArgs(refs, model, plan, 'compact'), { dependsOn: [n.policy('compact')] }),
    resource('aws.cloudwatch.LogGroup', n.compactionLogs, { name: logGroup, retentionInDays: refs.cfg.logRetentionDays }),
    resource('aws.iam.Role', n.compactionStateMachineRole, {
      name: refs.names.role(plan.dataset, 'compaction'),
      description: `strata ${plan.dataset}: the compaction state machine`,
      assumeRolePolicy: JSON.stringify(trustPolicy('states.amazonaws.com')),
    }),
    resource('aws.iam.RolePolicy', n.compactionStateMachinePolicy, {
      role: ref(n.compactionStateMachineRole, 'name'), policy: JSON.stringify(stateMachinePolicy([ref(fn, 'arn')])),
    }),
    resource('aws.sfn.StateMachine', n.compactionStateMachine, {
      name: smName,
      type: 'STANDARD',
      roleArn: ref(n.compactionStateMachineRole, 'arn'),
      definition: JSON.stringify(definition),
      loggingConfiguration: { level: 'ERROR', includeExecutionData: false, logDestination: `${logGroupArn(logGroup)}:*` },
      tracingConfiguration: { enabled: true },
    }, { dependsOn: [n.compactionStateMachinePolicy, n.compactionLogs] }),
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
    resource('aws.cloudwatch.MetricAlarm', n.compactionAlarm, alarmOnAny(refs, refs.names.alarm(`${plan.dataset.replace(/_/g, '-')}-compaction-failed`),
      `strata ${plan.dataset}: a compaction failed or timed out — the tables are as they were; see the execution history of ${smName}`, {
        expression: 'FILL(failed, 0) + FILL(timedout, 0)',
        metrics: [
          { id: 'failed', namespace: 'AWS/States', metricName: 'ExecutionsFailed', dimensions: { StateMachineArn: smArn } },
          { id: 'timedout', namespace: 'AWS/States', metricName: 'ExecutionsTimedOut', dimensions: { StateMachineArn: smArn } },
        ],
      })),
  ];
}

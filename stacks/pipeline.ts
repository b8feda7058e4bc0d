// One dataset's pipeline: a Lambda function per step its state machine uses (each with its own role, granted what
// core/plan/access.ts derives for that step of that dataset), the state machine itself — the definition
// workflows/asl.ts renders, with function ARNs in place of its placeholders — and an alarm on failed executions.
// The steps come from the rendered definition's Task states, so a step added to the ASL gets a function here.
import { accessFor } from '../core/plan/access.ts';
import { stepSizing, type StepSizing } from '../core/plan/sizing.ts';
import { STEPS, type StepName } from '../core/plan/steps.ts';
import type { DatasetPlan } from '../core/plan/compile.ts';
import { renderAsl, substituteResources, taskStates } from '../workflows/asl.ts';
import { alarmOnAny } from './alerts.ts';
import { document, functionLogs, iamStatements, logGroupArn, trustPolicy, type PolicyDocument } from './iam.ts';
import { goldTablesOf, type LakeModel } from './model.ts';
import { datasetNames, type LakeRefs } from './refs.ts';
import { resource, type ResourceSpec } from './resource.ts';
import { ref } from './tokens.ts';
import type { FunctionArgs } from './types.ts';

/** The dataset's state machine with placeholders (what `strata plan --asl` shows). */
export function datasetAsl(model: LakeModel, plan: DatasetPlan): Record<string, unknown> {
  return renderAsl(plan, { goldTables: goldTablesOf(model, plan.dataset) });
}

/** Steps the definition runs, in the order they first appear. */
export function stepsOf(asl: Record<string, unknown>): StepName[] {
  return [...new Set(taskStates(asl).map((t) => t.step))];
}

/** Where the handlers find the schema files copied into the bundle (copyFiles below). */
export const BUNDLED_SCHEMAS = '/var/task/schemas';

/** The environment every step of a dataset runs with: its dataset, the storage locations and the catalog names. */
export function pipelineEnvironment(refs: LakeRefs, model: LakeModel, plan: DatasetPlan, step: StepName, size: StepSizing): Record<string, string> {
  const athena = step === 'gold' && model.gold.some((g) => g.engine === 'athena' && goldTablesOf(model, plan.dataset).includes(g.table));
  return {
    STRATA_DATASET: plan.dataset,
    STRATA_STEP: step,
    STRATA_SCHEMAS: BUNDLED_SCHEMAS,
    STRATA_BRONZE_BUCKET: refs.bucket.bronze,
    STRATA_BRONZE_PREFIX: refs.prefix.bronze,
    STRATA_LAKE_BUCKET: refs.bucket.lake,
    STRATA_LAKE_PREFIX: refs.prefix.lake,
    STRATA_GLUE_SILVER_DATABASE: refs.database.silver,
    STRATA_GLUE_GOLD_DATABASE: refs.database.gold,
    STRATA_GLUE_QUARANTINE_DATABASE: refs.database.quarantine,
    ...(athena ? { STRATA_ATHENA_WORKGROUP: refs.pipelineWorkgroup } : {}),
    // DuckDB wants a home directory (extensions, secrets); Lambda sets none, and only /tmp is writable.
    ...(size.duckdbMemoryMb !== undefined ? { STRATA_DUCKDB_MEMORY: `${size.duckdbMemoryMb}MB`, HOME: '/tmp' } : {}),
    // DuckDB's spill within its share of /tmp (its default, 90% of the free disk, would fill /tmp the step also uses).
    ...(size.duckdbTempMb !== undefined ? { STRATA_DUCKDB_MAX_TEMP_DIRECTORY_SIZE: `${size.duckdbTempMb}MB` } : {}),
    STRATA_LOG_LEVEL: 'INFO',
  };
}

/** SST's log retention names for the days a stage keeps logs. */
export function sstRetention(days: number): '1 month' | '1 year' {
  return days >= 365 ? '1 year' : '1 month';
}

export function functionArgs(refs: LakeRefs, model: LakeModel, plan: DatasetPlan, step: StepName): FunctionArgs {
  const size = stepSizing(plan, step);
  const n = datasetNames(plan.dataset);
  return {
    name: refs.names.function(plan.dataset, step),
    description: `strata ${plan.dataset}: ${step} (${refs.cfg.stage})`,
    handler: `functions/${step}.handler`,
    runtime: 'nodejs24.x',
    architecture: 'arm64',
    memory: `${size.memoryMb} MB`,
    timeout: `${size.timeoutSeconds} seconds`,
    storage: `${size.ephemeralStorageMb} MB`,
    role: ref(n.role(step), 'arn'),
    environment: pipelineEnvironment(refs, model, plan, step, size),
    // The handlers compile the schema files at cold start: the same plans this deploy was built from.
    copyFiles: [{ from: 'schemas', to: 'schemas' }],
    nodejs: {
      // middy 7 is ESM only.
      format: 'esm',
      // DuckDB is a native module: not bundled, but installed into the bundle for Lambda's linux/arm64/glibc, its
      // binding named explicitly so that npm installs it from any machine (stacks/bundle.ts; deploy.ts checks it).
      install: model.lambdaPackages,
    },
    logging: { retention: sstRetention(refs.cfg.logRetentionDays), format: 'json' },
    // The role is ours (least privilege, see iam.ts); `sst dev` would need permissions for its live bridge on it.
    dev: false,
  };
}

/** The step's role policy: its own logs, and what access.ts derives for it. */
export function stepPolicy(refs: LakeRefs, model: LakeModel, plan: DatasetPlan, step: StepName): PolicyDocument {
  return document([
    functionLogs(refs.names.function(plan.dataset, step)),
    ...iamStatements(accessFor(plan, step as StepName, { gold: model.gold }), refs),
  ]);
}

/** The state machine role: invoke exactly this dataset's functions, deliver its logs, send traces. */
export function stateMachinePolicy(functionArns: string[]): PolicyDocument {
  return document([
    { Sid: 'InvokeOwnFunctions', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: functionArns },
    {
      // `*` because AWS requires it: CloudWatch Logs authorises the log-delivery actions on `*` only ("IAM policies
      // for logging to CloudWatch Logs" in the Step Functions guide); the log group itself is the one named above.
      Sid: 'DeliverExecutionLogs', Effect: 'Allow', Resource: '*',
      Action: ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
        'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
    },
    // `*` because X-Ray has no resource-level permissions: `*` is the only resource these actions accept.
    { Sid: 'SendTraces', Effect: 'Allow', Resource: '*', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'] },
  ]);
}

export function pipelineResources(refs: LakeRefs, model: LakeModel, plan: DatasetPlan): ResourceSpec[] {
  const n = datasetNames(plan.dataset);
  const asl = datasetAsl(model, plan);
  const steps = stepsOf(asl);
  const unknown = steps.filter((s) => !(STEPS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`steps without an access definition in core/plan/access.ts: ${unknown.join(', ')}`);
  return [
    ...steps.flatMap((step) => stepFunctionResources(refs, model, plan, step)),
    ...stateMachineResources(refs, {
      logical: { logs: n.stateMachineLogs, role: n.stateMachineRole, policy: n.stateMachinePolicy, stateMachine: n.stateMachine, alarm: n.failedAlarm },
      name: refs.names.stateMachine(plan.dataset),
      roleName: refs.names.role(plan.dataset, 'states'),
      logGroup: refs.names.stateMachineLogGroup(plan.dataset),
      description: `strata ${plan.dataset}: the state machine`,
      definition: substituteResources(asl, (step) => ref(n.fn(step), 'arn')),
      functionArns: steps.map((s) => ref(n.fn(s), 'arn')),
      alarm: {
        name: refs.names.alarm(`${plan.dataset.replace(/_/g, '-')}-failed`),
        description: `strata ${plan.dataset}: an execution failed, was rejected, halted or timed out — see strata.runs and the execution history`,
      },
    }),
  ];
}

/** A step's function with its own role, granted what core/plan/access.ts derives for that step of that dataset. */
export function stepFunctionResources(refs: LakeRefs, model: LakeModel, plan: DatasetPlan, step: StepName): ResourceSpec[] {
  const n = datasetNames(plan.dataset);
  return [
    resource('aws.iam.Role', n.role(step), {
      name: refs.names.role(plan.dataset, step),
      description: `strata ${plan.dataset}: the ${step} function`,
      assumeRolePolicy: JSON.stringify(trustPolicy('lambda.amazonaws.com')),
    }),
    resource('aws.iam.RolePolicy', n.policy(step), {
      role: ref(n.role(step), 'name'),
      policy: JSON.stringify(stepPolicy(refs, model, plan, step)),
    }),
    // The policy first: the function may be invoked as soon as it exists.
    resource('sst.aws.Function', n.fn(step), functionArgs(refs, model, plan, step), { dependsOn: [n.policy(step)] }),
  ];
}

export interface StateMachineSpec {
  /** Logical names of the resources. */
  logical: { logs: string; role: string; policy: string; stateMachine: string; alarm: string };
  name: string;
  roleName: string;
  logGroup: string;
  description: string;
  /** The definition with function ARNs (tokens) in place. */
  definition: Record<string, unknown>;
  functionArns: string[];
  alarm: { name: string; description: string };
}

/** A state machine with its log group, its role (invoke its functions, logs, traces) and an alarm on failed executions. */
export function stateMachineResources(refs: LakeRefs, sm: StateMachineSpec): ResourceSpec[] {
  const arn = ref(sm.logical.stateMachine, 'arn');
  return [
    resource('aws.cloudwatch.LogGroup', sm.logical.logs, { name: sm.logGroup, retentionInDays: refs.cfg.logRetentionDays }),
    resource('aws.iam.Role', sm.logical.role, { name: sm.roleName, description: sm.description, assumeRolePolicy: JSON.stringify(trustPolicy('states.amazonaws.com')) }),
    resource('aws.iam.RolePolicy', sm.logical.policy, { role: ref(sm.logical.role, 'name'), policy: JSON.stringify(stateMachinePolicy(sm.functionArns)) }),
    resource('aws.sfn.StateMachine', sm.logical.stateMachine, {
      name: sm.name,
      type: 'STANDARD',
      roleArn: ref(sm.logical.role, 'arn'),
      definition: JSON.stringify(sm.definition),
      // ERROR level without execution data: inputs and outputs can carry rows of the data (quarantine reasons).
      loggingConfiguration: { level: 'ERROR', includeExecutionData: false, logDestination: `${logGroupArn(sm.logGroup)}:*` },
      tracingConfiguration: { enabled: true },
      // Step Functions checks at creation that the role may deliver logs: the policy must exist first.
    }, { dependsOn: [sm.logical.policy, sm.logical.logs] }),
    resource('aws.cloudwatch.MetricAlarm', sm.logical.alarm, alarmOnAny(refs, sm.alarm.name, sm.alarm.description, {
      expression: 'FILL(failed, 0) + FILL(timedout, 0)',
      metrics: [
        { id: 'failed', namespace: 'AWS/States', metricName: 'ExecutionsFailed', dimensions: { StateMachineArn: arn } },
        { id: 'timedout', namespace: 'AWS/States', metricName: 'ExecutionsTimedOut', dimensions: { StateMachineArn: arn } },
      ],
    })),
  ];
}

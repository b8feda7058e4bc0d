// From an upload to an execution. Each dataset has an EventBridge rule for Object Created under bronze/<dataset>/ in
// the bronze bucket; all rules invoke one shared trigger function, which starts the dataset's state machine.
//
// A function rather than a rule targeting Step Functions directly: EventBridge delivers at least once, and a direct
// target starts an execution per delivery under a random name. The trigger names the execution after the object
// version, so a duplicate event asks for an execution that already exists and nothing runs twice; it also builds
// the run input (run id, source and its version, clock) the state machine expects. One function for all datasets:
// it holds no dataset logic and no list of datasets — it derives a dataset's state machine from the naming rule
// (core/naming.ts) — so nothing shared grows with the number of datasets: its environment (Lambda: 4 KB), its
// policy (10,240 characters), its resource policy (one permission for the stage's rules; Lambda: 20 KB) and the
// dead-letter queue's policy are the same for 3 datasets or 300.
//
// Events that cannot be delivered, or whose execution could not be started after retries, land in one dead-letter
// queue (EventBridge target DLQ and the function's on-failure destination), which raises an alarm.
import type { DatasetPlan } from '../core/plan/compile.ts';
import { triggerAccess } from '../core/plan/access.ts';
import { alarmOnAny } from './alerts.ts';
import { document, functionLogs, iamStatements, stageRules, trustPolicy, type PolicyDocument } from './iam.ts';
import type { LakeModel } from './model.ts';
import { sstRetention } from './pipeline.ts';
import { DEAD_LETTERS, TRIGGER, datasetNames, type LakeRefs } from './refs.ts';
import { resource, type ResourceSpec } from './resource.ts';
import { ACCOUNT, ref } from './tokens.ts';

/** Seconds: how long EventBridge and Lambda keep retrying an event before it goes to the dead-letter queue. */
export const EVENT_MAX_AGE = { eventBridge: 24 * 3600, lambda: 6 * 3600 } as const;

/** The EventBridge pattern of a dataset: objects created under its bronze prefix in the bronze bucket. */
export function bronzePattern(refs: LakeRefs, plan: DatasetPlan) {
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [refs.bucket.bronze] },
      object: { key: [{ prefix: `${refs.prefix.bronze}${plan.prefixes.bronze}` }] },
    },
  };
}

export function triggerPolicy(refs: LakeRefs): PolicyDocument {
  return document([
    functionLogs(refs.names.function(undefined, 'trigger')),
    ...iamStatements(triggerAccess(), refs),
    // The on-failure destination is written with the function's own role.
    { Sid: 'DeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: ref(DEAD_LETTERS, 'arn') },
  ]);
}

export function triggerResources(refs: LakeRefs, model: LakeModel): ResourceSpec[] {
  const fn = `${TRIGGER}Function`;
  const shared: ResourceSpec[] = [
    resource('aws.sqs.Queue', DEAD_LETTERS, {
      name: refs.names.queue('trigger-dead-letters'),
      messageRetentionSeconds: 14 * 24 * 3600,
      // SQS-managed encryption: EventBridge can send to it without a key policy grant.
      sqsManagedSseEnabled: true,
    }),
    resource('aws.sqs.QueuePolicy', `${DEAD_LETTERS}Policy`, {
      queueUrl: ref(DEAD_LETTERS, 'url'),
      policy: JSON.stringify(document([{
        // The stage's bronze rules, by their naming rule: the policy does not grow with the datasets.
        Sid: 'EventBridgeDeadLetters', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage',
        Resource: ref(DEAD_LETTERS, 'arn'), Condition: { ArnLike: { 'aws:SourceArn': stageRules(refs) }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      }])),
    }),
    resource('aws.cloudwatch.MetricAlarm', `${DEAD_LETTERS}Alarm`, alarmOnAny(refs, refs.names.alarm('trigger-dead-letters'),
      `strata ${refs.cfg.stage}: an upload could not start its pipeline; the event is in the dead-letter queue`, {
        namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: refs.names.queue('trigger-dead-letters') },
      })),
    resource('aws.iam.Role', `${TRIGGER}Role`, {
      name: refs.names.role(undefined, 'trigger'),
      description: 'strata: starts a dataset state machine for each upload to bronze',
      assumeRolePolicy: JSON.stringify(trustPolicy('lambda.amazonaws.com')),
    }),
    resource('aws.iam.RolePolicy', `${TRIGGER}Policy`, { role: ref(`${TRIGGER}Role`, 'name'), policy: JSON.stringify(triggerPolicy(refs)) }),
    resource('sst.aws.Function', fn, {
      name: refs.names.function(undefined, 'trigger'),
      description: `strata: bronze upload → state machine (${refs.cfg.stage})`,
      handler: 'functions/trigger.handler',
      runtime: 'nodejs24.x',
      architecture: 'arm64',
      memory: '256 MB',
      timeout: '30 seconds',
      role: ref(`${TRIGGER}Role`, 'arn'),
      environment: {
        // The naming rule's inputs (functions/trigger.ts derives each state machine's ARN), not a list of datasets.
        STRATA_APP: refs.cfg.app,
        STRATA_STAGE: refs.cfg.stage,
        STRATA_BRONZE_BUCKET: refs.bucket.bronze,
        STRATA_BRONZE_PREFIX: refs.prefix.bronze,
        STRATA_LOG_LEVEL: 'INFO',
      },
      nodejs: { format: 'esm' },
      logging: { retention: sstRetention(refs.cfg.logRetentionDays), format: 'json' },
      dev: false,
    }, { dependsOn: [`${TRIGGER}Policy`] }),
    // One permission for every bronze rule of the stage (a permission per rule would grow the function's resource
    // policy, which Lambda caps at 20 KB, by ~300 bytes per dataset).
    resource('aws.lambda.Permission', `${TRIGGER}Permission`, {
      action: 'lambda:InvokeFunction',
      function: ref(fn, 'name'),
      principal: 'events.amazonaws.com',
      sourceArn: stageRules(refs),
      sourceAccount: ACCOUNT,
    }),
    resource('aws.lambda.FunctionEventInvokeConfig', `${TRIGGER}InvokeConfig`, {
      functionName: ref(fn, 'name'),
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: EVENT_MAX_AGE.lambda,
      destinationConfig: { onFailure: { destination: ref(DEAD_LETTERS, 'arn') } },
    }),
  ];
  return [...shared, ...model.plans.flatMap((p) => datasetTriggerResources(refs, p))];
}

export function datasetTriggerResources(refs: LakeRefs, plan: DatasetPlan): ResourceSpec[] {
  const n = datasetNames(plan.dataset);
  return [
    resource('aws.cloudwatch.EventRule', n.rule, {
      name: refs.names.rule(plan.dataset),
      description: `strata ${plan.dataset}: objects created under ${plan.prefixes.bronze}`,
      eventPattern: JSON.stringify(bronzePattern(refs, plan)),
      state: 'ENABLED',
    }, { dataset: plan.dataset }),
    resource('aws.cloudwatch.EventTarget', n.target, {
      rule: ref(n.rule, 'name'),
      arn: ref(`${TRIGGER}Function`, 'arn'),
      deadLetterConfig: { arn: ref(DEAD_LETTERS, 'arn') },
      retryPolicy: { maximumEventAgeInSeconds: EVENT_MAX_AGE.eventBridge, maximumRetryAttempts: 185 },
    }, { dataset: plan.dataset, dependsOn: [`${TRIGGER}Permission`] }),
  ];
}

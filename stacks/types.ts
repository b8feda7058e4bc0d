// The types of everything the stacks create, taken from the SST platform that `sst install` writes to .sst/.
//
// The project's own type-check (tsconfig.json) runs without .sst/, so there the imports below do not resolve and
// the types are `any` (hence @ts-ignore, which — unlike @ts-expect-error — is silent when the import does resolve).
// stacks/tsconfig.json maps them to .sst/platform, so .ci/sst-check checks every resource argument the stacks build
// against the real Pulumi AWS and SST types; sst.config.ts asserts that there they are not `any`.
// @ts-ignore: resolved by stacks/tsconfig.json only
import type * as Aws from '@pulumi/aws';
// @ts-ignore: resolved by stacks/tsconfig.json only
import type * as Pulumi from '@pulumi/pulumi';

// @ts-ignore: the `sst` global exists only with .sst/platform/config.d.ts (stacks/tsconfig.json)
export type FunctionArgs = sst.aws.FunctionArgs;
// @ts-ignore: as above
export type SstFunction = sst.aws.Function;

export type Output<T> = Pulumi.Output<T>;
export type LifecycleRule = Aws.types.input.s3.BucketLifecycleConfigurationRule;

/** Constructor arguments of each kind of resource the lake is made of. */
export interface ArgsByType {
  'aws.kms.Key': Aws.kms.KeyArgs;
  'aws.kms.Alias': Aws.kms.AliasArgs;
  'aws.s3.Bucket': Aws.s3.BucketArgs;
  'aws.s3.BucketOwnershipControls': Aws.s3.BucketOwnershipControlsArgs;
  'aws.s3.BucketPublicAccessBlock': Aws.s3.BucketPublicAccessBlockArgs;
  'aws.s3.BucketServerSideEncryptionConfiguration': Aws.s3.BucketServerSideEncryptionConfigurationArgs;
  'aws.s3.BucketVersioning': Aws.s3.BucketVersioningArgs;
  'aws.s3.BucketLifecycleConfiguration': Aws.s3.BucketLifecycleConfigurationArgs;
  'aws.s3.BucketLogging': Aws.s3.BucketLoggingArgs;
  'aws.s3.BucketPolicy': Aws.s3.BucketPolicyArgs;
  'aws.s3.BucketNotification': Aws.s3.BucketNotificationArgs;
  'aws.glue.CatalogDatabase': Aws.glue.CatalogDatabaseArgs;
  'aws.glue.CatalogTable': Aws.glue.CatalogTableArgs;
  'aws.athena.Workgroup': Aws.athena.WorkgroupArgs;
  'aws.iam.Role': Aws.iam.RoleArgs;
  'aws.iam.RolePolicy': Aws.iam.RolePolicyArgs;
  'aws.iam.Policy': Aws.iam.PolicyArgs;
  'aws.sfn.StateMachine': Aws.sfn.StateMachineArgs;
  'aws.cloudwatch.LogGroup': Aws.cloudwatch.LogGroupArgs;
  'aws.cloudwatch.LogStream': Aws.cloudwatch.LogStreamArgs;
  'aws.cloudwatch.MetricAlarm': Aws.cloudwatch.MetricAlarmArgs;
  'aws.cloudwatch.EventRule': Aws.cloudwatch.EventRuleArgs;
  'aws.cloudwatch.EventTarget': Aws.cloudwatch.EventTargetArgs;
  'aws.lambda.Permission': Aws.lambda.PermissionArgs;
  'aws.lambda.FunctionEventInvokeConfig': Aws.lambda.FunctionEventInvokeConfigArgs;
  'aws.sqs.Queue': Aws.sqs.QueueArgs;
  'aws.sqs.QueuePolicy': Aws.sqs.QueuePolicyArgs;
  'aws.sns.Topic': Aws.sns.TopicArgs;
  'aws.sns.TopicPolicy': Aws.sns.TopicPolicyArgs;
  'aws.sns.TopicSubscription': Aws.sns.TopicSubscriptionArgs;
  'aws.kinesis.Stream': Aws.kinesis.StreamArgs;
  'aws.kinesis.FirehoseDeliveryStream': Aws.kinesis.FirehoseDeliveryStreamArgs;
  'aws.scheduler.Schedule': Aws.scheduler.ScheduleArgs;
  'sst.aws.Function': FunctionArgs;
}

export type ResourceType = keyof ArgsByType;

/** What the deploy step needs from the platform: SST passes its globals, tests pass Pulumi mocks and a stand-in. */
export interface Platform {
  aws: typeof Aws;
  sst: { aws: { Function: new (name: string, args: FunctionArgs, opts?: Pulumi.ComponentResourceOptions) => SstFunction } };
  pulumi: Pick<typeof Pulumi, 'all' | 'output'>;
}

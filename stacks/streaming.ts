// Streaming ingestion of one dataset (schema key `stream:`): a Kinesis Data Firehose delivery stream that writes the
// records it receives — gzipped, with the lake key — as objects under bronze/<dataset>/yyyy/MM/dd/HH/ in the bronze
// bucket (core/plan/stream.ts), optionally fed by a Kinesis data stream. Nothing else is new: every object it writes is
// an upload like any other, so the dataset's EventBridge rule, the trigger and the state machine validate it — one
// path to silver. Its role may write only that prefix and its error prefix (core/plan/access.ts
// deliveryStreamAccess); an alarm tells the alerts topic when deliveries fail or fall behind.
import { deliveryStreamAccess } from '../core/plan/access.ts';
import type { DatasetPlan } from '../core/plan/compile.ts';
import { firehoseErrorPrefix, firehosePrefix } from '../core/plan/stream.ts';
import { document, iamStatements, logGroupArn, trustPolicy, type PolicyDocument } from './iam.ts';
import { BUCKETS, datasetNames, type LakeRefs } from './refs.ts';
import { resource, type ResourceSpec } from './resource.ts';
import { ref } from './tokens.ts';

/** Where Firehose logs delivery errors (its CloudWatch logging option): one group per stream, this stream in it. */
export const firehoseLogGroup = (refs: LakeRefs, dataset: string) => `/aws/kinesisfirehose/${refs.names.deliveryStream(dataset)}`;
export const FIREHOSE_LOG_STREAM = 'DestinationDelivery';

/**
 * Seconds the oldest undelivered record may wait beyond the buffer interval before the alarm fires. AWS recommends an
 * alarm on DeliveryToS3.DataFreshness exceeding the buffering limit ("Implement best practices with CloudWatch Alarms",
 * Amazon Data Firehose Developer Guide); five minutes more leaves room for a slow delivery that still succeeds.
 */
export const FRESHNESS_MARGIN_SECONDS = 300;

export function firehosePolicy(refs: LakeRefs, plan: DatasetPlan): PolicyDocument {
  return document([
    { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: [`${logGroupArn(firehoseLogGroup(refs, plan.dataset))}:log-stream:*`] },
    ...iamStatements(deliveryStreamAccess(plan), refs),
  ]);
}

export function streamingResources(refs: LakeRefs, plan: DatasetPlan): ResourceSpec[] {
  const stream = plan.stream;
  if (!stream) return [];
  const n = datasetNames(plan.dataset);
  const name = refs.names.deliveryStream(plan.dataset);
  const logGroup = firehoseLogGroup(refs, plan.dataset);
  const kinesis = stream.source === 'kinesis';
  const out: ResourceSpec[] = [
    resource('aws.iam.Role', n.firehoseRole, {
      name: refs.names.role(plan.dataset, 'firehose'),
      description: `strata ${plan.dataset}: the delivery stream writing ${plan.prefixes.bronze}`,
      assumeRolePolicy: JSON.stringify(trustPolicy('firehose.amazonaws.com')),
    }),
    resource('aws.iam.RolePolicy', n.firehosePolicy, { role: ref(n.firehoseRole, 'name'), policy: JSON.stringify(firehosePolicy(refs, plan)) }),
    resource('aws.cloudwatch.LogGroup', n.firehoseLogs, { name: logGroup, retentionInDays: refs.cfg.logRetentionDays }),
    resource('aws.cloudwatch.LogStream', n.firehoseLogStream, { name: FIREHOSE_LOG_STREAM, logGroupName: ref(n.firehoseLogs, 'name') }),
  ];
  if (kinesis) {
    out.push(resource('aws.kinesis.Stream', n.kinesisStream, {
      name: refs.names.kinesisStream(plan.dataset),
      // On demand: no shards to size; capacity follows the producers. Records are kept 24 hours (the minimum).
      streamModeDetails: { streamMode: 'ON_DEMAND' },
      retentionPeriod: 24,
      // AWS's key for Kinesis: producers and Firehose need no key grants of their own (the lake key would).
      encryptionType: 'KMS',
      kmsKeyId: 'alias/aws/kinesis',
    }));
  }
  out.push(
    resource('aws.kinesis.FirehoseDeliveryStream', n.deliveryStream, {
      name,
      destination: 'extended_s3',
      // A stream read from Kinesis is encrypted there; one producers PUT to directly is encrypted at rest by Firehose.
      ...(kinesis
        ? { kinesisSourceConfiguration: { kinesisStreamArn: ref(n.kinesisStream, 'arn'), roleArn: ref(n.firehoseRole, 'arn') } }
        : { serverSideEncryption: { enabled: true, keyType: 'AWS_OWNED_CMK' } }),
      extendedS3Configuration: {
        roleArn: ref(n.firehoseRole, 'arn'),
        bucketArn: ref(`${BUCKETS.bronze}Bucket`, 'arn'),
        prefix: `${refs.prefix.bronze}${firehosePrefix(plan.dataset)}`,
        errorOutputPrefix: `${refs.prefix.bronze}${firehoseErrorPrefix(plan.dataset)}`,
        bufferingInterval: stream.buffer.seconds,
        bufferingSize: stream.buffer.megabytes,
        // Objects named .gz, which the dataset reads with compression auto or gzip (strata check insists).
        compressionFormat: 'GZIP',
        // SSE-KMS with the lake key, as the bronze bucket's policy requires of every upload.
        kmsKeyArn: refs.keyArn,
        cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup, logStreamName: FIREHOSE_LOG_STREAM },
      },
      // The role's policy first: the stream delivers (and reads Kinesis) as soon as it exists.
    }, { dependsOn: [n.firehosePolicy, n.firehoseLogStream] }),
    resource('aws.cloudwatch.MetricAlarm', n.deliveryAlarm, deliveryAlarmArgs(refs, plan)),
  );
  return out;
}

/**
 * Delivery failures: a delivery to S3 that failed (DeliveryToS3.Success below 1: successful over attempted PUTs), or
 * records waiting longer than the buffer interval plus FRESHNESS_MARGIN_SECONDS (DeliveryToS3.DataFreshness), in
 * five-minute periods. Firehose retries S3 for up to 24 hours, so the alarm fires long before records are lost.
 */
export function deliveryAlarmArgs(refs: LakeRefs, plan: DatasetPlan) {
  const dimensions = { DeliveryStreamName: refs.names.deliveryStream(plan.dataset) };
  const limit = plan.stream!.buffer.seconds + FRESHNESS_MARGIN_SECONDS;
  const description = `strata ${plan.dataset}: the delivery stream could not write to bronze, or records waited more than ${limit} s — see its log group ${firehoseLogGroup(refs, plan.dataset)}`;
  return {
    name: refs.names.alarm(`${plan.dataset.replace(/_/g, '-')}-delivery`),
    alarmDescription: description,
    comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: 1, evaluationPeriods: 1, treatMissingData: 'notBreaching',
    alarmActions: [refs.topicArn], okActions: [refs.topicArn],
    metricQueries: [
      { id: 'failing', expression: `IF(FILL(success, 1) < 1, 1, 0) + IF(FILL(freshness, 0) > ${limit}, 1, 0)`, label: description, returnData: true },
      { id: 'success', returnData: false, metric: { namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.Success', dimensions, period: 300, stat: 'Minimum' } },
      { id: 'freshness', returnData: false, metric: { namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.DataFreshness', dimensions, period: 300, stat: 'Maximum' } },
    ],
  };
}

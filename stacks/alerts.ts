// Alerts: one SNS topic (encrypted with the lake key) that every alarm notifies; mail it with STRATA_ALERT_EMAIL.
import type { LakeRefs } from './refs.ts';
import { TOPIC } from './refs.ts';
import { resource, type ResourceSpec } from './resource.ts';
import { document } from './iam.ts';
import { ACCOUNT } from './tokens.ts';

export function alertResources(refs: LakeRefs): ResourceSpec[] {
  const out: ResourceSpec[] = [
    resource('aws.sns.Topic', TOPIC, { name: refs.names.topic('alerts'), kmsMasterKeyId: refs.keyArn }),
    resource('aws.sns.TopicPolicy', `${TOPIC}Policy`, {
      arn: refs.topicArn,
      policy: JSON.stringify(document([{
        Sid: 'CloudWatchAlarmsPublish', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish',
        Resource: refs.topicArn, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      }])),
    }),
  ];
  if (refs.cfg.alertEmail) {
    out.push(resource('aws.sns.TopicSubscription', `${TOPIC}Email`, { topic: refs.topicArn, protocol: 'email', endpoint: refs.cfg.alertEmail }));
  }
  return out;
}

/** An alarm on a sum ≥ 1 over five minutes, to the alerts topic. */
export function alarmOnAny(refs: LakeRefs, name: string, description: string, metric: { namespace: string; metricName: string; dimensions: Record<string, string> } | { expression: string; metrics: Array<{ id: string; namespace: string; metricName: string; dimensions: Record<string, string> }> }) {
  const common = {
    name, alarmDescription: description, comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: 1, evaluationPeriods: 1,
    treatMissingData: 'notBreaching', alarmActions: [refs.topicArn], okActions: [refs.topicArn],
  };
  if ('expression' in metric) {
    return {
      ...common,
      metricQueries: [
        { id: 'total', expression: metric.expression, label: description, returnData: true },
        ...metric.metrics.map((m) => ({ id: m.id, returnData: false, metric: { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, period: 300, stat: 'Sum' } })),
      ],
    };
  }
  return { ...common, namespace: metric.namespace, metricName: metric.metricName, dimensions: metric.dimensions, statistic: 'Sum', period: 300 };
}


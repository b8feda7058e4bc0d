// Example values for what AWS assigns at deploy time (account, region, bucket names, ARNs): the resources of a
// stage rendered as AWS would see them. Tests compare against this rendering, and the Pulumi-mock test hands the
// same values out as resource outputs, so both must agree for deploy.ts's token resolution to pass.
import type { ResourceSpec } from './resource.ts';
import { renderTokens, type Token } from './tokens.ts';

export const EXAMPLE_AWS = { accountId: '123456789012', region: 'eu-west-1', partition: 'aws' } as const;

const { accountId: A, region: R } = EXAMPLE_AWS;

/** The outputs a resource of this spec would have. */
export function exampleOutputs(spec: ResourceSpec): Record<string, string> {
  const args = spec.args as Record<string, unknown>;
  const name = typeof args.name === 'string' ? args.name : spec.name;
  switch (spec.type) {
    case 'aws.s3.Bucket': {
      const bucket = `${String(args.bucketPrefix)}0example`;
      return { bucket, arn: `arn:aws:s3:::${bucket}`, id: bucket };
    }
    case 'aws.kms.Key': return { arn: `arn:aws:kms:${R}:${A}:key/00000000-example-key`, keyId: '00000000-example-key' };
    case 'aws.kms.Alias': return { arn: `arn:aws:kms:${R}:${A}:${name}`, name };
    case 'aws.iam.Role': return { arn: `arn:aws:iam::${A}:role/${name}`, name };
    case 'aws.iam.Policy': return { arn: `arn:aws:iam::${A}:policy/${name}`, name };
    case 'sst.aws.Function': return { arn: `arn:aws:lambda:${R}:${A}:function:${name}`, name };
    case 'aws.sfn.StateMachine': return { arn: `arn:aws:states:${R}:${A}:stateMachine:${name}`, name };
    case 'aws.cloudwatch.EventRule': return { arn: `arn:aws:events:${R}:${A}:rule/${name}`, name };
    case 'aws.cloudwatch.LogGroup': return { arn: `arn:aws:logs:${R}:${A}:log-group:${name}`, name };
    case 'aws.cloudwatch.MetricAlarm': return { arn: `arn:aws:cloudwatch:${R}:${A}:alarm:${name}`, name };
    case 'aws.sqs.Queue': return { arn: `arn:aws:sqs:${R}:${A}:${name}`, url: `https://sqs.${R}.amazonaws.com/${A}/${name}`, name };
    case 'aws.sns.Topic': return { arn: `arn:aws:sns:${R}:${A}:${name}`, name };
    case 'aws.athena.Workgroup': return { arn: `arn:aws:athena:${R}:${A}:workgroup/${name}`, name };
    case 'aws.glue.CatalogDatabase': return { arn: `arn:aws:glue:${R}:${A}:database/${name}`, name };
    case 'aws.kinesis.FirehoseDeliveryStream': return { arn: `arn:aws:firehose:${R}:${A}:deliverystream/${name}`, name };
    case 'aws.kinesis.Stream': return { arn: `arn:aws:kinesis:${R}:${A}:stream/${name}`, name };
    case 'aws.scheduler.Schedule': return { arn: `arn:aws:scheduler:${R}:${A}:schedule/default/${name}`, name };
    case 'aws.glue.CatalogTable': return { arn: `arn:aws:glue:${R}:${A}:table/${String(args.databaseName)}/${name}`, name };
    default: return { name };
  }
}

/** Token → example value, for the resources of one stage. */
export function exampleValues(specs: readonly ResourceSpec[]): (t: Token) => string {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const cache = new Map<string, Record<string, string>>();
  const outputs = (name: string): Record<string, string> => {
    let o = cache.get(name);
    if (!o) {
      const spec = byName.get(name);
      if (!spec) throw new Error(`no resource named ${name}`);
      // Outputs may themselves contain tokens (a table's database name): render those too.
      o = renderTokens(exampleOutputs(spec), valueOf);
      cache.set(name, o);
    }
    return o;
  };
  const valueOf = (t: Token): string => {
    if (t.kind === 'aws') return EXAMPLE_AWS[t.name];
    const v = outputs(t.resource)[t.output];
    if (v === undefined) throw new Error(`${t.text}: no example value for output ${t.output} of ${t.resource}`);
    return v;
  };
  return valueOf;
}

/** Every resource with its arguments as AWS would receive them. */
export function renderExample(specs: readonly ResourceSpec[]): ResourceSpec[] {
  const valueOf = exampleValues(specs);
  return specs.map((s) => ({ ...s, args: renderTokens(s.args, valueOf) }) as ResourceSpec);
}

// Names: the logical names the resources have in the stage (Pulumi URNs) and the physical names AWS shows. Physical
// names carry app and stage, so stages never collide and a console list reads like the lake; each fits its
// service's limit (too long: cut, plus a hash of the whole so two long names stay distinct).
import { createHash } from 'node:crypto';

export interface Naming {
  app: string;
  stage: string;
}

export type GlueLayer = 'silver' | 'gold' | 'quarantine' | 'strata';

/** `order_lines` → `OrderLines`: logical names of a dataset's resources. */
export function pascal(name: string): string {
  return name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

export function fit(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9).replace(/[-_]+$/, '')}-${hash}`;
}

const dashed = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
const underscored = (s: string) => s.toLowerCase().replace(/[^a-z0-9_]+/g, '_');

export function physicalNames(n: Naming) {
  const base = `${dashed(n.app)}-${dashed(n.stage)}`;
  return {
    base,
    /** Glue databases: lowercase and underscores (what Athena accepts unquoted). */
    database: (layer: GlueLayer) => fit(underscored(`${n.app}_${n.stage}_${layer}`), 255),
    /** S3 bucket prefix (≤ 37): the bucket name gets a unique suffix, so no account id is needed to be unique. */
    bucketPrefix: (kind: string) => `${fit(`${base}-${kind}`, 36)}-`,
    /** Lambda function (≤ 64). */
    function: (dataset: string | undefined, step: string) => fit(`${base}-${dataset ? `${dataset.replace(/_/g, '-')}-` : ''}${step}`, 64),
    /** IAM role (≤ 64). */
    role: (dataset: string | undefined, what: string) => fit(`${base}-${dataset ? `${dataset.replace(/_/g, '-')}-` : ''}${what}`, 64),
    stateMachine: (dataset: string) => fit(`${base}-${dataset.replace(/_/g, '-')}`, 80),
    /** EventBridge rule (≤ 64). */
    rule: (dataset: string) => fit(`${base}-${dataset.replace(/_/g, '-')}-bronze`, 64),
    workgroup: (kind: string) => fit(`${base}-${kind}`, 128),
    alarm: (what: string) => fit(`${base}-${what}`, 255),
    queue: (what: string) => fit(`${base}-${what}`, 80),
    topic: (what: string) => fit(`${base}-${what}`, 256),
    policy: (what: string) => fit(`${base}-${what}`, 128),
    keyAlias: () => `alias/${fit(`${base}-lake`, 200)}`,
    /** Kinesis Data Firehose delivery stream (≤ 64; letters, digits, . _ -). */
    deliveryStream: (dataset: string) => fit(`${base}-${dataset.replace(/_/g, '-')}`, 64),
    /** Kinesis data stream feeding it (≤ 128). */
    kinesisStream: (dataset: string) => fit(`${base}-${dataset.replace(/_/g, '-')}`, 128),
    /**
     * The dataset's compaction state machine (≤ 80). A dataset named <dataset>_compaction would get the same name:
     * the stacks refuse that stage (their logical names collide too).
     */
    compactionStateMachine: (dataset: string) => fit(`${base}-${dataset.replace(/_/g, '-')}-compaction`, 80),
    /** EventBridge Scheduler schedule (≤ 64). */
    schedule: (dataset: string) => fit(`${base}-${dataset.replace(/_/g, '-')}-compaction`, 64),
    /** Step Functions logs under /aws/vendedlogs/ (keeps CloudWatch Logs resource policies small). */
    stateMachineLogGroup: (dataset: string) => `/aws/vendedlogs/states/${fit(`${base}-${dataset.replace(/_/g, '-')}`, 400)}`,
  };
}

export type PhysicalNames = ReturnType<typeof physicalNames>;

/** Where a stage is deployed: what an ARN needs besides the resource's name. */
export interface AwsAccountRegion {
  partition: string;
  region: string;
  accountId: string;
}

/** The ARN Step Functions gives a state machine of this name (arn:<partition>:states:<region>:<account>:stateMachine:<name>). */
export function stateMachineArn(where: AwsAccountRegion, name: string): string {
  return `arn:${where.partition}:states:${where.region}:${where.accountId}:stateMachine:${name}`;
}

// IAM policy documents. The access a step needs comes from core/plan/access.ts in lake terms; here it becomes ARNs
// of this stage's buckets, key, Glue tables and state machines. Pure (tokens stand for what AWS assigns).
import type { AccessStatement, LogicalResource } from '../core/plan/access.ts';
import type { LakeRefs } from './refs.ts';
import { ACCOUNT, PARTITION, REGION } from './tokens.ts';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string | string[]; Service?: string | string[] };
  Action: string | string[];
  /** Absent only in trust policies. */
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export const document = (statements: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });

export const bucketArn = (bucketToken: string) => `arn:${PARTITION}:s3:::${bucketToken}`;
const glue = (what: string) => `arn:${PARTITION}:glue:${REGION}:${ACCOUNT}:${what}`;
export const glueCatalogArn = () => glue('catalog');
export const glueDatabaseArn = (db: string) => glue(`database/${db}`);
export const glueTableArn = (db: string, table: string) => glue(`table/${db}/${table}`);
export const workgroupArn = (name: string) => `arn:${PARTITION}:athena:${REGION}:${ACCOUNT}:workgroup/${name}`;
export const logGroupArn = (name: string) => `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
export const accountRoot = () => `arn:${PARTITION}:iam::${ACCOUNT}:root`;
/** Every state machine of the stage (physicalNames().stateMachine: <app>-<stage>-<dataset>). */
export const stageStateMachines = (refs: LakeRefs) => `arn:${PARTITION}:states:${REGION}:${ACCOUNT}:stateMachine:${refs.names.base}-*`;
/** Every EventBridge rule of the stage (physicalNames().rule: <app>-<stage>-<dataset>-bronze). */
export const stageRules = (refs: LakeRefs) => `arn:${PARTITION}:events:${REGION}:${ACCOUNT}:rule/${refs.names.base}-*`;

/** ARNs of a logical resource. Glue authorises table actions on the catalog, the database and the table. */
export function arnsOf(r: LogicalResource, refs: LakeRefs): string[] {
  switch (r.kind) {
    case 's3-object': return [`${bucketArn(refs.bucket[r.location])}/${refs.prefix[r.location]}${r.prefix}${r.prefix.endsWith('/') ? '*' : ''}`];
    case 's3-listing':
    case 's3-bucket': return [bucketArn(refs.bucket[r.location])];
    case 'glue-table': return [glueCatalogArn(), glueDatabaseArn(refs.database[r.database]), glueTableArn(refs.database[r.database], r.table)];
    case 'kms-key': return [refs.keyArn];
    case 'athena-workgroup': return [workgroupArn(refs.pipelineWorkgroup)];
    // core/naming.ts names every state machine of the stage <app>-<stage>-<dataset>: one pattern covers them all,
    // whatever datasets later deploys add (a list would outgrow the trigger's policy at a few dozen datasets).
    case 'stage-state-machines': return [stageStateMachines(refs)];
    case 'kinesis-stream': return [kinesisStreamArn(refs, r.dataset)];
  }
}

/** A dataset's Kinesis data stream, by its physical name (core/naming.ts). */
export const kinesisStreamArn = (refs: LakeRefs, dataset: string) => `arn:${PARTITION}:kinesis:${REGION}:${ACCOUNT}:stream/${refs.names.kinesisStream(dataset)}`;

/**
 * Logical statements → IAM statements. Listing is granted on the bucket with an s3:prefix condition (IAM has no
 * other way to scope ListBucket); the lake key only through S3 (kms:ViaService), so a function cannot use it directly.
 */
export function iamStatements(access: readonly AccessStatement[], refs: LakeRefs): PolicyStatement[] {
  return access.map((s): PolicyStatement => {
    const resources = unique(s.resources.flatMap((r) => arnsOf(r, refs)));
    const listings = s.resources.filter((r): r is Extract<LogicalResource, { kind: 's3-listing' }> => r.kind === 's3-listing');
    if (listings.length) {
      if (listings.length !== s.resources.length || new Set(listings.map((l) => l.location)).size !== 1) {
        throw new Error(`statement ${s.sid}: a listing statement lists prefixes of one location and nothing else`);
      }
      return {
        Sid: s.sid, Effect: 'Allow', Action: s.actions, Resource: resources,
        Condition: { StringLike: { 's3:prefix': unique(listings.map((l) => `${refs.prefix[l.location]}${l.prefix}*`)) } },
      };
    }
    if (s.resources.some((r) => r.kind === 'kms-key')) {
      return { Sid: s.sid, Effect: 'Allow', Action: s.actions, Resource: resources, Condition: { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } } };
    }
    return { Sid: s.sid, Effect: 'Allow', Action: s.actions, Resource: resources };
  });
}

/**
 * Who may assume a role: one AWS service, for this account only where the service says which account it acts for
 * (aws:SourceAccount; Firehose passes the account id as sts:ExternalId, as its developer guide's trust policy shows).
 */
export function trustPolicy(service: 'lambda.amazonaws.com' | 'states.amazonaws.com' | 'firehose.amazonaws.com' | 'scheduler.amazonaws.com'): PolicyDocument {
  const condition: Record<string, string> | undefined = service === 'firehose.amazonaws.com' ? { 'sts:ExternalId': ACCOUNT }
    : service === 'lambda.amazonaws.com' ? undefined : { 'aws:SourceAccount': ACCOUNT };
  return document([{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', ...(condition ? { Condition: { StringEquals: condition } } : {}) }]);
}

/** A Lambda function writes its own log group and no other (what AWSLambdaBasicExecutionRole grants on `*`). */
export function functionLogs(functionName: string): PolicyStatement {
  return { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${logGroupArn(`/aws/lambda/${functionName}`)}:*`] };
}

export function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

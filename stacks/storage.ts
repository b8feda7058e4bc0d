// Storage: the lake key and four buckets.
//
// Two data buckets, not one bucket with prefixes: bronze is where producers drop files and the lake is what strata
// writes. They differ in everything a bucket configures — bronze is versioned (an overwritten upload stays
// recoverable), emits EventBridge events (one per upload, none for the lake's own writes), and moves to cheaper
// storage classes as it ages; the lake is read constantly and written by strata alone. Keeping them apart also lets a
// bucket policy or replication rule target raw data without touching the lake. Inside the lake, silver, gold,
// quarantine, staging and _strata are prefixes: the runtime copies between them server-side and each table's
// location is a prefix (the storage port routes bronze/… to the bronze location and the rest to the lake location).
// Athena results and access logs get buckets of their own (different lifecycles; log delivery cannot use SSE-KMS).
import type { LakeRefs } from './refs.ts';
import type { LifecycleRule } from './types.ts';
import { BUCKETS, KEY, RESULTS_PREFIX } from './refs.ts';
import { resource, type ResourceSpec } from './resource.ts';
import { accountRoot, document, type PolicyStatement } from './iam.ts';
import { ACCOUNT, ref } from './tokens.ts';
import { COMPACTION_RESULT_DAYS, layout } from '../core/plan/layout.ts';

/** Days after which objects move or go. */
export const LIFECYCLE = {
  bronzeInfrequentAccess: 30,
  /** Glacier Instant Retrieval: still readable in milliseconds, so re-ingesting an old file needs no restore. */
  bronzeGlacierInstant: 180,
  bronzeNoncurrent: 30,
  /** The runtime removes staging after each run; what a crash leaves behind goes after two days. */
  staging: 2,
  /** A compaction's whole result, as long as strata gc keeps it locally (core/plan/layout.ts COMPACTION_RESULT_DAYS). */
  compactionResults: COMPACTION_RESULT_DAYS,
  /** Replaced manifests and deleted versions stay recoverable this long (strata gc decides what to delete). */
  lakeNoncurrent: 7,
  athenaResults: 7,
  accessLogs: 90,
  incompleteUploads: 1,
} as const;

export function keyResources(refs: LakeRefs): ResourceSpec[] {
  return [
    resource('aws.kms.Key', KEY, {
      description: `strata ${refs.cfg.app}/${refs.cfg.stage}: encrypts the lake, Athena results and alerts`,
      enableKeyRotation: true,
      deletionWindowInDays: refs.cfg.production ? 30 : 7,
      policy: JSON.stringify(keyPolicy()),
    }),
    resource('aws.kms.Alias', `${KEY}Alias`, { name: refs.names.keyAlias(), targetKeyId: ref(KEY, 'keyId') }),
  ];
}

/**
 * The key policy: the account administers the key and delegates its use to IAM policies (the roles below get
 * exactly the calls they need, through S3 only); CloudWatch alarms may publish to the encrypted alerts topic.
 */
export function keyPolicy() {
  // In a key policy, Resource `*` means the key the policy is attached to (KMS key policies name no other resource).
  return document([
    // AWS's default key policy statement: without it nobody could ever change the key policy again.
    { Sid: 'AccountAdministersKeyAndDelegatesToIam', Effect: 'Allow', Principal: { AWS: accountRoot() }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'CloudWatchAlarmsPublishToEncryptedTopic', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    },
  ]);
}

interface BucketOptions {
  kind: keyof typeof BUCKETS;
  /** SSE-KMS with the lake key (bucket keys on), or SSE-S3 where AWS allows nothing else. */
  encryption: 'kms' | 's3';
  versioned: boolean;
  rules: LifecycleRule[];
  /** Server access logs to the log bucket under this prefix. */
  logTo?: string;
  extraPolicy?: PolicyStatement[];
}


export function bucketResources(refs: LakeRefs, o: BucketOptions): ResourceSpec[] {
  const n = BUCKETS[o.kind];
  const bucket = ref(`${n}Bucket`, 'bucket');
  const arn = ref(`${n}Bucket`, 'arn');
  const out: ResourceSpec[] = [
    resource('aws.s3.Bucket', `${n}Bucket`, {
      bucketPrefix: refs.names.bucketPrefix(o.kind),
      // A stage that is not production is removed with its data; production refuses to delete a non-empty bucket.
      forceDestroy: !refs.cfg.production,
    }),
    resource('aws.s3.BucketOwnershipControls', `${n}Ownership`, { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } }),
    resource('aws.s3.BucketPublicAccessBlock', `${n}PublicAccessBlock`, {
      bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }),
    resource('aws.s3.BucketServerSideEncryptionConfiguration', `${n}Encryption`, {
      bucket,
      rules: [o.encryption === 'kms'
        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: refs.keyArn }, bucketKeyEnabled: true }
        : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    }),
    resource('aws.s3.BucketPolicy', `${n}Policy`, {
      bucket,
      policy: JSON.stringify(document([...secureTransport(arn), ...(o.encryption === 'kms' ? onlyLakeKey(arn, refs.keyArn) : []), ...(o.extraPolicy ?? [])])),
    }, { dependsOn: [`${n}PublicAccessBlock`] }),
    resource('aws.s3.BucketLifecycleConfiguration', `${n}Lifecycle`, { bucket, rules: o.rules },
      o.versioned ? { dependsOn: [`${n}Versioning`] } : {}),
  ];
  if (o.versioned) out.push(resource('aws.s3.BucketVersioning', `${n}Versioning`, { bucket, versioningConfiguration: { status: 'Enabled' } }));
  if (o.logTo) {
    out.push(resource('aws.s3.BucketLogging', `${n}Logging`, {
      bucket, targetBucket: ref(`${BUCKETS.logs}Bucket`, 'bucket'), targetPrefix: o.logTo,
    }, { dependsOn: [`${BUCKETS.logs}Policy`] }));
  }
  return out;
}

/** TLS only, and at least TLS 1.2: every request over plain HTTP or an old TLS is denied, whoever makes it. */
export function secureTransport(arn: string): PolicyStatement[] {
  const both = [arn, `${arn}/*`];
  return [
    { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: both, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    { Sid: 'DenyOldTls', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: both, Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } },
  ];
}

/** An upload that asks for another encryption or another key is refused (no header: the default, the lake key). */
export function onlyLakeKey(arn: string, keyArn: string): PolicyStatement[] {
  return [
    { Sid: 'DenyOtherEncryption', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${arn}/*`, Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } } },
    { Sid: 'DenyOtherKeys', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${arn}/*`, Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn } } },
  ];
}

const everything = {};
const abortUploads: LifecycleRule = { id: 'abort-incomplete-uploads', status: 'Enabled', filter: everything, abortIncompleteMultipartUpload: { daysAfterInitiation: LIFECYCLE.incompleteUploads } };

export function storageResources(refs: LakeRefs): ResourceSpec[] {
  const logsArn = ref(`${BUCKETS.logs}Bucket`, 'arn');
  return [
    ...keyResources(refs),
    ...bucketResources(refs, {
      kind: 'logs', encryption: 's3', versioned: false,
      rules: [abortUploads, { id: 'expire-access-logs', status: 'Enabled', filter: everything, expiration: { days: LIFECYCLE.accessLogs } }],
      extraPolicy: [{
        Sid: 'S3ServerAccessLogDelivery', Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: `${logsArn}/*`,
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': [ref(`${BUCKETS.bronze}Bucket`, 'arn'), ref(`${BUCKETS.lake}Bucket`, 'arn')] } },
      }],
    }),
    ...bucketResources(refs, {
      kind: 'bronze', encryption: 'kms', versioned: true, logTo: 'bronze/',
      rules: [
        abortUploads,
        {
          id: 'tier-bronze', status: 'Enabled', filter: { prefix: `${refs.prefix.bronze}bronze/` },
          transitions: [
            { days: LIFECYCLE.bronzeInfrequentAccess, storageClass: 'STANDARD_IA' },
            { days: LIFECYCLE.bronzeGlacierInstant, storageClass: 'GLACIER_IR' },
          ],
        },
        { id: 'expire-noncurrent', status: 'Enabled', filter: everything, noncurrentVersionExpiration: { noncurrentDays: LIFECYCLE.bronzeNoncurrent }, expiration: { expiredObjectDeleteMarker: true } },
      ],
    }),
    resource('aws.s3.BucketNotification', `${BUCKETS.bronze}Notification`, { bucket: refs.bucket.bronze, eventbridge: true }),
    ...bucketResources(refs, {
      kind: 'lake', encryption: 'kms', versioned: true, logTo: 'lake/',
      rules: [
        abortUploads,
        { id: 'expire-staging', status: 'Enabled', filter: { prefix: `${refs.prefix.lake}staging/` }, expiration: { days: LIFECYCLE.staging } },
        { id: 'expire-compaction-results', status: 'Enabled', filter: { prefix: `${refs.prefix.lake}${layout.compactionsRoot}` }, expiration: { days: LIFECYCLE.compactionResults } },
        { id: 'expire-noncurrent', status: 'Enabled', filter: everything, noncurrentVersionExpiration: { noncurrentDays: LIFECYCLE.lakeNoncurrent }, expiration: { expiredObjectDeleteMarker: true } },
      ],
    }),
    ...bucketResources(refs, {
      kind: 'results', encryption: 'kms', versioned: false,
      rules: [
        abortUploads,
        ...Object.entries(RESULTS_PREFIX).map(([k, prefix]): LifecycleRule => ({ id: `expire-${k}-results`, status: 'Enabled', filter: { prefix }, expiration: { days: LIFECYCLE.athenaResults } })),
      ],
    }),
  ];
}


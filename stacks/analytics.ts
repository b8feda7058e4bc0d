// Analysts: an Athena workgroup whose settings clients cannot override (results encrypted with the lake key in the
// results bucket, engine v3, a cap on the bytes one query scans), and a managed policy that reads gold — attach it
// to the analysts' role or group. A gold table whose schema says `analysts: false` is withheld from it. Gold tables
// on Athena run in a second workgroup (uncapped: a refresh scans what it must) that only the pipeline uses.
import type { LakeModel } from './model.ts';
import { RESULTS_PREFIX, WORKGROUPS, type LakeRefs } from './refs.ts';
import { resource, type ResourceSpec } from './resource.ts';
import { bucketArn, document, glueCatalogArn, glueDatabaseArn, glueTableArn, workgroupArn, type PolicyDocument } from './iam.ts';
import { ACCOUNT, PARTITION, REGION } from './tokens.ts';

export const ENGINE_VERSION = 'Athena engine version 3';

function workgroup(refs: LakeRefs, kind: keyof typeof WORKGROUPS, description: string, bytesPerQuery?: number): ResourceSpec {
  return resource('aws.athena.Workgroup', WORKGROUPS[kind], {
    name: refs.names.workgroup(kind),
    description,
    state: 'ENABLED',
    forceDestroy: !refs.cfg.production,
    configuration: {
      enforceWorkgroupConfiguration: true,
      publishCloudwatchMetricsEnabled: true,
      ...(bytesPerQuery ? { bytesScannedCutoffPerQuery: bytesPerQuery } : {}),
      engineVersion: { selectedEngineVersion: ENGINE_VERSION },
      resultConfiguration: {
        outputLocation: `s3://${refs.bucket.results}/${refs.prefix.results}${RESULTS_PREFIX[kind]}`,
        encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: refs.keyArn },
        expectedBucketOwner: ACCOUNT,
      },
    },
  });
}

export function analyticsResources(refs: LakeRefs, model: LakeModel): ResourceSpec[] {
  const out = [
    workgroup(refs, 'analysts', `strata ${refs.cfg.stage}: analysts query gold (and what else their IAM policies allow)`, refs.cfg.athenaBytesPerQuery),
    resource('aws.iam.Policy', 'GoldReaderPolicy', {
      name: refs.names.policy('gold-reader'),
      description: `Read-only access to the gold tables of strata ${refs.cfg.app}/${refs.cfg.stage} through Athena`,
      policy: JSON.stringify(goldReaderPolicy(refs, withheldFromAnalysts(model))),
    }),
  ];
  if (model.gold.some((g) => g.engine === 'athena')) {
    out.push(workgroup(refs, 'pipeline', `strata ${refs.cfg.stage}: gold tables computed on Athena (pipeline only)`));
  }
  return out;
}

/** Gold tables whose schema withholds them from analysts (`analysts: false`), sorted. */
export function withheldFromAnalysts(model: LakeModel): string[] {
  return model.plans.flatMap((p) => p.gold).filter((g) => g.analysts === false).map((g) => g.table).sort();
}

/** What analysts may do with the gold catalog: read tables and partitions (Athena's calls). */
const GOLD_CATALOG_READ = ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'];

/**
 * Query gold in the analysts' workgroup; nothing in silver, quarantine or bronze; no writes outside query results.
 * Gold is granted as a whole (so the policy stays the same size however many gold tables there are, and a table a
 * later deploy adds is readable at once); the tables in `withheld` are then denied explicitly: their catalog entry
 * and partitions, their files and their listing. An explicit Deny wins over any Allow, here or in another policy.
 */
export function goldReaderPolicy(refs: LakeRefs, withheld: readonly string[] = []): PolicyDocument {
  const lake = bucketArn(refs.bucket.lake);
  const results = bucketArn(refs.bucket.results);
  const gold = `${refs.prefix.lake}gold/`;
  const analysts = `${refs.prefix.results}${RESULTS_PREFIX.analysts}`;
  const db = refs.database.gold;
  const athenaCatalog = `arn:${PARTITION}:athena:${REGION}:${ACCOUNT}:datacatalog/AwsDataCatalog`;
  return document([
    {
      Sid: 'QueryInAnalystsWorkgroup', Effect: 'Allow', Resource: workgroupArn(refs.names.workgroup('analysts')),
      Action: ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults',
        'athena:GetQueryResultsStream', 'athena:GetQueryRuntimeStatistics', 'athena:BatchGetQueryExecution', 'athena:ListQueryExecutions', 'athena:GetWorkGroup'],
    },
    {
      Sid: 'BrowseCatalogInConsole', Effect: 'Allow', Resource: athenaCatalog,
      Action: ['athena:GetDataCatalog', 'athena:ListDatabases', 'athena:GetDatabase', 'athena:ListTableMetadata', 'athena:GetTableMetadata'],
    },
    {
      // Every table of the gold database is gold, including those a later deploy adds (and listing needs the /*).
      Sid: 'ReadGoldCatalog', Effect: 'Allow', Action: GOLD_CATALOG_READ,
      Resource: [glueCatalogArn(), glueDatabaseArn(db), glueTableArn(db, '*')],
    },
    { Sid: 'ReadGoldFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: `${lake}/${gold}*` },
    { Sid: 'ListGoldFiles', Effect: 'Allow', Action: 's3:ListBucket', Resource: lake, Condition: { StringLike: { 's3:prefix': `${gold}*` } } },
    {
      Sid: 'WriteOwnQueryResults', Effect: 'Allow', Resource: `${results}/${analysts}*`,
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    },
    { Sid: 'ListQueryResults', Effect: 'Allow', Action: 's3:ListBucket', Resource: results, Condition: { StringLike: { 's3:prefix': `${analysts}*` } } },
    { Sid: 'AthenaFindsBuckets', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: [lake, results] },
    {
      Sid: 'LakeKeyThroughS3', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: refs.keyArn,
      Condition: { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } },
    },
    ...(withheld.length ? [
      { Sid: 'WithheldGoldCatalog', Effect: 'Deny' as const, Action: GOLD_CATALOG_READ.filter((a) => a.includes('Table') || a.includes('Partition')), Resource: withheld.map((t) => glueTableArn(db, t)) },
      { Sid: 'WithheldGoldFiles', Effect: 'Deny' as const, Action: 's3:GetObject', Resource: withheld.map((t) => `${lake}/${gold}${t}/*`) },
      { Sid: 'WithheldGoldListing', Effect: 'Deny' as const, Action: 's3:ListBucket', Resource: lake, Condition: { StringLike: { 's3:prefix': withheld.map((t) => `${gold}${t}/*`) } } },
    ] : []),
  ]);
}


// Least privilege, derived from the plan: what each pipeline step of a dataset may touch, in lake terms —
// locations and key prefixes (core/plan/layout.ts), catalog tables, the lake key, state machines. The stacks turn
// these statements into IAM ARNs (stacks/iam.ts); tests read them directly. Pure: plans in, statements out.
//
// What a step touches follows from what its core function does through the storage and catalog ports:
//   read    → s3:GetObject (also HeadObject) on the prefix, and s3:ListBucket limited to it (so a missing key is
//             a 404, and listing a folder works without seeing any other folder); in bronze also
//             s3:GetObjectVersion (a run reads the version its event names)
//   write   → s3:PutObject (+ AbortMultipartUpload for uploads cut short); conditional writes need nothing more
//   delete  → s3:DeleteObject (deletePrefix lists first)
//   copy    → read on the source, write on the target (server-side copies)
// plus the lake key for every S3 access (SSE-KMS with bucket keys): kms:Decrypt to read, kms:GenerateDataKey to write.
import { parseRules } from '../dqdl/parse.ts';
import { declaredReferences, historyDepth } from '../dqdl/ast.ts';
import type { GoldPlan } from '../gold/analyze.ts';
import { compactionTargets } from './compaction.ts';
import { goldSet } from './sets.ts';
import { streamErrorsPrefix } from './stream.ts';
import { hasRules, type RuleList } from '../schema/model.ts';
import type { DatasetPlan } from './compile.ts';
import { layout } from './layout.ts';
import type { StepName } from './steps.ts';

/** Where keys live: bronze/… in the bronze location, every other layer in the lake location, Athena output apart. */
export type Location = 'bronze' | 'lake' | 'results';
export type CatalogDatabase = 'silver' | 'gold' | 'quarantine';

export type LogicalResource =
  /** Objects whose key starts with prefix (a folder ends with '/'; anything else is one exact key). */
  | { kind: 's3-object'; location: Location; prefix: string }
  /** Listing the bucket, limited to keys under prefix (an s3:prefix condition). */
  | { kind: 's3-listing'; location: Location; prefix: string }
  /** The bucket itself (GetBucketLocation, which Athena calls). */
  | { kind: 's3-bucket'; location: Location }
  | { kind: 'glue-table'; database: CatalogDatabase; table: string }
  | { kind: 'kms-key' }
  /** The workgroup pipeline queries run in (gold tables with engine: athena). */
  | { kind: 'athena-workgroup' }
  /** Every state machine of the stage: the trigger starts whichever dataset an upload names. */
  | { kind: 'stage-state-machines' }
  /** The Kinesis data stream that feeds a dataset's delivery stream (stream.source: kinesis). */
  | { kind: 'kinesis-stream'; dataset: string };

export interface AccessStatement {
  /** Names the statement in the policy (IAM Sid: alphanumeric). */
  sid: string;
  actions: string[];
  resources: LogicalResource[];
}

export interface AccessOptions {
  /** The project's analysed gold tables (core/gold/analyze.ts), in dependency order. */
  gold: readonly GoldPlan[];
}

export const S3_READ = ['s3:GetObject'];
export const S3_WRITE = ['s3:PutObject', 's3:AbortMultipartUpload'];
export const S3_DELETE = ['s3:DeleteObject'];
export const S3_LIST = ['s3:ListBucket'];
/**
 * What the register step does to its tables (the Glue catalog adapter's calls). Glue authorises them on the catalog,
 * the database and the table; no runtime role may create or delete a database: the stack creates them (a missing
 * one is an error naming the deploy, runtime/catalog/glue.ts).
 */
export const GLUE_TABLE_WRITE = ['glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'];
export const GLUE_PARTITION_WRITE = ['glue:GetPartitions', 'glue:BatchCreatePartition', 'glue:BatchUpdatePartition', 'glue:BatchDeletePartition'];
export const GLUE_READ = ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'];
export const ATHENA_QUERY = ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'];

type Mode = 'read' | 'write' | 'delete';

/** One prefix with what the step does there; turned into statements by `statementsOf`. */
interface Grant {
  location: Location;
  prefix: string;
  modes: Mode[];
  /** Listing of this prefix (default: with read or delete — a missing key must be a 404, deletePrefix lists). */
  list?: string;
}

/** The access one step of one dataset needs. */
export function accessFor(plan: DatasetPlan, step: StepName, opts: AccessOptions): AccessStatement[] {
  const ds = plan.dataset;
  const staging = plan.prefixes.staging;
  const runs = layout.runs(ds);
  const metrics = layout.metrics(ds);
  const records: Grant[] = [{ location: 'lake', prefix: runs, modes: ['write'] }];
  // The gates' results, which the state machine carries by key: written by the gate, read back by the recorders.
  const silverResults = hasRules(plan.quality.silver) ? [layout.qualityResults('silver', ds)] : [];
  const goldResults = goldSet(opts.gold).forDataset(ds).filter((t) => hasRules(t.quality)).map((t) => layout.qualityResults('gold', t.table));
  const readResults = (prefixes: string[]): Grant[] => prefixes.map((prefix) => ({ location: 'lake', prefix, modes: ['read'] }));
  // A manifest is read as readManifest reads it: with a listing of its _strata/ folder, which tells a table never
  // written (no manifest history) from a manifest gone missing (runtime/table/store.ts).
  const manifestRead = (root: string): Grant => ({ location: 'lake', prefix: layout.manifest(root), modes: ['read'], list: `${root}_strata/` });
  const goldManifests = goldSet(opts.gold).forDataset(ds).map((t) => manifestRead(layout.gold(t.table)));
  // Rules naming the dataset itself read its silver table (runtime/pipeline/reference-files.ts).
  const ownSilverForRules: Grant[] = referencesItself(plan.quality.silver, ds) ? [{ location: 'lake', prefix: plan.prefixes.silver, modes: ['read'] }] : [];
  const markers = layout.markersOf(plan.prefixes.silver).map((prefix): Grant => ({ location: 'lake', prefix, modes: ['read'] }));
  // Rejected and halted files go to quarantine whole: staging → the table's _strata/pending/, published as the
  // object's quarantine file unless the silver manifest (or a marker of a source gc moved) holds a commit of the
  // object, whose run's rows are then put back; then staging is removed and the quarantine table re-registered
  // (runtime/pipeline/quarantine-batch.ts).
  const toQuarantine: Grant[] = [
    { location: 'lake', prefix: staging, modes: ['read', 'delete'] },
    { location: 'lake', prefix: plan.prefixes.quarantine, modes: ['read', 'write', 'delete'], list: plan.prefixes.quarantine },
    markers[0]!,
  ];
  switch (step) {
    case 'stage':
      return statementsOf([
        { location: 'bronze', prefix: plan.prefixes.bronze, modes: ['read'] },
        // Already ingested? The silver manifest's committed sources decide, before any work.
        manifestRead(plan.prefixes.silver),
        // ...or the markers of sources gc moved out of it (layout.sourceMarker), and by content id for the twin warning.
        ...markers,
        { location: 'lake', prefix: staging, modes: ['write'] },
        // Append with a primary key: the batch's keys are held against silver's (runtime/ingest/prior-keys.ts).
        ...(plan.mode === 'append' && plan.primaryKey.length ? [{ location: 'lake', prefix: plan.prefixes.silver, modes: ['read'] } satisfies Grant] : []),
      ]);
    case 'quality':
      // The gate reads the staged batch and its metric history, and writes this evaluation's metrics.
      return statementsOf([
        { location: 'lake', prefix: staging, modes: ['read'] },
        { location: 'lake', prefix: metrics, modes: ['read', 'write'] },
        ...silverResults.map((prefix): Grant => ({ location: 'lake', prefix, modes: ['write'] })),
        ...referencedDatasets(plan.quality.silver, ds).map((r): Grant => ({ location: 'lake', prefix: layout.silver(r), modes: ['read'] })),
        ...ownSilverForRules,
        // Dynamic rules: the table's manifest (and its history archives), for the runs a rollback undid, which are no
        // history (runtime/quality/metrics.ts).
        ...(readsHistory(plan.quality.silver) && !ownSilverForRules.length ? [{ location: 'lake', prefix: `${plan.prefixes.silver}_strata/`, modes: ['read'] } satisfies Grant] : []),
      ]);
    case 'commit':
      return statementsOf([
        { location: 'lake', prefix: staging, modes: ['read', 'write', 'delete'] },
        // New partition versions: copies of the previous files, new files, the manifest's compare-and-swap;
        // versions built on a manifest that changed meanwhile are deleted again.
        { location: 'lake', prefix: plan.prefixes.silver, modes: ['read', 'write', 'delete'] },
        // The run's quarantined rows (or a marker: none) wait in the table's _strata/pending/ until the commit is
        // decided; then the committing run's become the object's quarantine file, or an earlier halt's or
        // rejection's file is removed, and a losing run's pending file goes (runtime/pipeline/commit.ts settleQuarantine).
        { location: 'lake', prefix: plan.prefixes.quarantine, modes: ['read', 'write', 'delete'] },
        // Committed already? The markers of sources gc moved out of the manifest decide too.
        markers[0]!,
      ]);
    case 'register':
      return [
        ...statementsOf([
          manifestRead(plan.prefixes.silver),
          // The quarantine folder is listed; rows a run killed after its commit left pending are published for it
          // first (runtime/pipeline/commit.ts settlePending), which the markers of sources gc moved may decide.
          { location: 'lake', prefix: plan.prefixes.quarantine, modes: ['read', 'write', 'delete'], list: plan.prefixes.quarantine },
          markers[0]!,
          // A pending file of a run the manifest's history does not name is checked against the history gc archived
          // (a committing run's marker is kept: commit.ts committingRunsOf).
          { location: 'lake', prefix: layout.historyArchive(plan.prefixes.silver, ''), modes: ['read'] },
        ]),
        { sid: 'CatalogTables', actions: GLUE_TABLE_WRITE, resources: [{ kind: 'glue-table', database: 'silver', table: ds }, { kind: 'glue-table', database: 'quarantine', table: ds }] },
        { sid: 'CatalogPartitions', actions: GLUE_PARTITION_WRITE, resources: [{ kind: 'glue-table', database: 'silver', table: ds }] },
      ];
    case 'record':
    case 'fail':
      // The paths a run changed are read back from the manifests of the tables it wrote (runtime/pipeline/record.ts);
      // a failed run's staging is removed (a run that ended leaves none) when its staging record says strata wrote it
      // (read: runtime/table/staging.ts removeStaging), and the quarantined rows of a run whose commit step failed are
      // settled by what the manifest says (runtime/pipeline/commit.ts settleAfterFailure).
      return statementsOf([...records, ...readResults([...silverResults, ...goldResults]), manifestRead(plan.prefixes.silver), ...goldManifests,
        ...(step === 'fail' ? [
          { location: 'lake', prefix: staging, modes: ['read', 'delete'] } satisfies Grant,
          { location: 'lake', prefix: plan.prefixes.quarantine, modes: ['read', 'write', 'delete'] } satisfies Grant,
          markers[0]!,
        ] : [])]);
    case 'reject':
    case 'halt':
      // The rows of a rejected or halted batch keep their record, line and raw record: they are read again from the
      // bronze object as the stage read them (its keys against silver's, for an append with a primary key) into
      // staging; a halt then runs its failing rules over them, with their reference datasets
      // (runtime/pipeline/held-rows.ts).
      return [
        // A retry of the step after it ended (staging removed) reads the record it wrote (runtime/pipeline/record.ts endedAlready).
        ...statementsOf([{ location: 'lake', prefix: runs, modes: ['read', 'write'] }, ...toQuarantine,
          { location: 'lake', prefix: staging, modes: ['write'] },
          { location: 'bronze', prefix: plan.prefixes.bronze, modes: ['read'] },
          manifestRead(plan.prefixes.silver),
          ...(plan.mode === 'append' && plan.primaryKey.length ? [{ location: 'lake', prefix: plan.prefixes.silver, modes: ['read'] } satisfies Grant] : []),
          ...(step === 'halt' ? [
            ...readResults(silverResults),
            ...referencedDatasets(plan.quality.silver, ds).map((r): Grant => ({ location: 'lake', prefix: layout.silver(r), modes: ['read'] })),
            ...ownSilverForRules,
          ] : []),
        ]),
        { sid: 'CatalogTables', actions: GLUE_TABLE_WRITE, resources: [{ kind: 'glue-table', database: 'quarantine', table: ds }] },
      ];
    case 'gold':
      return goldAccess(plan, opts);
    case 'compact':
      return compactAccess(plan);
  }
}

/**
 * The compaction of a dataset rewrites the partitions of the tables its schema gives a `compaction:` policy (its
 * silver table, gold tables it defines): new version folders and the manifest's compare-and-swap under each table's
 * prefix, folders of a lost attempt deleted again; then the catalog follows the manifest (as the register step).
 */
function compactAccess(plan: DatasetPlan): AccessStatement[] {
  const targets = compactionTargets(plan);
  if (!targets.length) return [];
  const prefix = (t: (typeof targets)[number]) => (t.layer === 'silver' ? plan.prefixes.silver : layout.gold(t.table));
  return mergeKms([
    ...statementsOf([
      ...targets.map((t): Grant => ({ location: 'lake', prefix: prefix(t), modes: ['read', 'write', 'delete'] })),
      // Its whole result, which the state carries the key of; a retried attempt reads an earlier one (compactStep).
      { location: 'lake', prefix: layout.compactions(plan.dataset), modes: ['read', 'write'] },
    ]),
    {
      sid: 'CatalogTables', actions: [...GLUE_TABLE_WRITE, ...GLUE_PARTITION_WRITE],
      resources: targets.map((t): LogicalResource => ({ kind: 'glue-table', database: t.layer, table: t.table })),
    },
  ]);
}

/**
 * What a dataset's Firehose delivery stream may do: write objects under the dataset's bronze prefix and its error
 * prefix, with the lake key (through S3), and read its Kinesis data stream when that is its source. AWS's documented
 * S3-destination policy ("Grant Firehose access to an Amazon S3 destination"), scoped to those two prefixes:
 * PutObject and AbortMultipartUpload (multipart deliveries cut short), GetObject, ListBucket limited to the prefixes
 * by condition, and on the bucket GetBucketLocation and ListBucketMultipartUploads (which take no prefix).
 */
export function deliveryStreamAccess(plan: DatasetPlan): AccessStatement[] {
  if (!plan.stream) return [];
  const prefixes = [plan.prefixes.bronze, streamErrorsPrefix(plan.dataset)];
  const objects = prefixes.map((prefix): LogicalResource => ({ kind: 's3-object', location: 'bronze', prefix }));
  const out: AccessStatement[] = [
    { sid: 'DeliverObjects', actions: [...S3_WRITE, ...S3_READ], resources: objects },
    { sid: 'ListOwnPrefixes', actions: S3_LIST, resources: prefixes.map((prefix): LogicalResource => ({ kind: 's3-listing', location: 'bronze', prefix })) },
    { sid: 'BronzeBucket', actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], resources: [{ kind: 's3-bucket', location: 'bronze' }] },
  ];
  if (plan.stream.source === 'kinesis') {
    out.push({
      sid: 'ReadSourceStream',
      actions: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
      resources: [{ kind: 'kinesis-stream', dataset: plan.dataset }],
    });
  }
  return mergeKms(out);
}

/** The gold step of a dataset refreshes every gold table that reads it (directly or through other gold tables). */
function goldAccess(plan: DatasetPlan, opts: AccessOptions): AccessStatement[] {
  const tables = goldSet(opts.gold).forDataset(plan.dataset);
  if (!tables.length) return [];
  const silverReads = unique(tables.flatMap((t) => [...t.reads.silver, ...referencedDatasets(t.quality, '')]));
  const goldReads = unique(tables.flatMap((t) => t.reads.gold)).filter((g) => !tables.some((t) => t.table === g));
  const athena = tables.filter((t) => t.engine === 'athena');
  const grants: Grant[] = [
    // Gold versions are computed under the run's staging folder, then copied into place.
    { location: 'lake', prefix: plan.prefixes.staging, modes: ['read', 'write', 'delete'] },
    ...silverReads.map((d): Grant => ({ location: 'lake', prefix: layout.silver(d), modes: ['read'] })),
    ...goldReads.map((g): Grant => ({ location: 'lake', prefix: layout.gold(g), modes: ['read'] })),
    ...tables.map((t): Grant => ({ location: 'lake', prefix: layout.gold(t.table), modes: ['read', 'write', 'delete'] })),
    // The gold gates' metric history (runtime/quality/gold-audit.ts), for tables that have rules.
    ...tables.filter((t) => hasRules(t.quality))
      .map((t): Grant => ({ location: 'lake', prefix: layout.goldMetrics(t.table), modes: ['read', 'write'] })),
    // and their results, which the run record reads back (runtime/quality/evaluate-gate.ts).
    ...tables.filter((t) => hasRules(t.quality))
      .map((t): Grant => ({ location: 'lake', prefix: layout.qualityResults('gold', t.table), modes: ['write'] })),
  ];
  const out = statementsOf(grants);
  out.push(
    { sid: 'CatalogTables', actions: [...GLUE_TABLE_WRITE, ...GLUE_PARTITION_WRITE], resources: tables.map((t) => ({ kind: 'glue-table', database: 'gold', table: t.table })) },
  );
  if (athena.length) {
    // Athena runs the SQL with the caller's rights: it reads the catalog and the files, and writes the UNLOAD
    // output (already granted on gold/<table>/) and its query results.
    const read = unique(athena.flatMap((t) => t.reads.silver));
    const readGold = unique(athena.flatMap((t) => t.reads.gold));
    out.push(
      { sid: 'AthenaQueries', actions: ATHENA_QUERY, resources: [{ kind: 'athena-workgroup' }] },
      {
        sid: 'AthenaCatalogRead',
        actions: GLUE_READ,
        resources: [
          ...read.map((d): LogicalResource => ({ kind: 'glue-table', database: 'silver', table: d })),
          ...[...readGold, ...athena.map((t) => t.table)].map((g): LogicalResource => ({ kind: 'glue-table', database: 'gold', table: g })),
        ],
      },
      { sid: 'AthenaBuckets', actions: ['s3:GetBucketLocation'], resources: [{ kind: 's3-bucket', location: 'lake' }, { kind: 's3-bucket', location: 'results' }] },
      ...statementsOf([{ location: 'results', prefix: ATHENA_PIPELINE_RESULTS, modes: ['read', 'write'] }], 'Athena'),
    );
  }
  return mergeKms(out);
}

/**
 * Where the pipeline workgroup writes query results, in the results bucket. One prefix for every dataset: the
 * workgroup enforces its output location, so a per-dataset folder would need a workgroup per dataset. The files
 * there are UNLOAD manifests and query metadata; the data itself goes to gold/<table>/.
 */
export const ATHENA_PIPELINE_RESULTS = 'pipeline/';

/**
 * What the shared trigger may do: start the stage's state machines, and look at bronze objects — HeadObject (of a
 * version) settles how an EventBridge key is encoded (functions/trigger.ts). A HEAD reads no content, so no key
 * access. Neither depends on the datasets: the trigger routes every upload under bronze/, and its policy stays the
 * same size however many datasets the stage has (an inline role policy may hold 10,240 characters).
 */
export function triggerAccess(): AccessStatement[] {
  const bronze = 'bronze/';
  return [
    { sid: 'StartStageExecutions', actions: ['states:StartExecution'], resources: [{ kind: 'stage-state-machines' }] },
    { sid: 'BronzeHead', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [{ kind: 's3-object', location: 'bronze', prefix: bronze }] },
    { sid: 'BronzeList', actions: S3_LIST, resources: [{ kind: 's3-listing', location: 'bronze', prefix: bronze }] },
  ];
}

/** Datasets other than `self` that quality rules read: ReferentialIntegrity "col" "dataset.col", RowCountMatch "dataset". */
export function referencedDatasets(rules: RuleList, self: string): string[] {
  return declaredReferences(parseRules([...rules.halt, ...rules.warn]).rules).filter((ds) => ds !== self);
}

/** Whether rules read their metric history (dynamic rules: last(k)). */
export function readsHistory(rules: RuleList): boolean {
  return historyDepth(parseRules([...rules.halt, ...rules.warn]).rules) > 0;
}

/** Whether a dataset's silver rules name the dataset itself, whose table they then read as the commit would leave it. */
export function referencesItself(rules: RuleList, self: string): boolean {
  return declaredReferences(parseRules([...rules.halt, ...rules.warn]).rules).includes(self);
}

/** Grants → statements: one per kind of action on one location, listings apart, the key last. */
function statementsOf(grants: readonly Grant[], sidPrefix = ''): AccessStatement[] {
  const out: AccessStatement[] = [];
  const tag = (l: Location) => ({ bronze: 'Bronze', lake: 'Lake', results: 'Results' })[l];
  for (const location of ['bronze', 'lake', 'results'] as const) {
    const here = grants.filter((g) => g.location === location);
    if (!here.length) continue;
    const of = (mode: Mode) => unique(here.filter((g) => g.modes.includes(mode)).map((g) => g.prefix));
    const objects = (prefixes: string[]) => prefixes.map((prefix): LogicalResource => ({ kind: 's3-object', location, prefix }));
    const read = of('read');
    const write = of('write');
    const del = of('delete');
    // A run reads the bronze object version its event names (GetObject with a VersionId needs GetObjectVersion).
    if (read.length) out.push({ sid: `${sidPrefix}${tag(location)}Read`, actions: location === 'bronze' ? [...S3_READ, 's3:GetObjectVersion'] : S3_READ, resources: objects(read) });
    if (write.length) out.push({ sid: `${sidPrefix}${tag(location)}Write`, actions: S3_WRITE, resources: objects(write) });
    if (del.length) out.push({ sid: `${sidPrefix}${tag(location)}Delete`, actions: S3_DELETE, resources: objects(del) });
    const listed = unique(here.flatMap((g) => (g.list !== undefined ? [g.list] : g.modes.some((m) => m === 'read' || m === 'delete') ? [g.prefix] : [])));
    if (listed.length) out.push({ sid: `${sidPrefix}${tag(location)}List`, actions: S3_LIST, resources: listed.map((prefix) => ({ kind: 's3-listing', location, prefix })) });
  }
  return mergeKms(out);
}

/** One key statement per policy: Decrypt for any read, GenerateDataKey too when anything is written. */
function mergeKms(statements: AccessStatement[]): AccessStatement[] {
  const rest = statements.filter((s) => s.sid !== 'LakeKey');
  // Listing and deleting never decrypt; reading does, and writing asks for a data key (and decrypts to finish
  // multipart uploads and copies).
  const reads = rest.some((s) => s.actions.includes('s3:GetObject'));
  const writes = rest.some((s) => s.actions.includes('s3:PutObject'));
  if (!reads && !writes) return rest;
  return [...rest, { sid: 'LakeKey', actions: writes ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'], resources: [{ kind: 'kms-key' }] }];
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

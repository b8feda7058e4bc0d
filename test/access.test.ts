// Least privilege derived from the plan (core/plan/access.ts): what each step of a dataset may touch, in lake terms.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeGold, type GoldPlan } from '../core/gold/analyze.ts';
import { accessFor, referencedDatasets, triggerAccess, type AccessStatement, type LogicalResource } from '../core/plan/access.ts';
import { STEPS, type StepName } from '../core/plan/steps.ts';
import { compile, type DatasetPlan } from '../core/plan/compile.ts';
import { checkProjectAsync } from '../core/project.ts';

const CUSTOMERS = `dataset: customers
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: country, type: string }
primaryKey: [id]
mode: upsert
`;
const ORDERS = `dataset: orders
source: { format: csv }
columns:
  - { name: order_id, type: bigint, required: true }
  - { name: customer_id, type: bigint, required: true }
  - { name: amount, type: "decimal(12,2)" }
  - { name: created_at, type: timestamp, required: true }
partitionBy:
  - { name: dt, column: created_at, transform: day }
quality:
  silver:
    halt: ['ReferentialIntegrity "customer_id" "customers.id" = 1.0']
    warn: ['RowCount > 0']
gold:
  - table: revenue_by_country
    engine: athena
    sql: |
      SELECT c.country, CAST(o.created_at AS DATE) AS day, SUM(o.amount) AS revenue
      FROM silver.orders o JOIN silver.customers c ON c.id = o.customer_id
      GROUP BY 1, 2
    partitionBy: [day]
  - table: top_countries
    refresh: full
    sql: SELECT country, SUM(revenue) AS revenue FROM gold.revenue_by_country GROUP BY 1
`;

let plans: Map<string, DatasetPlan>;
let gold: GoldPlan[];

beforeAll(async () => {
  const project = await checkProjectAsync([{ file: 'schemas/customers.yaml', text: CUSTOMERS }, { file: 'schemas/orders.yaml', text: ORDERS }]);
  expect(project.diagnostics).toEqual([]);
  const compiled = project.schemas.map((s) => compile(s.spec));
  plans = new Map(compiled.map((p) => [p.dataset, p]));
  gold = (await analyzeGold(compiled)).plans;
});

const access = (dataset: string, step: StepName) => accessFor(plans.get(dataset)!, step, { gold });
const obj = (location: 'bronze' | 'lake' | 'results', prefix: string): LogicalResource => ({ kind: 's3-object', location, prefix });
const list = (location: 'bronze' | 'lake' | 'results', prefix: string): LogicalResource => ({ kind: 's3-listing', location, prefix });
const KEY_RW = { sid: 'LakeKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [{ kind: 'kms-key' }] };

/** Prefixes (with the modes) a step's S3 statements cover. */
function s3Prefixes(statements: AccessStatement[], action: string): string[] {
  return statements.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources.flatMap((r) => (r.kind === 's3-object' || r.kind === 's3-listing' ? [`${r.location}:${r.prefix}`] : [])));
}

describe('accessFor', () => {
  it('stage: reads its bronze prefix, its silver manifest and source markers, writes its staging folder', () => {
    expect(access('orders', 'stage')).toEqual([
      // The object version the run's event names: GetObject with a VersionId needs GetObjectVersion.
      { sid: 'BronzeRead', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [obj('bronze', 'bronze/orders/')] },
      { sid: 'BronzeList', actions: ['s3:ListBucket'], resources: [list('bronze', 'bronze/orders/')] },
      // the manifest, and the markers of committed sources gc moved out of it (by source id and by content id)
      { sid: 'LakeRead', actions: ['s3:GetObject'], resources: [obj('lake', 'silver/orders/_strata/manifest.json'), obj('lake', '_strata/sources/silver/orders/'), obj('lake', '_strata/contents/silver/orders/')] },
      { sid: 'LakeWrite', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [obj('lake', 'staging/orders/')] },
      { sid: 'LakeList', actions: ['s3:ListBucket'], resources: [list('lake', 'silver/orders/_strata/'), list('lake', '_strata/sources/silver/orders/'), list('lake', '_strata/contents/silver/orders/')] },
      KEY_RW,
    ]);
  });

  it('stage, append with a primary key: also reads its silver table, whose keys the batch must not repeat', async () => {
    const text = CUSTOMERS.replace('dataset: customers', 'dataset: events').replace('mode: upsert', 'mode: append');
    const project = await checkProjectAsync([{ file: 'schemas/events.yaml', text }]);
    const events = compile(project.schemas[0]!.spec);
    expect(s3Prefixes(accessFor(events, 'stage', { gold: [] }), 's3:GetObject')).toEqual(['bronze:bronze/events/', 'lake:silver/events/_strata/manifest.json', 'lake:_strata/sources/silver/events/', 'lake:_strata/contents/silver/events/', 'lake:silver/events/']);
    expect(s3Prefixes(access('customers', 'stage'), 's3:GetObject')).toEqual(['bronze:bronze/customers/', 'lake:silver/customers/_strata/manifest.json', 'lake:_strata/sources/silver/customers/', 'lake:_strata/contents/silver/customers/']); // upsert: no
  });

  it('commit: staging, its silver table and its quarantine folder (a stale quarantine file of the same object is removed), its source markers, nothing else', () => {
    expect(access('orders', 'commit')).toEqual([
      // The run's quarantined rows wait in quarantine/orders/_strata/pending/ until the commit is decided, then
      // become the object's quarantine file (commit.ts settleQuarantine); a head of a missing key needs the listing.
      { sid: 'LakeRead', actions: ['s3:GetObject'], resources: [obj('lake', 'staging/orders/'), obj('lake', 'silver/orders/'), obj('lake', 'quarantine/orders/'), obj('lake', '_strata/sources/silver/orders/')] },
      { sid: 'LakeWrite', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [obj('lake', 'staging/orders/'), obj('lake', 'silver/orders/'), obj('lake', 'quarantine/orders/')] },
      { sid: 'LakeDelete', actions: ['s3:DeleteObject'], resources: [obj('lake', 'staging/orders/'), obj('lake', 'silver/orders/'), obj('lake', 'quarantine/orders/')] },
      { sid: 'LakeList', actions: ['s3:ListBucket'], resources: [list('lake', 'staging/orders/'), list('lake', 'silver/orders/'), list('lake', 'quarantine/orders/'), list('lake', '_strata/sources/silver/orders/')] },
      KEY_RW,
    ]);
  });

  it('register: the manifest, the quarantine folder (pending rows of a run killed after its commit are published), and only its own silver and quarantine tables', () => {
    expect(access('orders', 'register')).toEqual([
      // (and silver's history archives: a pending file of a run whose commit gc archived is that run's marker)
      { sid: 'LakeRead', actions: ['s3:GetObject'], resources: [obj('lake', 'silver/orders/_strata/manifest.json'), obj('lake', 'quarantine/orders/'), obj('lake', '_strata/sources/silver/orders/'), obj('lake', 'silver/orders/_strata/archive/')] },
      { sid: 'LakeWrite', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [obj('lake', 'quarantine/orders/')] },
      { sid: 'LakeDelete', actions: ['s3:DeleteObject'], resources: [obj('lake', 'quarantine/orders/')] },
      { sid: 'LakeList', actions: ['s3:ListBucket'], resources: [list('lake', 'silver/orders/_strata/'), list('lake', 'quarantine/orders/'), list('lake', '_strata/sources/silver/orders/'), list('lake', 'silver/orders/_strata/archive/')] },
      KEY_RW,
      { sid: 'CatalogTables', actions: ['glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'], resources: [{ kind: 'glue-table', database: 'silver', table: 'orders' }, { kind: 'glue-table', database: 'quarantine', table: 'orders' }] },
      { sid: 'CatalogPartitions', actions: ['glue:GetPartitions', 'glue:BatchCreatePartition', 'glue:BatchUpdatePartition', 'glue:BatchDeletePartition'], resources: [{ kind: 'glue-table', database: 'silver', table: 'orders' }] },
    ]);
  });

  it('record and fail: write the run record of their dataset only, read back its quality gates\' results and the manifests of what the run changed; fail also removes the run\'s staging and settles its quarantined rows', () => {
    const manifests = ['silver/orders/_strata/manifest.json', 'gold/revenue_by_country/_strata/manifest.json', 'gold/top_countries/_strata/manifest.json'];
    for (const step of ['record', 'fail'] as const) {
      const staging = step === 'fail';
      expect(access('orders', step)).toEqual([
        // fail also settles the quarantined rows of a run whose commit step failed (commit.ts settleAfterFailure):
        // published if the manifest, or a source marker, says the run committed after all, else dropped; and reads the
        // run's staging record before it removes the staging (only a folder strata recorded: staging.ts removeStaging).
        { sid: 'LakeRead', actions: ['s3:GetObject'], resources: [obj('lake', '_strata/quality/silver/orders/'), ...manifests.map((m) => obj('lake', m)), ...(staging ? [obj('lake', 'staging/orders/'), obj('lake', 'quarantine/orders/'), obj('lake', '_strata/sources/silver/orders/')] : [])] },
        { sid: 'LakeWrite', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [obj('lake', '_strata/runs/orders/'), ...(staging ? [obj('lake', 'quarantine/orders/')] : [])] },
        ...(staging ? [{ sid: 'LakeDelete', actions: ['s3:DeleteObject'], resources: [obj('lake', 'staging/orders/'), obj('lake', 'quarantine/orders/')] }] : []),
        // Each manifest's _strata/ folder too: a manifest that is not there is told from a table never written by its
        // history; a prefix is listed to be removed.
        { sid: 'LakeList', actions: ['s3:ListBucket'], resources: [list('lake', '_strata/quality/silver/orders/'), ...manifests.map((m) => list('lake', m.replace(/manifest\.json$/, ''))), ...(staging ? [list('lake', 'staging/orders/'), list('lake', 'quarantine/orders/'), list('lake', '_strata/sources/silver/orders/')] : [])] },
        KEY_RW,
      ]);
    }
  });

  it('reject and halt: also move staging to quarantine, read the bronze object again for the rows\' positions, and re-register the quarantine table', () => {
    for (const step of ['reject', 'halt'] as const) {
      const a = access('orders', step);
      // The batch waits in quarantine's _strata/pending/ until it is published, or a commit of the object won and its
      // run's rows are put back (runtime/pipeline/quarantine-batch.ts): quarantine is read, written and deleted in.
      expect(s3Prefixes(a, 's3:DeleteObject')).toEqual(['lake:staging/orders/', 'lake:quarantine/orders/']);
      // The rows read again go to staging (held/), then to quarantine.
      expect(s3Prefixes(a, 's3:PutObject')).toEqual(['lake:_strata/runs/orders/', 'lake:quarantine/orders/', 'lake:staging/orders/']);
      // The bronze object, the silver manifest and its source markers (and the silver table, for an append with a primary key: orders is
      // an upsert); the halt step also reads back which halt rules failed (the state carries the key of the gate's
      // results), and the dataset its rules reference (customers), over which the failing rules name their rows.
      expect(s3Prefixes(a, 's3:GetObject')).toEqual([
        // (and the run's own record, which a retry of the step after it ended returns again: record.ts endedAlready)
        'bronze:bronze/orders/', 'lake:_strata/runs/orders/', 'lake:staging/orders/', 'lake:quarantine/orders/', 'lake:_strata/sources/silver/orders/', 'lake:silver/orders/_strata/manifest.json',
        ...(step === 'halt' ? ['lake:_strata/quality/silver/orders/', 'lake:silver/customers/'] : []),
      ]);
      expect(a.find((s) => s.sid === 'CatalogTables')).toEqual({ sid: 'CatalogTables', actions: ['glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'], resources: [{ kind: 'glue-table', database: 'quarantine', table: 'orders' }] });
    }
  });

  it('quality: reads staging, its metrics and the silver of datasets its rules reference; writes only its metrics and results', () => {
    expect(s3Prefixes(access('orders', 'quality'), 's3:GetObject')).toEqual(['lake:staging/orders/', 'lake:_strata/metrics/silver/orders/', 'lake:silver/customers/']);
    expect(s3Prefixes(access('orders', 'quality'), 's3:PutObject')).toEqual(['lake:_strata/metrics/silver/orders/', 'lake:_strata/quality/silver/orders/']);
    expect(s3Prefixes(access('customers', 'quality'), 's3:GetObject')).toEqual(['lake:staging/customers/', 'lake:_strata/metrics/silver/customers/']);
  });

  it('gold: reads what the SQL reads, writes only the gold tables the run refreshes, Athena only where the engine is athena', () => {
    // A run of customers refreshes revenue_by_country (joins customers) and top_countries (reads it).
    const a = access('customers', 'gold');
    expect(s3Prefixes(a, 's3:GetObject')).toEqual(['lake:staging/customers/', 'lake:silver/orders/', 'lake:silver/customers/', 'lake:gold/revenue_by_country/', 'lake:gold/top_countries/', 'results:pipeline/']);
    expect(s3Prefixes(a, 's3:PutObject')).toEqual(['lake:staging/customers/', 'lake:gold/revenue_by_country/', 'lake:gold/top_countries/', 'results:pipeline/']);
    expect(a.find((s) => s.sid === 'CatalogTables')!.resources).toEqual([
      { kind: 'glue-table', database: 'gold', table: 'revenue_by_country' }, { kind: 'glue-table', database: 'gold', table: 'top_countries' },
    ]);
    expect(a.find((s) => s.sid === 'AthenaQueries')).toEqual({ sid: 'AthenaQueries', actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'], resources: [{ kind: 'athena-workgroup' }] });
    expect(a.find((s) => s.sid === 'AthenaCatalogRead')!.resources).toEqual([
      { kind: 'glue-table', database: 'silver', table: 'orders' }, { kind: 'glue-table', database: 'silver', table: 'customers' },
      { kind: 'glue-table', database: 'gold', table: 'revenue_by_country' },
    ]);
    expect(a.at(-1)).toEqual(KEY_RW);
  });

  it('gold: a dataset no gold table reads gets no gold access at all', async () => {
    const lone = compile((await checkProjectAsync([{ file: 'schemas/lone.yaml', text: CUSTOMERS.replace('customers', 'lone') }])).schemas[0]!.spec);
    expect(accessFor(lone, 'gold', { gold })).toEqual([]);
  });

  it('never lets a step write or delete outside its own dataset (gold: outside the tables it refreshes)', () => {
    for (const [dataset] of plans) {
      for (const step of STEPS) {
        const a = access(dataset, step);
        for (const prefix of [...s3Prefixes(a, 's3:PutObject'), ...s3Prefixes(a, 's3:DeleteObject')]) {
          const [, key] = prefix.split(':') as [string, string];
          const own = key.split('/').includes(dataset) || (step === 'gold' && (key.startsWith('gold/') || key === 'pipeline/'));
          expect({ dataset, step, prefix, own }).toEqual({ dataset, step, prefix, own: true });
        }
      }
    }
  });
});

describe('referencedDatasets and triggerAccess', () => {
  it('finds datasets in ReferentialIntegrity and RowCountMatch, not the dataset itself', () => {
    expect(referencedDatasets({ halt: ['ReferentialIntegrity "a,b" "customers.{x,y}" = 1.0', 'RowCountMatch "archive" >= 0.9'], warn: ['ReferentialIntegrity "x" "orders.id" >= 0.5', 'IsComplete "x"'] }, 'orders'))
      .toEqual(['customers', 'archive']);
  });

  it('lets the trigger start the stage\'s state machines and look at bronze objects, nothing else, whatever the datasets', () => {
    expect(triggerAccess()).toEqual([
      { sid: 'StartStageExecutions', actions: ['states:StartExecution'], resources: [{ kind: 'stage-state-machines' }] },
      { sid: 'BronzeHead', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [obj('bronze', 'bronze/')] },
      { sid: 'BronzeList', actions: ['s3:ListBucket'], resources: [list('bronze', 'bronze/')] },
    ]);
  });
});

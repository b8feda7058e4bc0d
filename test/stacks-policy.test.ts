// Policy checks over everything a stage would deploy: no wildcard actions, `*` resources only where AWS has no
// narrower scope, every bucket encrypted and closed to the public, and no function able to read (or write) another
// dataset's data unless its plan says why. Each check is also run on a deliberately broken stage, so it can fail.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeGold } from '../core/gold/analyze.ts';
import { referencedDatasets } from '../core/plan/access.ts';
import { compile } from '../core/plan/compile.ts';
import { checkProjectAsync } from '../core/project.ts';
import { goldTablesFor } from '../workflows/gold-order.ts';
import { stageConfig } from '../stacks/config.ts';
import { describeProject, lakeModel } from '../stacks/describe.ts';
import { renderExample } from '../stacks/example.ts';
import type { PolicyDocument, PolicyStatement } from '../stacks/iam.ts';
import { lakeResources } from '../stacks/lake.ts';
import type { LakeModel } from '../stacks/model.ts';
import type { ResourceSpec } from '../stacks/resource.ts';

/**
 * Why a statement may name `*` as its resource, by Sid (written out here, not taken from the stacks). Identity
 * policies: actions AWS authorises on `*` only. Key policies: `*` there means the key the policy is attached to.
 */
const STAR_REASONS: Record<string, string> = {
  DeliverExecutionLogs: 'Step Functions log delivery: CloudWatch Logs authorises these actions on * only (Step Functions guide, "IAM policies for logging to CloudWatch Logs")',
  SendTraces: 'X-Ray has no resource-level permissions',
  AccountAdministersKeyAndDelegatesToIam: 'key policy: * is this key',
  CloudWatchAlarmsPublishToEncryptedTopic: 'key policy: * is this key',
};

/** Glue actions no runtime role may hold: the stack creates and deletes the databases. */
const GLUE_DATABASE_CHANGES = ['glue:CreateDatabase', 'glue:DeleteDatabase', 'glue:UpdateDatabase'];

/** Actions AWS authorises on `*` only: X-Ray, and CloudWatch Logs delivery for Step Functions. */
const STAR_ONLY = new Set([
  'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
  'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
  'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
]);

interface Doc { resource: string; kind: 'identity' | 'resource' | 'key' | 'trust'; doc: PolicyDocument }

function policies(specs: readonly ResourceSpec[]): Doc[] {
  const out: Doc[] = [];
  for (const s of specs) {
    const a = s.args as Record<string, unknown>;
    if (s.type === 'aws.iam.RolePolicy' || s.type === 'aws.iam.Policy') out.push({ resource: s.name, kind: 'identity', doc: JSON.parse(a.policy as string) });
    if (s.type === 'aws.iam.Role') out.push({ resource: s.name, kind: 'trust', doc: JSON.parse(a.assumeRolePolicy as string) });
    if (s.type === 'aws.s3.BucketPolicy' || s.type === 'aws.sqs.QueuePolicy' || s.type === 'aws.sns.TopicPolicy') out.push({ resource: s.name, kind: 'resource', doc: JSON.parse(a.policy as string) });
    if (s.type === 'aws.kms.Key') out.push({ resource: s.name, kind: 'key', doc: JSON.parse(a.policy as string) });
  }
  return out;
}

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** The one wildcard action allowed: the key policy's delegation of the key to the account's IAM (AWS's default). */
function isKeyDelegation(d: Doc, s: PolicyStatement): boolean {
  return d.kind === 'key' && s.Action === 'kms:*' && typeof s.Principal === 'object' && /^arn:aws:iam::\d{12}:root$/.test(String(s.Principal.AWS)) && !s.Condition;
}

function wildcardViolations(specs: readonly ResourceSpec[]): string[] {
  const out: string[] = [];
  for (const d of policies(specs)) {
    for (const s of d.doc.Statement.filter((x) => x.Effect === 'Allow')) {
      for (const a of list(s.Action)) {
        if (a.includes('*') && !isKeyDelegation(d, s)) out.push(`${d.resource} ${s.Sid ?? ''}: wildcard action ${a}`);
      }
      if (d.kind === 'identity' && list(s.Resource).includes('*')) {
        const needless = list(s.Action).filter((a) => !STAR_ONLY.has(a));
        if (needless.length) out.push(`${d.resource} ${s.Sid ?? ''}: Resource * for ${needless.join(', ')}`);
      }
      if (d.kind === 'resource' && (s.Principal === '*' || list(typeof s.Principal === 'object' ? s.Principal.AWS : undefined).includes('*'))) {
        out.push(`${d.resource} ${s.Sid ?? ''}: allows any principal`);
      }
    }
  }
  return out;
}

/** Every `*` resource carries its reason: a Sid that STAR_REASONS explains. */
function starReasonViolations(specs: readonly ResourceSpec[]): string[] {
  const out: string[] = [];
  for (const d of policies(specs).filter((x) => x.kind === 'identity' || x.kind === 'key')) {
    for (const s of d.doc.Statement.filter((x) => list(x.Resource).includes('*'))) {
      if (!s.Sid || !STAR_REASONS[s.Sid]) out.push(`${d.resource} ${s.Sid ?? '(no Sid)'}: Resource * without a reason`);
    }
  }
  return out;
}

/** No role of the stage (functions, state machines) may create, change or delete a Glue database. */
function databaseViolations(specs: readonly ResourceSpec[]): string[] {
  const out: string[] = [];
  for (const d of policies(specs).filter((x) => x.kind === 'identity' && x.resource !== 'GoldReaderPolicy')) {
    for (const s of d.doc.Statement.filter((x) => x.Effect === 'Allow')) {
      for (const a of list(s.Action).filter((x) => GLUE_DATABASE_CHANGES.includes(x) || x === 'glue:*')) out.push(`${d.resource} ${s.Sid ?? ''}: ${a}`);
    }
  }
  return out;
}

/**
 * The analysts' policy reads every gold table whose schema does not say `analysts: false`, and none of those that
 * do: their catalog entry, their files and their listing are denied.
 */
function analystViolations(specs: readonly ResourceSpec[], model: LakeModel): string[] {
  const out: string[] = [];
  const doc = JSON.parse((specs.find((s) => s.name === 'GoldReaderPolicy')!.args as { policy: string }).policy) as PolicyDocument;
  const lake = `${(specs.find((s) => s.name === 'LakeBucket')!.args as { bucketPrefix: string }).bucketPrefix}0example`;
  const db = 'strata_dev_gold';
  const covers = (pattern: string, value: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`).test(value);
  const says = (effect: 'Allow' | 'Deny', action: string, resource: string, prefix?: string) => doc.Statement.some((s) =>
    s.Effect === effect && list(s.Action).includes(action) && list(s.Resource).some((r) => covers(r, resource))
    && (prefix === undefined || list(s.Condition?.StringLike?.['s3:prefix']).some((p) => covers(p, prefix))));
  for (const g of model.plans.flatMap((p) => p.gold)) {
    const table = `arn:aws:glue:eu-west-1:123456789012:table/${db}/${g.table}`;
    const file = `arn:aws:s3:::${lake}/gold/${g.table}/part-0.parquet`;
    const denied = {
      catalog: says('Deny', 'glue:GetTable', table) && says('Deny', 'glue:GetPartitions', table),
      files: says('Deny', 's3:GetObject', file),
      listing: says('Deny', 's3:ListBucket', `arn:aws:s3:::${lake}`, `gold/${g.table}/x`),
    };
    const allowed = says('Allow', 'glue:GetTable', table) && says('Allow', 's3:GetObject', file) && says('Allow', 's3:ListBucket', `arn:aws:s3:::${lake}`, `gold/${g.table}/x`);
    if (!allowed) out.push(`${g.table}: not granted to analysts`);
    if (g.analysts === false) {
      for (const [what, ok] of Object.entries(denied)) if (!ok) out.push(`${g.table} (analysts: false): ${what} not denied`);
    } else {
      for (const [what, ok] of Object.entries(denied)) if (ok) out.push(`${g.table}: ${what} denied to analysts`);
    }
  }
  return out;
}

function bucketViolations(specs: readonly ResourceSpec[]): string[] {
  const out: string[] = [];
  const bucketArgs = (type: string, bucket: string) => specs.filter((s) => s.type === type && (s.args as { bucket?: string }).bucket === bucket).map((s) => s.args as Record<string, any>);
  for (const b of specs.filter((s) => s.type === 'aws.s3.Bucket')) {
    const name = `${(b.args as { bucketPrefix: string }).bucketPrefix}0example`;
    const sse = bucketArgs('aws.s3.BucketServerSideEncryptionConfiguration', name)[0]?.rules?.[0]?.applyServerSideEncryptionByDefault;
    if (!sse || !['aws:kms', 'AES256'].includes(sse.sseAlgorithm)) out.push(`${b.name}: no default encryption`);
    if (sse?.sseAlgorithm === 'AES256' && b.name !== 'LogsBucket') out.push(`${b.name}: SSE-S3 where the lake key is expected`);
    const pab = bucketArgs('aws.s3.BucketPublicAccessBlock', name)[0];
    if (!pab || !['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'].every((k) => pab[k] === true)) out.push(`${b.name}: public access not fully blocked`);
    const policy = bucketArgs('aws.s3.BucketPolicy', name)[0];
    const tls = policy && (JSON.parse(policy.policy) as PolicyDocument).Statement.some((s) =>
      s.Effect === 'Deny' && s.Principal === '*' && s.Action === 's3:*' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'
      && list(s.Resource).includes(`arn:aws:s3:::${name}`) && list(s.Resource).includes(`arn:aws:s3:::${name}/*`));
    if (!tls) out.push(`${b.name}: plain HTTP not denied`);
  }
  return out;
}

/** What a function may touch, computed from the model independently of core/plan/access.ts. */
function allowedDatasets(model: LakeModel, dataset: string, step: string): { read: Set<string>; write: Set<string> } {
  const plan = model.plans.find((p) => p.dataset === dataset)!;
  const read = new Set([dataset]);
  const write = new Set([dataset]);
  // The gate reads its reference datasets, and so does a halt, whose failing rules name the rows they hold back.
  if (step === 'quality' || step === 'halt') for (const r of referencedDatasets(plan.quality.silver, dataset)) read.add(r);
  // The compaction rewrites the gold tables the dataset's schema gives a compaction policy.
  if (step === 'compact') for (const g of plan.gold.filter((x) => x.compaction)) { write.add(`gold:${g.table}`); read.add(`gold:${g.table}`); }
  // The recorders read back the results of the gold gates the run evaluated (the state carries their keys).
  if (step === 'record' || step === 'fail') for (const t of goldTablesFor(model.gold, dataset)) read.add(`gold:${t}`);
  if (step === 'gold') {
    for (const t of goldTablesFor(model.gold, dataset)) {
      const g = model.gold.find((x) => x.table === t)!;
      write.add(`gold:${t}`);
      read.add(`gold:${t}`);
      for (const s of g.reads.silver) read.add(s);
      for (const x of g.reads.gold) read.add(`gold:${x}`);
    }
  }
  return { read, write };
}

/** The dataset (or gold:<table>) a lake key belongs to; undefined for keys outside any dataset (Athena results). */
function ownerOf(key: string): string | undefined {
  const m = /^(?:(bronze|silver|quarantine|staging)\/([^/*]+)|_strata\/(?:runs|compactions|metrics\/silver|quality\/silver|sources\/silver|contents\/silver)\/([^/*]+)|(?:_strata\/(?:metrics|quality|sources|contents)\/)?gold\/([^/*]+))/.exec(key);
  if (!m) return undefined;
  return m[4] ? `gold:${m[4]}` : m[2] ?? m[3];
}

function crossDatasetViolations(specs: readonly ResourceSpec[], model: LakeModel): string[] {
  const out: string[] = [];
  const buckets = new Set(specs.filter((s) => s.type === 'aws.s3.Bucket').map((s) => `${(s.args as { bucketPrefix: string }).bucketPrefix}0example`));
  for (const fn of specs.filter((s) => s.type === 'sst.aws.Function')) {
    const env = (fn.args as { environment: Record<string, string> }).environment;
    const policy = specs.find((s) => s.type === 'aws.iam.RolePolicy' && (s.args as { role: string }).role === (fn.args as { name: string }).name)!;
    const doc = JSON.parse((policy.args as { policy: string }).policy) as PolicyDocument;
    // The shared trigger routes uploads of every dataset: it may look at bronze objects, and at nothing else.
    const trigger = !fn.dataset;
    const allowed = trigger ? { read: new Set(model.plans.map((p) => p.dataset)), write: new Set<string>() } : allowedDatasets(model, fn.dataset!, env.STRATA_STEP!);
    for (const s of doc.Statement) {
      const actions = list(s.Action);
      const keys = [
        ...list(s.Resource).flatMap((r) => { const m = /^arn:aws:s3:::([^/]+)\/(.*)$/.exec(r); return m && buckets.has(m[1]!) ? [m[2]!] : []; }),
        ...list(s.Condition?.StringLike?.['s3:prefix']),
      ];
      for (const key of keys) {
        if (key === '*' || key === '') { out.push(`${fn.name}: ${actions.join(',')} on a whole bucket`); continue; }
        if (trigger) { if (!key.startsWith('bronze/')) out.push(`${fn.name}: ${key} outside bronze`); continue; }
        const owner = ownerOf(key);
        if (owner === undefined) {
          if (!(env.STRATA_STEP === 'gold' && key === 'pipeline/*')) out.push(`${fn.name}: ${key} belongs to no dataset`);
          continue;
        }
        const writes = actions.some((a) => a === 's3:PutObject' || a === 's3:DeleteObject');
        const ok = writes ? allowed.write.has(owner) : allowed.read.has(owner);
        if (!ok) out.push(`${fn.name}: ${writes ? 'writes' : 'reads'} ${key} of ${owner}`);
      }
      for (const r of list(s.Resource)) {
        const t = /:table\/[^/]+_(silver|quarantine|gold)\/(.+)$/.exec(r);
        if (t && t[1] !== 'gold' && t[2] !== fn.dataset && !(env.STRATA_STEP === 'gold' && allowed.read.has(t[2]!))) out.push(`${fn.name}: Glue table ${t[1]}.${t[2]}`);
        if (t && t[1] === 'gold' && !allowed.read.has(`gold:${t[2]}`)) out.push(`${fn.name}: Glue table gold.${t[2]}`);
      }
    }
  }
  return out;
}

/**
 * A delivery stream's role: objects and listings under its own dataset's bronze prefix and error prefix only, nothing
 * deleted, the key only through S3, no Kinesis stream but its own. And the stream writes under bronze/<dataset>/ (so
 * its objects take the upload path) while its errors land outside bronze/ (so they never start a run).
 */
function deliveryStreamViolations(specs: readonly ResourceSpec[]): string[] {
  const out: string[] = [];
  const bronze = `${(specs.find((s) => s.name === 'BronzeBucket')!.args as { bucketPrefix: string }).bucketPrefix}0example`;
  for (const fh of specs.filter((s) => s.type === 'aws.kinesis.FirehoseDeliveryStream')) {
    const ds = fh.dataset!;
    const a = fh.args as Record<string, any>;
    const own = [`bronze/${ds}/`, `stream-errors/${ds}/`];
    if (!String(a.extendedS3Configuration.prefix).startsWith(`bronze/${ds}/`)) out.push(`${fh.name}: delivers to ${a.extendedS3Configuration.prefix}`);
    if (String(a.extendedS3Configuration.errorOutputPrefix).startsWith('bronze/')) out.push(`${fh.name}: errors under bronze/ would be ingested`);
    if (a.extendedS3Configuration.bucketArn !== `arn:aws:s3:::${bronze}`) out.push(`${fh.name}: not the bronze bucket`);
    const roleName = String(a.extendedS3Configuration.roleArn).split('/').pop();
    const policy = specs.find((s) => s.type === 'aws.iam.RolePolicy' && (s.args as { role: string }).role === roleName);
    if (!policy) { out.push(`${fh.name}: its role ${roleName} has no policy`); continue; }
    const ownStream = `arn:aws:kinesis:eu-west-1:123456789012:stream/strata-dev-${ds.replace(/_/g, '-')}`;
    if (a.kinesisSourceConfiguration && a.kinesisSourceConfiguration.kinesisStreamArn !== ownStream) out.push(`${fh.name}: reads ${a.kinesisSourceConfiguration.kinesisStreamArn}`);
    for (const st of (JSON.parse((policy.args as { policy: string }).policy) as PolicyDocument).Statement) {
      const actions = list(st.Action);
      for (const act of actions.filter((x) => /Delete/.test(x))) out.push(`${policy.name}: ${act}`);
      const keys = [
        ...list(st.Resource).flatMap((r) => { const m = /^arn:aws:s3:::([^/]+)\/(.*)$/.exec(r); return m ? [`${m[1]}/${m[2]}`] : []; }),
        ...list(st.Condition?.StringLike?.['s3:prefix']).map((p) => `${bronze}/${p}`),
      ];
      for (const k of keys) if (!own.some((o) => k.startsWith(`${bronze}/${o}`))) out.push(`${policy.name}: ${actions.join(',')} on ${k}`);
      for (const r of list(st.Resource).filter((x) => x.startsWith('arn:aws:kinesis:'))) if (r !== ownStream) out.push(`${policy.name}: ${actions.join(',')} on ${r}`);
      if (actions.some((x) => x.startsWith('kms:')) && !String(st.Condition?.StringEquals?.['kms:ViaService'] ?? '').startsWith('s3.')) out.push(`${policy.name}: the key outside S3`);
      for (const r of list(st.Resource)) if (/^arn:aws:s3:::[^/]+$/.test(r) && r !== `arn:aws:s3:::${bronze}`) out.push(`${policy.name}: bucket ${r}`);
    }
  }
  return out;
}

const FIXTURE = {
  customers: 'dataset: customers\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint, required: true }\n  - { name: country, type: string }\nprimaryKey: [id]\nmode: upsert\n',
  orders: `dataset: orders
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
gold:
  - table: revenue_by_country
    engine: athena
    sql: |
      SELECT c.country, CAST(o.created_at AS DATE) AS day, SUM(o.amount) AS revenue
      FROM silver.orders o JOIN silver.customers c ON c.id = o.customer_id
      GROUP BY 1, 2
    partitionBy: [day]
  - table: order_totals
    analysts: false
    refresh: full
    sql: SELECT customer_id, SUM(amount) AS total FROM silver.orders GROUP BY 1
    compaction: { minFiles: 4 }
compaction: { sortBy: [customer_id] }
`,
  audit: 'dataset: audit\nsource: { format: jsonl }\ncolumns:\n  - { name: id, type: bigint }\nstream: { source: kinesis }\n',
  clicks: 'dataset: clicks\nsource: { format: jsonl, compression: gzip }\ncolumns:\n  - { name: id, type: bigint }\nstream: { buffer: { seconds: 300, megabytes: 128 } }\n',
};

const lakes: Array<{ name: string; model: LakeModel; specs: ResourceSpec[] }> = [];

beforeAll(async () => {
  const examples = (await describeProject('schemas')).model!;
  const project = await checkProjectAsync(Object.entries(FIXTURE).map(([n, text]) => ({ file: `schemas/${n}.yaml`, text })));
  expect(project.diagnostics).toEqual([]);
  const plans = project.schemas.map((s) => compile(s.spec));
  const fixture = lakeModel(plans, (await analyzeGold(plans)).plans);
  for (const [name, model] of [['examples', examples], ['orders fixture', fixture]] as const) {
    lakes.push({ name, model, specs: renderExample(lakeResources(model, stageConfig('strata', 'dev'))) });
  }
});

describe('policy checks', () => {
  it('every `*` resource carries its reason (a Sid with a documented reason)', () => {
    for (const l of lakes) expect({ lake: l.name, violations: starReasonViolations(l.specs) }).toEqual({ lake: l.name, violations: [] });
  });

  it('no runtime role can create, change or delete a Glue database', () => {
    for (const l of lakes) expect({ lake: l.name, violations: databaseViolations(l.specs) }).toEqual({ lake: l.name, violations: [] });
  });

  it('analysts read every gold table but those whose schema says analysts: false', () => {
    for (const l of lakes) expect({ lake: l.name, violations: analystViolations(l.specs, l.model) }).toEqual({ lake: l.name, violations: [] });
    // The fixture withholds one table; the examples none (and then the policy has no Deny at all).
    expect(lakes[1]!.model.plans.flatMap((p) => p.gold).filter((g) => !g.analysts).map((g) => g.table)).toEqual(['order_totals']);
    const examples = JSON.parse((lakes[0]!.specs.find((s) => s.name === 'GoldReaderPolicy')!.args as { policy: string }).policy) as PolicyDocument;
    expect(examples.Statement.filter((s) => s.Effect === 'Deny')).toEqual([]);
  });

  it('no wildcard action anywhere (but the key\'s delegation to IAM), `*` resources only for X-Ray and log delivery', () => {
    for (const l of lakes) expect({ lake: l.name, violations: wildcardViolations(l.specs) }).toEqual({ lake: l.name, violations: [] });
  });

  it('every bucket has default encryption, a full public access block and a TLS-only policy', () => {
    for (const l of lakes) {
      expect(l.specs.filter((s) => s.type === 'aws.s3.Bucket')).toHaveLength(4);
      expect({ lake: l.name, violations: bucketViolations(l.specs) }).toEqual({ lake: l.name, violations: [] });
    }
  });

  it('no function reads another dataset\'s data unless its plan reads it (gold SQL, quality rules), none writes outside its own', () => {
    for (const l of lakes) expect({ lake: l.name, violations: crossDatasetViolations(l.specs, l.model) }).toEqual({ lake: l.name, violations: [] });
    // The fixture does exercise the exceptions: orders' quality reads customers, customers' gold reads orders.
    const fixture = lakes[1]!;
    const policy = (n: string) => (fixture.specs.find((s) => s.name === n)!.args as { policy: string }).policy;
    expect(policy('CustomersGoldPolicy')).toContain('/silver/orders/*');
    expect(policy('AuditStagePolicy')).not.toMatch(/orders|customers/);
  });

  it('a delivery stream writes only its dataset\'s bronze and error prefixes, with the key through S3, and reads only its own Kinesis stream', () => {
    for (const l of lakes) expect({ lake: l.name, violations: deliveryStreamViolations(l.specs) }).toEqual({ lake: l.name, violations: [] });
    // The fixture streams two datasets, one from Kinesis; the compact function of orders may rewrite order_totals.
    const fixture = lakes[1]!;
    expect(fixture.specs.filter((s) => s.type === 'aws.kinesis.FirehoseDeliveryStream').map((s) => s.name)).toEqual(['AuditDeliveryStream', 'ClicksDeliveryStream']);
    expect((fixture.specs.find((s) => s.name === 'OrdersCompactPolicy')!.args as { policy: string }).policy).toContain('/gold/order_totals/*');
  });
});

describe('the checks catch a broken stage', () => {
  const mutate = (specs: ResourceSpec[], name: string, f: (args: Record<string, any>) => void): ResourceSpec[] =>
    specs.map((s) => { if (s.name !== name) return s; const args = structuredClone(s.args) as Record<string, any>; f(args); return { ...s, args } as ResourceSpec; });
  const addStatement = (st: PolicyStatement) => (a: Record<string, any>) => {
    const doc = JSON.parse(a.policy);
    doc.Statement.push(st);
    a.policy = JSON.stringify(doc);
  };

  it('a wildcard action, a needless `*` resource, or a public principal', () => {
    const specs = lakes[0]!.specs;
    expect(wildcardViolations(mutate(specs, 'FlightsCommitPolicy', addStatement({ Sid: 'X', Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' })))).toEqual(['FlightsCommitPolicy X: wildcard action s3:*']);
    expect(wildcardViolations(mutate(specs, 'FlightsCommitPolicy', addStatement({ Sid: 'Y', Effect: 'Allow', Action: ['s3:GetObject', 'xray:PutTraceSegments'], Resource: '*' })))).toEqual(['FlightsCommitPolicy Y: Resource * for s3:GetObject']);
    expect(wildcardViolations(mutate(specs, 'LakePolicy', addStatement({ Sid: 'Z', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' })))).toEqual(['LakePolicy Z: allows any principal']);
  });

  it('a bucket without encryption, with public access allowed, or without the TLS rule', () => {
    const specs = lakes[0]!.specs;
    expect(bucketViolations(specs.filter((s) => s.name !== 'LakeEncryption'))).toEqual(['LakeBucket: no default encryption']);
    expect(bucketViolations(mutate(specs, 'BronzePublicAccessBlock', (a) => { a.restrictPublicBuckets = false; }))).toEqual(['BronzeBucket: public access not fully blocked']);
    expect(bucketViolations(mutate(specs, 'AthenaResultsPolicy', (a) => { const d = JSON.parse(a.policy); d.Statement.shift(); a.policy = JSON.stringify(d); }))).toEqual(['AthenaResultsBucket: plain HTTP not denied']);
  });

  it('a `*` resource without a reason, a role that may create a Glue database, a withheld gold table left readable', () => {
    const specs = lakes[0]!.specs;
    expect(starReasonViolations(mutate(specs, 'FlightsStateMachinePolicy', (a) => { const d = JSON.parse(a.policy); d.Statement[2].Sid = 'Traces'; a.policy = JSON.stringify(d); })))
      .toEqual(['FlightsStateMachinePolicy Traces: Resource * without a reason']);
    expect(databaseViolations(mutate(specs, 'FlightsRegisterPolicy', addStatement({ Sid: 'Db', Effect: 'Allow', Action: ['glue:GetDatabase', 'glue:CreateDatabase'], Resource: 'arn:aws:glue:eu-west-1:123456789012:database/strata_dev_silver' }))))
      .toEqual(['FlightsRegisterPolicy Db: glue:CreateDatabase']);
    const fixture = lakes[1]!;
    const dropDeny = (sid: string) => (a: Record<string, any>) => { const d = JSON.parse(a.policy); d.Statement = d.Statement.filter((x: PolicyStatement) => x.Sid !== sid); a.policy = JSON.stringify(d); };
    expect(analystViolations(mutate(fixture.specs, 'GoldReaderPolicy', dropDeny('WithheldGoldFiles')), fixture.model)).toEqual(['order_totals (analysts: false): files not denied']);
    const withholdAll = { ...fixture.model, plans: fixture.model.plans.map((p) => ({ ...p, gold: p.gold.map((g) => ({ ...g, analysts: false })) })) };
    expect(analystViolations(fixture.specs, withholdAll)).toEqual(['revenue_by_country (analysts: false): catalog not denied', 'revenue_by_country (analysts: false): files not denied', 'revenue_by_country (analysts: false): listing not denied']);
  });

  it('a function reading another dataset, writing another dataset, or listing a whole bucket', () => {
    const { specs, model } = lakes[0]!;
    const lake = `${(specs.find((s) => s.name === 'LakeBucket')!.args as { bucketPrefix: string }).bucketPrefix}0example`;
    expect(crossDatasetViolations(mutate(specs, 'FlightsStagePolicy', addStatement({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${lake}/silver/movies/*` })), model))
      .toEqual(['FlightsStageFunction: reads silver/movies/* of movies']);
    expect(crossDatasetViolations(mutate(specs, 'FlightsGoldPolicy', addStatement({ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${lake}/silver/airports/*` })), model))
      .toEqual(['FlightsGoldFunction: writes silver/airports/* of airports']);
    expect(crossDatasetViolations(mutate(specs, 'MoviesRegisterPolicy', addStatement({ Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${lake}`, Condition: { StringLike: { 's3:prefix': '*' } } })), model))
      .toEqual(['MoviesRegisterFunction: s3:ListBucket on a whole bucket']);
    expect(crossDatasetViolations(mutate(specs, 'AirportsRegisterPolicy', addStatement({ Effect: 'Allow', Action: 'glue:GetTable', Resource: 'arn:aws:glue:eu-west-1:123456789012:table/strata_dev_silver/flights' })), model))
      .toEqual(['AirportsRegisterFunction: Glue table silver.flights']);
    expect(crossDatasetViolations(mutate(specs, 'TriggerPolicy', addStatement({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${lake}/silver/flights/*` })), model))
      .toEqual(['TriggerFunction: silver/flights/* outside bronze']);
  });

  it('a delivery stream writing another dataset\'s bronze, reading another stream, deleting, or erring into bronze/', () => {
    const { specs } = lakes[1]!;
    const bronze = `${(specs.find((s) => s.name === 'BronzeBucket')!.args as { bucketPrefix: string }).bucketPrefix}0example`;
    expect(deliveryStreamViolations(mutate(specs, 'AuditFirehosePolicy', addStatement({ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bronze}/bronze/clicks/*` }))))
      .toEqual([`AuditFirehosePolicy: s3:PutObject on ${bronze}/bronze/clicks/*`]);
    expect(deliveryStreamViolations(mutate(specs, 'AuditFirehosePolicy', addStatement({ Effect: 'Allow', Action: 'kinesis:GetRecords', Resource: 'arn:aws:kinesis:eu-west-1:123456789012:stream/strata-dev-clicks' }))))
      .toEqual(['AuditFirehosePolicy: kinesis:GetRecords on arn:aws:kinesis:eu-west-1:123456789012:stream/strata-dev-clicks']);
    expect(deliveryStreamViolations(mutate(specs, 'ClicksFirehosePolicy', addStatement({ Effect: 'Allow', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${bronze}/bronze/clicks/*` }))))
      .toEqual(['ClicksFirehosePolicy: s3:DeleteObject']);
    expect(deliveryStreamViolations(mutate(specs, 'ClicksDeliveryStream', (a) => { a.extendedS3Configuration.errorOutputPrefix = 'bronze/clicks/errors/'; })))
      .toEqual(['ClicksDeliveryStream: errors under bronze/ would be ingested']);
  });
});

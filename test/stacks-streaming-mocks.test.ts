// Streaming and compaction resources created for real by stacks/deploy.ts under Pulumi mocks (as in
// test/stacks-mocks.test.ts, which deploys the examples): a stage with a dataset streamed by direct PUT, one fed by a
// Kinesis data stream, and compaction. Each delivery stream reaches the engine as the builders describe it, with its
// role, its Kinesis source and its alarm; each compaction with its function, state machine and schedule.
//
// Skipped without .sst/ (no `sst install` yet); .ci/sst-check runs it with STRATA_REQUIRE_SST=1.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeGold } from '../core/gold/analyze.ts';
import { compile } from '../core/plan/compile.ts';
import { checkProjectAsync } from '../core/project.ts';
import { stageConfig } from '../stacks/config.ts';
import { lakeModel } from '../stacks/describe.ts';
import { EXAMPLE_AWS, renderExample } from '../stacks/example.ts';
import { lakeResources } from '../stacks/lake.ts';
import type { ResourceSpec } from '../stacks/resource.ts';
import { deployUnderMocks, sstInstalled, sstRequired, type MockDeployment } from './helpers/pulumi-mocks.ts';

const FIXTURE = {
  clicks: `dataset: clicks
source: { format: jsonl }
columns:
  - { name: click_id, type: bigint, required: true }
  - { name: page, type: string }
  - { name: at, type: timestamp, required: true }
partitionBy:
  - { name: dt, column: at, transform: day }
stream: { buffer: { seconds: 120, megabytes: 32 } }
compaction: { minFiles: 16, targetMb: 256, sortBy: [page], schedule: rate(30 minutes) }
gold:
  - table: page_views
    sql: SELECT page, count(*) AS views FROM silver.clicks GROUP BY 1
    refresh: full
    compaction: { minFiles: 4 }
`,
  payments: `dataset: payments
source: { format: jsonl, compression: gzip }
columns:
  - { name: payment_id, type: bigint, required: true }
  - { name: amount, type: "decimal(12,2)" }
stream: { source: kinesis }
`,
};

const { accountId: A, region: R } = EXAMPLE_AWS;

describe.skipIf(!sstInstalled && !sstRequired)('deploying streamed and compacted datasets under Pulumi mocks', () => {
  let specs: ResourceSpec[];
  let registered: MockDeployment['registered'];
  let functions: MockDeployment['functions'];
  const inputs = (name: string) => registered.find((r) => r.name === name)!.inputs as Record<string, any>;

  beforeAll(async () => {
    const project = await checkProjectAsync(Object.entries(FIXTURE).map(([n, text]) => ({ file: `schemas/${n}.yaml`, text })));
    expect(project.diagnostics).toEqual([]);
    const plans = project.schemas.map((s) => compile(s.spec));
    specs = lakeResources(lakeModel(plans, (await analyzeGold(plans)).plans), stageConfig('strata', 'test'));
    ({ registered, functions } = await deployUnderMocks(specs));
  });

  it('registers every resource with exactly its described arguments, references resolved', () => {
    const rendered = new Map(renderExample(specs).map((s) => [s.name, s]));
    const custom = registered.filter((r) => r.custom !== false && !r.type.startsWith('sst:'));
    expect(custom.map((r) => r.name).sort()).toEqual(specs.filter((s) => s.type !== 'sst.aws.Function').map((s) => s.name).sort());
    for (const r of custom) {
      expect({ name: r.name, inputs: r.inputs }).toEqual({ name: r.name, inputs: JSON.parse(JSON.stringify(rendered.get(r.name)!.args)) });
      expect(JSON.stringify(r.inputs)).not.toMatch(/\$\{(ref|aws):/);
    }
  });

  it('gives each streamed dataset a delivery stream into its bronze prefix, its role and its delivery alarm', () => {
    const typeOf = new Map(registered.map((r) => [r.name, r.type]));
    for (const [ds, source] of [['Clicks', 'direct'], ['Payments', 'kinesis']] as const) {
      expect(typeOf.get(`${ds}DeliveryStream`)).toBe('aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream');
      expect(typeOf.get(`${ds}FirehoseRole`)).toBe('aws:iam/role:Role');
      expect(typeOf.get(`${ds}DeliveryAlarm`)).toBe('aws:cloudwatch/metricAlarm:MetricAlarm');
      const fh = inputs(`${ds}DeliveryStream`);
      const name = `strata-test-${ds.toLowerCase()}`;
      expect(fh.extendedS3Configuration).toMatchObject({
        roleArn: `arn:aws:iam::${A}:role/${name}-firehose`, bucketArn: 'arn:aws:s3:::strata-test-bronze-0example',
        prefix: `bronze/${ds.toLowerCase()}/!{timestamp:yyyy/MM/dd/HH}/`, compressionFormat: 'GZIP', kmsKeyArn: `arn:aws:kms:${R}:${A}:key/00000000-example-key`,
      });
      expect(JSON.parse(inputs(`${ds}FirehoseRole`).assumeRolePolicy).Statement[0].Principal).toEqual({ Service: 'firehose.amazonaws.com' });
      expect(inputs(`${ds}DeliveryAlarm`).alarmActions).toEqual([`arn:aws:sns:${R}:${A}:strata-test-alerts`]);
      if (source === 'kinesis') {
        expect(typeOf.get(`${ds}KinesisStream`)).toBe('aws:kinesis/stream:Stream');
        expect(fh.kinesisSourceConfiguration).toEqual({ kinesisStreamArn: `arn:aws:kinesis:${R}:${A}:stream/${name}`, roleArn: `arn:aws:iam::${A}:role/${name}-firehose` });
        expect(fh.serverSideEncryption).toBeUndefined();
      } else {
        expect(typeOf.has(`${ds}KinesisStream`)).toBe(false);
        expect(fh.serverSideEncryption).toEqual({ enabled: true, keyType: 'AWS_OWNED_CMK' });
      }
    }
    expect(inputs('ClicksDeliveryStream').extendedS3Configuration).toMatchObject({ bufferingInterval: 120, bufferingSize: 32 });
  });

  it('gives a dataset with a compaction policy its compact function, state machine and schedule; others none', () => {
    expect(inputs('ClicksCompactionSchedule')).toMatchObject({
      scheduleExpression: 'rate(30 minutes)',
      target: { arn: `arn:aws:states:${R}:${A}:stateMachine:strata-test-clicks-compaction`, roleArn: `arn:aws:iam::${A}:role/strata-test-clicks-compaction-schedule` },
    });
    expect(JSON.parse(inputs('ClicksCompactionStateMachine').definition).States.Compact.Resource).toBe(`arn:aws:lambda:${R}:${A}:function:strata-test-clicks-compact`);
    expect(functions.get('ClicksCompactFunction')).toMatchObject({ handler: 'functions/compact.handler', environment: { STRATA_STEP: 'compact', STRATA_DATASET: 'clicks' } });
    expect(registered.some((r) => r.name.startsWith('PaymentsCompact'))).toBe(false);
  });
});

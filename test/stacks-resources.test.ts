// What `sst deploy` would create, asserted as data: the resources stacks/lake.ts describes for the example schemas,
// rendered with example values for what AWS assigns (stacks/example.ts).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeGold } from '../core/gold/analyze.ts';
import { compile } from '../core/plan/compile.ts';
import { checkProjectAsync } from '../core/project.ts';
import { renderAsl, substituteResources } from '../workflows/asl.ts';
import { goldTablesFor } from '../workflows/gold-order.ts';
import { stageConfig } from '../stacks/config.ts';
import { creationOrder } from '../stacks/deploy.ts';
import { describeProject, lakeModel } from '../stacks/describe.ts';
import { EXAMPLE_AWS, renderExample } from '../stacks/example.ts';
import { lakeResources } from '../stacks/lake.ts';
import { loadModel, type LakeModel } from '../stacks/model.ts';
import { fit, physicalNames } from '../core/naming.ts';
import { EMPTY_FOLDER, tableArgs } from '../stacks/catalog.ts';
import { EMPTY_FOLDER as RUNTIME_EMPTY_FOLDER, runsTableInput } from '../runtime/catalog/glue.ts';
import { metricsTableInput } from '../runtime/catalog/metrics-table.ts';
import type { ResourceSpec } from '../stacks/resource.ts';

const { accountId: ACCOUNT, region: REGION } = EXAMPLE_AWS;
const BRONZE = 'strata-dev-bronze-0example';
const LAKE = 'strata-dev-lake-0example';
const RESULTS = 'strata-dev-results-0example';
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-example-key`;
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

let model: LakeModel;
let specs: ResourceSpec[];
let byName: Map<string, ResourceSpec>;
const args = (name: string) => {
  const s = byName.get(name);
  if (!s) throw new Error(`no resource ${name}`);
  return s.args as Record<string, any>;
};
const policyOf = (name: string) => JSON.parse(args(name).policy as string);
const installed = (pkg: string) => (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;

beforeAll(async () => {
  model = (await describeProject('schemas')).model!;
  specs = renderExample(lakeResources(model, stageConfig('strata', 'dev')));
  byName = new Map(specs.map((s) => [s.name, s]));
});

// Order of first use in the rendered ASL; every example has silver rules, so each runs the quality and halt steps.
const PIPELINE_STEPS_OF_EXAMPLES = ['stage', 'register', 'reject', 'quality', 'halt', 'commit', 'gold', 'record', 'fail'];

describe('resources per dataset', () => {
  it('each example dataset gets a function, role and policy per step of its state machine, and its pipeline around them', () => {
    const expected = (ds: string, gold: string[]) => [
      ...PIPELINE_STEPS_OF_EXAMPLES.flatMap((s) => {
        const S = s[0]!.toUpperCase() + s.slice(1);
        return [`aws.iam.Role ${ds}${S}Role`, `aws.iam.RolePolicy ${ds}${S}Policy`, `sst.aws.Function ${ds}${S}Function`];
      }),
      `aws.glue.CatalogTable ${ds}SilverTable`, `aws.glue.CatalogTable ${ds}QuarantineTable`, ...gold.map((g) => `aws.glue.CatalogTable ${g}GoldTable`),
      `aws.cloudwatch.LogGroup ${ds}StateMachineLogs`, `aws.iam.Role ${ds}StateMachineRole`, `aws.iam.RolePolicy ${ds}StateMachinePolicy`,
      `aws.sfn.StateMachine ${ds}StateMachine`, `aws.cloudwatch.MetricAlarm ${ds}FailedAlarm`,
      `aws.cloudwatch.EventRule ${ds}BronzeRule`, `aws.cloudwatch.EventTarget ${ds}BronzeTarget`,
    ].sort();
    const of = (dataset: string) => specs.filter((s) => s.dataset === dataset).map((s) => `${s.type} ${s.name}`).sort();
    // flights has a compaction policy: its compact function, compaction state machine, schedule and alarm.
    const compaction = (ds: string) => [
      `aws.iam.Role ${ds}CompactRole`, `aws.iam.RolePolicy ${ds}CompactPolicy`, `sst.aws.Function ${ds}CompactFunction`,
      `aws.cloudwatch.LogGroup ${ds}CompactionLogs`, `aws.iam.Role ${ds}CompactionStateMachineRole`, `aws.iam.RolePolicy ${ds}CompactionStateMachinePolicy`,
      `aws.sfn.StateMachine ${ds}CompactionStateMachine`, `aws.iam.Role ${ds}CompactionScheduleRole`, `aws.iam.RolePolicy ${ds}CompactionSchedulePolicy`,
      `aws.scheduler.Schedule ${ds}CompactionSchedule`, `aws.cloudwatch.MetricAlarm ${ds}CompactionFailedAlarm`,
    ];
    expect(of('airports')).toEqual(expected('Airports', []));
    expect(of('flights')).toEqual([...expected('Flights', ['DailyDelays']), ...compaction('Flights')].sort());
    expect(of('movies')).toEqual(expected('Movies', ['GenreBoxOffice']));
  });

  it('shares storage, catalog, Athena, alerting and the trigger across datasets', () => {
    expect(specs.filter((s) => !s.dataset).map((s) => s.name).sort()).toEqual([
      'AlertsTopic', 'AlertsTopicPolicy', 'AnalystsWorkgroup',
      'AthenaResultsBucket', 'AthenaResultsEncryption', 'AthenaResultsLifecycle', 'AthenaResultsOwnership', 'AthenaResultsPolicy', 'AthenaResultsPublicAccessBlock',
      'BronzeBucket', 'BronzeEncryption', 'BronzeLifecycle', 'BronzeLogging', 'BronzeNotification', 'BronzeOwnership', 'BronzePolicy', 'BronzePublicAccessBlock', 'BronzeVersioning',
      'GoldDatabase', 'GoldReaderPolicy', 'LakeBucket', 'LakeEncryption', 'LakeKey', 'LakeKeyAlias', 'LakeLifecycle', 'LakeLogging', 'LakeOwnership', 'LakePolicy',
      'LakePublicAccessBlock', 'LakeVersioning', 'LogsBucket', 'LogsEncryption', 'LogsLifecycle', 'LogsOwnership', 'LogsPolicy', 'LogsPublicAccessBlock',
      'QualityMetricsTable', 'QuarantineDatabase', 'RunsTable', 'SilverDatabase', 'StrataDatabase', 'TriggerDeadLetters', 'TriggerDeadLettersAlarm', 'TriggerDeadLettersPolicy',
      'TriggerFunction', 'TriggerInvokeConfig', 'TriggerPermission', 'TriggerPolicy', 'TriggerRole',
    ]);
  });

  it('adding a schema file adds that dataset\'s resources and changes nothing shared (no shared list names every dataset)', () => {
    const without = lakeModel(model.plans.filter((p) => p.dataset !== 'movies'), model.gold.filter((g) => g.owner !== 'movies'));
    const before = new Map(renderExample(lakeResources(without, stageConfig('strata', 'dev'))).map((s) => [s.name, s]));
    const added = specs.filter((s) => !before.has(s.name));
    expect(added.every((s) => s.dataset === 'movies')).toBe(true);
    expect(added.length).toBe(specs.filter((s) => s.dataset === 'movies').length);
    expect([...before.keys()].every((n) => byName.has(n))).toBe(true);
    const changed = [...before.values()].filter((s) => JSON.stringify(s.args) !== JSON.stringify(byName.get(s.name)!.args)).map((s) => s.name).sort();
    expect(changed).toEqual([]);
  });

  it('orders every resource after everything it refers to (no cycles)', () => {
    const order = creationOrder(lakeResources(model, stageConfig('strata', 'dev'))).map((s) => s.name);
    expect(order.length).toBe(specs.length);
    expect(order.indexOf('LakeKey')).toBeLessThan(order.indexOf('LakeEncryption'));
    expect(order.indexOf('FlightsStagePolicy')).toBeLessThan(order.indexOf('FlightsStageFunction'));
    expect(order.indexOf('FlightsStateMachinePolicy')).toBeLessThan(order.indexOf('FlightsStateMachine'));
    expect(order.indexOf('TriggerPermission')).toBeLessThan(order.indexOf('FlightsBronzeTarget'));
  });
});

describe('storage', () => {
  it('encrypts the data buckets with the lake key (bucket keys on) and access logs with SSE-S3', () => {
    for (const b of ['Bronze', 'Lake', 'AthenaResults']) {
      expect(args(`${b}Encryption`).rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: KEY }, bucketKeyEnabled: true }]);
    }
    // S3 cannot deliver server access logs to an SSE-KMS bucket.
    expect(args('LogsEncryption').rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }]);
    expect(args('LakeKey')).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 7 });
  });

  it('blocks public access, enforces bucket-owner objects and denies anything but TLS ≥ 1.2 on every bucket', () => {
    for (const b of ['Bronze', 'Lake', 'AthenaResults', 'Logs']) {
      expect(args(`${b}PublicAccessBlock`)).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
      expect(args(`${b}Ownership`).rule).toEqual({ objectOwnership: 'BucketOwnerEnforced' });
      const arn = `arn:aws:s3:::${args(`${b}Bucket`).bucketPrefix}0example`;
      expect(policyOf(`${b}Policy`).Statement.slice(0, 2)).toEqual([
        { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [arn, `${arn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        { Sid: 'DenyOldTls', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [arn, `${arn}/*`], Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } },
      ]);
    }
    expect(policyOf('LakePolicy').Statement.slice(2)).toEqual([
      { Sid: 'DenyOtherEncryption', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${LAKE}/*`, Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } } },
      { Sid: 'DenyOtherKeys', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${LAKE}/*`, Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY } } },
    ]);
  });

  it('versions bronze and the lake, sends bronze events to EventBridge, logs access to both', () => {
    expect(args('BronzeVersioning').versioningConfiguration).toEqual({ status: 'Enabled' });
    expect(args('LakeVersioning').versioningConfiguration).toEqual({ status: 'Enabled' });
    expect(byName.has('AthenaResultsVersioning')).toBe(false);
    expect(args('BronzeNotification')).toEqual({ bucket: BRONZE, eventbridge: true });
    expect(specs.filter((s) => s.type === 'aws.s3.BucketNotification')).toHaveLength(1);
    expect(args('BronzeLogging')).toEqual({ bucket: BRONZE, targetBucket: 'strata-dev-logs-0example', targetPrefix: 'bronze/' });
    expect(args('LakeLogging')).toEqual({ bucket: LAKE, targetBucket: 'strata-dev-logs-0example', targetPrefix: 'lake/' });
    expect(policyOf('LogsPolicy').Statement[2]).toEqual({
      Sid: 'S3ServerAccessLogDelivery', Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::strata-dev-logs-0example/*',
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': [`arn:aws:s3:::${BRONZE}`, `arn:aws:s3:::${LAKE}`] } },
    });
  });

  it('ages bronze into cheaper classes, expires staging, compaction results, noncurrent versions, Athena results and logs', () => {
    const rule = (bucket: string, id: string) => (args(`${bucket}Lifecycle`).rules as Array<{ id: string }>).find((r) => r.id === id);
    expect(rule('Bronze', 'tier-bronze')).toEqual({ id: 'tier-bronze', status: 'Enabled', filter: { prefix: 'bronze/' }, transitions: [{ days: 30, storageClass: 'STANDARD_IA' }, { days: 180, storageClass: 'GLACIER_IR' }] });
    expect(rule('Bronze', 'expire-noncurrent')).toMatchObject({ noncurrentVersionExpiration: { noncurrentDays: 30 } });
    expect(rule('Lake', 'expire-staging')).toEqual({ id: 'expire-staging', status: 'Enabled', filter: { prefix: 'staging/' }, expiration: { days: 2 } });
    // As strata gc does locally (runtime/table/gc.ts gcCompactionResults).
    expect(rule('Lake', 'expire-compaction-results')).toEqual({ id: 'expire-compaction-results', status: 'Enabled', filter: { prefix: '_strata/compactions/' }, expiration: { days: 7 } });
    expect(rule('Lake', 'expire-noncurrent')).toMatchObject({ noncurrentVersionExpiration: { noncurrentDays: 7 } });
    expect(rule('AthenaResults', 'expire-analysts-results')).toMatchObject({ filter: { prefix: 'analysts/' }, expiration: { days: 7 } });
    expect(rule('Logs', 'expire-access-logs')).toMatchObject({ expiration: { days: 90 } });
    for (const b of ['Bronze', 'Lake', 'AthenaResults', 'Logs']) expect(rule(b, 'abort-incomplete-uploads')).toMatchObject({ abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } });
  });

  it('keeps production data: no force-destroy, a longer key deletion window', () => {
    const prod = new Map(renderExample(lakeResources(model, stageConfig('strata', 'production'))).map((s) => [s.name, s.args as Record<string, unknown>]));
    for (const b of ['Bronze', 'Lake', 'AthenaResults', 'Logs']) expect(prod.get(`${b}Bucket`)!.forceDestroy).toBe(false);
    expect(args('LakeBucket').forceDestroy).toBe(true);
    expect(prod.get('LakeKey')!.deletionWindowInDays).toBe(30);
  });
});

describe('catalog', () => {
  it('has a database per layer named after app and stage', () => {
    expect(['SilverDatabase', 'GoldDatabase', 'QuarantineDatabase', 'StrataDatabase'].map((n) => args(n).name)).toEqual(['strata_dev_silver', 'strata_dev_gold', 'strata_dev_quarantine', 'strata_dev_strata']);
    expect(physicalNames({ app: 'strata', stage: 'pr-42' }).database('silver')).toBe('strata_pr_42_silver');
  });

  it('creates each table from the TableInput the runtime registers, located in the lake bucket', () => {
    for (const plan of model.plans) {
      const D = plan.dataset[0]!.toUpperCase() + plan.dataset.slice(1);
      // Unpartitioned tables point at the runtime's empty folder until their first register, never at the root.
      const silverAt = `s3://${LAKE}/silver/${plan.dataset}/${plan.partitions.length ? '' : EMPTY_FOLDER}`;
      expect(args(`${D}SilverTable`)).toEqual(tableArgs(plan.tables.silver, 'strata_dev_silver', silverAt));
      expect(args(`${D}QuarantineTable`)).toEqual(tableArgs(plan.tables.quarantine, 'strata_dev_quarantine', `s3://${LAKE}/quarantine/${plan.dataset}/`));
      expect(byName.get(`${D}SilverTable`)!.ignoreChanges).toEqual(['storageDescriptor', 'parameters', 'partitionKeys', 'description', 'owner']);
    }
    expect(args('AirportsSilverTable').storageDescriptor.location).toBe(`s3://${LAKE}/silver/airports/_empty/`);
    expect(EMPTY_FOLDER).toBe(RUNTIME_EMPTY_FOLDER);
    const flights = args('FlightsSilverTable');
    expect(flights.storageDescriptor.location).toBe(`s3://${LAKE}/silver/flights/`);
    expect(flights.partitionKeys).toEqual([{ name: 'dt', type: 'string', comment: 'day(departed_at)' }]);
    expect(flights.storageDescriptor.columns.map((c: { name: string }) => c.name)).toEqual(['departed_at', 'origin', 'destination', 'delay', 'distance']);
    // Written out, not built with tableArgs: an external Parquet table as Glue and Athena define one (Hive's Parquet
    // input/output formats and SerDe).
    expect(flights).toMatchObject({
      databaseName: 'strata_dev_silver', name: 'flights', tableType: 'EXTERNAL_TABLE', parameters: expect.objectContaining({ classification: 'parquet' }),
      storageDescriptor: {
        inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        serDeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      },
    });
    const gold = model.gold.find((g) => g.table === 'daily_delays')!;
    expect(args('DailyDelaysGoldTable')).toEqual(tableArgs(gold.glue, 'strata_dev_gold', `s3://${LAKE}/gold/daily_delays/`));
    // Written out too: the quarantine layout every dataset shares (a contract analysts query), and a gold table's
    // columns as its SQL gives them, partitioned by its grain's column.
    const columns = (n: string) => args(n).storageDescriptor.columns.map((c: { name: string; type: string }) => `${c.name} ${c.type}`);
    const PARQUET = {
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      serDeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    };
    expect(columns('FlightsQuarantineTable')).toEqual([
      'dataset string', 'run_id string', 'source string', 'record bigint', 'line bigint', 'raw string',
      'reasons array<struct<column:string,rule:string,value:string,message:string>>', 'quarantined_at timestamp',
    ]);
    expect(args('FlightsQuarantineTable')).toMatchObject({
      databaseName: 'strata_dev_quarantine', name: 'flights', tableType: 'EXTERNAL_TABLE', partitionKeys: [],
      parameters: { classification: 'parquet', 'strata.layer': 'quarantine', 'strata.dataset': 'flights' },
      storageDescriptor: { location: `s3://${LAKE}/quarantine/flights/`, ...PARQUET },
    });
    expect(columns('DailyDelaysGoldTable')).toEqual(['state string', 'flights bigint', 'avg_delay_min double', 'late_flights bigint']);
    expect(args('DailyDelaysGoldTable')).toMatchObject({
      databaseName: 'strata_dev_gold', name: 'daily_delays', tableType: 'EXTERNAL_TABLE', partitionKeys: [{ name: 'day', type: 'date' }],
      parameters: { classification: 'parquet', 'strata.layer': 'gold', 'strata.table': 'daily_delays', 'strata.owner_dataset': 'flights', 'strata.refresh': 'incremental' },
      storageDescriptor: { location: `s3://${LAKE}/gold/daily_delays/`, ...PARQUET },
    });
  });

  it('creates strata.runs exactly as the Glue adapter defines it, over every dataset\'s run records', () => {
    const expected = runsTableInput('strata_dev_strata', (key) => `s3://${LAKE}/${key}`);
    const runs = args('RunsTable');
    expect(runs).toEqual(tableArgs(expected.TableInput as never, 'strata_dev_strata', `s3://${LAKE}/_strata/runs/`));
    expect(runs).toMatchObject({ name: 'runs', tableType: 'EXTERNAL_TABLE', partitionKeys: [] });
    expect(runs.storageDescriptor.serDeInfo.parameters).toMatchObject({ 'mapping.run_id': 'runId', 'mapping.rows_in': 'rowsIn' });
    // Written out: JSON lines read by the OpenX SerDe, the columns analysts query (snake_case mapped to the records' keys).
    expect(runs.storageDescriptor).toMatchObject({
      inputFormat: 'org.apache.hadoop.mapred.TextInputFormat', serDeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
    });
    expect(runs.storageDescriptor.columns.map((c: { name: string }) => c.name)).toEqual([
      'run_id', 'dataset', 'status', 'source', 'started_at', 'finished_at', 'duration_ms', 'rows_in', 'rows_valid', 'rows_quarantined',
      'rows_superseded', 'partitions', 'timings', 'warnings', 'reasons', 'committed_by', 'error', 'quality', 'gold', 'execution',
    ]);
    expect(runs.storageDescriptor.columns.find((c: { name: string }) => c.name === 'rows_in').type).toBe('bigint');
    expect(byName.get('RunsTable')!.ignoreChanges).toBeUndefined();
  });

  it('creates strata.quality_metrics over the gates\' metric files, with the columns of the local view', () => {
    const expected = metricsTableInput('strata_dev_strata', (key) => `s3://${LAKE}/${key}`);
    const metrics = args('QualityMetricsTable');
    expect(metrics).toEqual(tableArgs(expected.TableInput as never, 'strata_dev_strata', `s3://${LAKE}/_strata/metrics/`));
    expect(metrics.storageDescriptor.columns.map((c: { name: string }) => c.name)).toEqual(
      ['layer', 'table_name', 'run_id', 'evaluated_at', 'halted', 'severity', 'rule', 'outcome', 'metric', 'value', 'message', 'operand']);
    expect(metrics.storageDescriptor.columns.filter((c: { type: string }) => c.type !== 'string').map((c: { name: string; type: string }) => `${c.name} ${c.type}`))
      .toEqual(['halted boolean', 'value double']);
    expect(metrics.storageDescriptor.serDeInfo.serializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
  });
});

describe('state machines', () => {
  it('deploys the rendered ASL with the ARNs of the dataset\'s own functions', () => {
    for (const plan of model.plans) {
      const D = plan.dataset[0]!.toUpperCase() + plan.dataset.slice(1);
      const expected = substituteResources(renderAsl(plan, { goldTables: goldTablesFor(model.gold, plan.dataset) }), (step) => fnArn(`strata-dev-${plan.dataset}-${step}`));
      const deployed = JSON.parse(args(`${D}StateMachine`).definition) as { States: Record<string, Record<string, any>> };
      expect(deployed).toEqual(expected);
      // Independently of renderAsl: each Task invokes its step's function of this dataset, and every failure path,
      // the Gold Map's included, is caught into RecordFailure (nothing else writes a run record in AWS).
      const STEP_OF: Record<string, string> = {
        Stage: 'stage', Resync: 'register', RejectFile: 'reject', SilverQuality: 'quality', HaltBatch: 'halt', CommitSilver: 'commit',
        RegisterSilver: 'register', RefreshGold: 'gold', RecordRun: 'record', RecordFailure: 'fail',
      };
      const catchAll = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }];
      const states: Record<string, Record<string, any>> = { ...deployed.States, ...deployed.States.Gold!.ItemProcessor?.States };
      for (const [name, state] of Object.entries(states).filter(([, st]) => st.Type === 'Task')) {
        expect({ name, resource: state.Resource }).toEqual({ name, resource: fnArn(`strata-dev-${plan.dataset}-${STEP_OF[name]}`) });
        const conflict = { ErrorEquals: ['Strata.CommitConflict'], ResultPath: '$.conflict', Next: 'CommitConflict' };
        if (name !== 'RecordFailure' && name !== 'RefreshGold') expect({ name, catch: state.Catch }).toEqual({ name, catch: name === 'CommitSilver' ? [conflict, ...catchAll] : catchAll });
      }
      if (deployed.States.Gold!.Type === 'Map') expect(deployed.States.Gold!.Catch).toEqual(catchAll);
      expect(args(`${D}StateMachine`)).toMatchObject({
        name: `strata-dev-${plan.dataset}`, type: 'STANDARD', roleArn: `arn:aws:iam::${ACCOUNT}:role/strata-dev-${plan.dataset}-states`,
        loggingConfiguration: { level: 'ERROR', includeExecutionData: false, logDestination: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/strata-dev-${plan.dataset}:*` },
        tracingConfiguration: { enabled: true },
      });
      expect(policyOf(`${D}StateMachinePolicy`).Statement[0]).toEqual({
        Sid: 'InvokeOwnFunctions', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: PIPELINE_STEPS_OF_EXAMPLES.map((s) => fnArn(`strata-dev-${plan.dataset}-${s}`)),
      });
    }
  });

  it('alarms on failed or timed-out executions to the alerts topic', () => {
    const alarm = args('FlightsFailedAlarm');
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:strata-dev-alerts`;
    expect(alarm).toMatchObject({ comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: 1, alarmActions: [topic], treatMissingData: 'notBreaching' });
    const sm = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:strata-dev-flights`;
    expect(alarm.metricQueries.map((q: { id: string; metric?: { metricName: string; dimensions: object } }) => [q.id, q.metric?.metricName, q.metric?.dimensions])).toEqual([
      ['total', undefined, undefined], ['failed', 'ExecutionsFailed', { StateMachineArn: sm }], ['timedout', 'ExecutionsTimedOut', { StateMachineArn: sm }],
    ]);
    expect(args('AlertsTopic').kmsMasterKeyId).toBe(KEY);
  });
});

describe('functions', () => {
  it('runs each step on Node 24 / arm64 with the DuckDB module installed, the schemas bundled and its own role', () => {
    expect(args('FlightsStageFunction')).toEqual({
      name: 'strata-dev-flights-stage', description: 'strata flights: stage (dev)', handler: 'functions/stage.handler',
      runtime: 'nodejs24.x', architecture: 'arm64', memory: '1769 MB', timeout: '900 seconds', storage: '2048 MB',
      role: `arn:aws:iam::${ACCOUNT}:role/strata-dev-flights-stage`,
      environment: {
        STRATA_DATASET: 'flights', STRATA_STEP: 'stage', STRATA_SCHEMAS: '/var/task/schemas',
        STRATA_BRONZE_BUCKET: BRONZE, STRATA_BRONZE_PREFIX: '', STRATA_LAKE_BUCKET: LAKE, STRATA_LAKE_PREFIX: '',
        STRATA_GLUE_SILVER_DATABASE: 'strata_dev_silver', STRATA_GLUE_GOLD_DATABASE: 'strata_dev_gold', STRATA_GLUE_QUARANTINE_DATABASE: 'strata_dev_quarantine',
        STRATA_DUCKDB_MEMORY: '796MB', HOME: '/tmp', STRATA_DUCKDB_MAX_TEMP_DIRECTORY_SIZE: '1024MB', STRATA_LOG_LEVEL: 'INFO',
      },
      copyFiles: [{ from: 'schemas', to: 'schemas' }],
      // DuckDB and its binding for Lambda's arm64, at the versions the project has installed.
      nodejs: { format: 'esm', install: { '@duckdb/node-api': installed('@duckdb/node-api'), '@duckdb/node-bindings-linux-arm64': installed('@duckdb/node-bindings') } },
      logging: { retention: '1 month', format: 'json' },
      dev: false,
    });
    // Light steps: small, with their shorter timeouts.
    expect(args('FlightsRegisterFunction')).toMatchObject({ memory: '512 MB', timeout: '300 seconds', storage: '512 MB' });
    expect(args('FlightsRecordFunction')).toMatchObject({ memory: '512 MB', timeout: '120 seconds' });
    expect(args('FlightsRegisterFunction').environment.STRATA_DUCKDB_MEMORY).toBeUndefined();
    expect(args('FlightsRegisterFunction').environment.STRATA_DUCKDB_MAX_TEMP_DIRECTORY_SIZE).toBeUndefined();
  });

  it('sizes DuckDB steps from the schema\'s lambda: settings', async () => {
    const text = `dataset: big\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint }\nlambda: { memory: 4096, timeoutSeconds: 600, ephemeralStorageMb: 8192 }\n`;
    const project = await checkProjectAsync([{ file: 'schemas/big.yaml', text }]);
    const big = renderExample(lakeResources(lakeModel([compile(project.schemas[0]!.spec)], []), stageConfig('strata', 'dev')));
    const a = (n: string) => big.find((s) => s.name === n)!.args as Record<string, any>;
    expect(a('BigStageFunction')).toMatchObject({ memory: '4096 MB', timeout: '600 seconds', storage: '8192 MB' });
    expect(a('BigStageFunction').environment.STRATA_DUCKDB_MEMORY).toBe('1843MB');
    expect(a('BigStageFunction').environment.STRATA_DUCKDB_MAX_TEMP_DIRECTORY_SIZE).toBe('4096MB'); // half of 8192
    expect(a('BigCommitFunction')).toMatchObject({ memory: '4096 MB', timeout: '600 seconds', storage: '8192 MB' });
    expect(a('BigRecordFunction')).toMatchObject({ memory: '512 MB', timeout: '120 seconds' });
    expect(big.some((s) => s.name === 'BigGoldFunction')).toBe(false); // no gold table reads it
  });

  it('gives the trigger the stage\'s naming rule and the bronze location, no list of datasets', () => {
    const trigger = args('TriggerFunction');
    expect(trigger).toMatchObject({ handler: 'functions/trigger.handler', runtime: 'nodejs24.x', architecture: 'arm64', role: `arn:aws:iam::${ACCOUNT}:role/strata-dev-trigger` });
    expect(trigger.environment).toEqual({ STRATA_APP: 'strata', STRATA_STAGE: 'dev', STRATA_BRONZE_BUCKET: BRONZE, STRATA_BRONZE_PREFIX: '', STRATA_LOG_LEVEL: 'INFO' });
    expect(trigger.nodejs.install).toBeUndefined();
  });
});

/** EventBridge content filtering, as far as our patterns use it (exact values and prefix). */
function matches(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((p) => (p && typeof p === 'object' && 'prefix' in p ? typeof event === 'string' && event.startsWith((p as { prefix: string }).prefix) : p === event));
  }
  if (pattern && typeof pattern === 'object') {
    return Object.entries(pattern).every(([k, p]) => event !== null && typeof event === 'object' && matches(p, (event as Record<string, unknown>)[k]));
  }
  return false;
}

describe('EventBridge', () => {
  const created = (bucket: string, key: string) => ({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: bucket }, object: { key, size: 5, etag: 'e' } } });

  it('matches Object Created under the dataset\'s bronze prefix in the bronze bucket, and nothing else', () => {
    const flights = JSON.parse(args('FlightsBronzeRule').eventPattern);
    expect(flights).toEqual({ source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [BRONZE] }, object: { key: [{ prefix: 'bronze/flights/' }] } } });
    expect(matches(flights, created(BRONZE, 'bronze/flights/2001-01.json'))).toBe(true);
    expect(matches(flights, created(BRONZE, 'bronze/flights/sub/2001-01.json'))).toBe(true);
    for (const key of ['bronze/airports/a.csv', 'bronze/flights_archive/x.json', 'bronze/flightsx', 'silver/flights/x.parquet', 'flights/x.json']) {
      expect({ key, hit: matches(flights, created(BRONZE, key)) }).toEqual({ key, hit: false });
    }
    expect(matches(flights, created(LAKE, 'bronze/flights/x.json'))).toBe(false);
    expect(matches(flights, { ...created(BRONZE, 'bronze/flights/x.json'), 'detail-type': 'Object Deleted' })).toBe(false);
    // Exactly one rule takes any upload.
    const rules = model.plans.map((p) => JSON.parse(args(`${p.dataset[0]!.toUpperCase()}${p.dataset.slice(1)}BronzeRule`).eventPattern));
    expect(rules.filter((r) => matches(r, created(BRONZE, 'bronze/movies/m.json')))).toHaveLength(1);
  });

  it('sends events to the trigger with retries and a dead-letter queue, allowed for the stage\'s rules only', () => {
    const dlq = `arn:aws:sqs:${REGION}:${ACCOUNT}:strata-dev-trigger-dead-letters`;
    const rules = `arn:aws:events:${REGION}:${ACCOUNT}:rule/strata-dev-*`;
    expect(args('FlightsBronzeTarget')).toEqual({
      rule: 'strata-dev-flights-bronze', arn: fnArn('strata-dev-trigger'), deadLetterConfig: { arn: dlq },
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
    });
    expect(args('TriggerPermission')).toEqual({ action: 'lambda:InvokeFunction', function: 'strata-dev-trigger', principal: 'events.amazonaws.com', sourceArn: rules, sourceAccount: ACCOUNT });
    // Every dataset's rule falls under the pattern.
    for (const p of model.plans) expect(`arn:aws:events:${REGION}:${ACCOUNT}:rule/${physicalNames({ app: 'strata', stage: 'dev' }).rule(p.dataset)}`).toMatch(/^arn:aws:events:eu-west-1:123456789012:rule\/strata-dev-/);
    expect(args('TriggerInvokeConfig')).toEqual({ functionName: 'strata-dev-trigger', maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21600, destinationConfig: { onFailure: { destination: dlq } } });
    expect(policyOf('TriggerDeadLettersPolicy').Statement).toEqual([{
      Sid: 'EventBridgeDeadLetters', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: dlq,
      Condition: { ArnLike: { 'aws:SourceArn': rules }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    }]);
    expect(args('TriggerDeadLettersAlarm')).toMatchObject({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'strata-dev-trigger-dead-letters' } });
  });
});

describe('IAM', () => {
  it('grants the flights stage function exactly its logs, its bronze prefix, its manifest and source markers, its staging folder and the key through S3', () => {
    expect(policyOf('FlightsStagePolicy').Statement).toEqual([
      { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/strata-dev-flights-stage:*`] },
      { Sid: 'BronzeRead', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [`arn:aws:s3:::${BRONZE}/bronze/flights/*`] },
      { Sid: 'BronzeList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${BRONZE}`], Condition: { StringLike: { 's3:prefix': ['bronze/flights/*'] } } },
      { Sid: 'LakeRead', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${LAKE}/silver/flights/_strata/manifest.json`, `arn:aws:s3:::${LAKE}/_strata/sources/silver/flights/*`, `arn:aws:s3:::${LAKE}/_strata/contents/silver/flights/*`] },
      { Sid: 'LakeWrite', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: [`arn:aws:s3:::${LAKE}/staging/flights/*`] },
      { Sid: 'LakeList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${LAKE}`], Condition: { StringLike: { 's3:prefix': ['silver/flights/_strata/*', '_strata/sources/silver/flights/*', '_strata/contents/silver/flights/*'] } } },
      { Sid: 'LakeKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [KEY], Condition: { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } } },
    ]);
  });

  it('scopes Glue to the register step\'s own tables', () => {
    const glue = `arn:aws:glue:${REGION}:${ACCOUNT}`;
    expect(policyOf('FlightsRegisterPolicy').Statement.filter((s: { Sid: string }) => s.Sid.startsWith('Catalog'))).toEqual([
      { Sid: 'CatalogTables', Effect: 'Allow', Action: ['glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'], Resource: [`${glue}:catalog`, `${glue}:database/strata_dev_silver`, `${glue}:table/strata_dev_silver/flights`, `${glue}:database/strata_dev_quarantine`, `${glue}:table/strata_dev_quarantine/flights`] },
      { Sid: 'CatalogPartitions', Effect: 'Allow', Action: ['glue:GetPartitions', 'glue:BatchCreatePartition', 'glue:BatchUpdatePartition', 'glue:BatchDeletePartition'], Resource: [`${glue}:catalog`, `${glue}:database/strata_dev_silver`, `${glue}:table/strata_dev_silver/flights`] },
    ]);
  });

  it('lets the trigger start the stage\'s state machines, look at bronze objects and dead-letter, nothing else', () => {
    expect(policyOf('TriggerPolicy').Statement.slice(1)).toEqual([
      { Sid: 'StartStageExecutions', Effect: 'Allow', Action: ['states:StartExecution'], Resource: [`arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:strata-dev-*`] },
      { Sid: 'BronzeHead', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [`arn:aws:s3:::${BRONZE}/bronze/*`] },
      { Sid: 'BronzeList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${BRONZE}`], Condition: { StringLike: { 's3:prefix': ['bronze/*'] } } },
      { Sid: 'DeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:strata-dev-trigger-dead-letters` },
    ]);
  });

  it('trusts only Lambda for function roles, and only this account\'s Step Functions for state machine roles and Scheduler for schedule roles', () => {
    for (const s of specs.filter((x) => x.type === 'aws.iam.Role')) {
      const trust = JSON.parse((s.args as { assumeRolePolicy: string }).assumeRolePolicy);
      const service = s.name.endsWith('StateMachineRole') ? 'states.amazonaws.com' : s.name.endsWith('ScheduleRole') ? 'scheduler.amazonaws.com' : 'lambda.amazonaws.com';
      expect(trust.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', ...(service !== 'lambda.amazonaws.com' ? { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } } : {}) }]);
    }
  });
});

describe('Athena', () => {
  it('enforces the analysts\' workgroup: engine v3, encrypted results, a scan limit', () => {
    expect(args('AnalystsWorkgroup')).toEqual({
      name: 'strata-dev-analysts', description: expect.any(String), state: 'ENABLED', forceDestroy: true,
      configuration: {
        enforceWorkgroupConfiguration: true, publishCloudwatchMetricsEnabled: true, bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: { outputLocation: `s3://${RESULTS}/analysts/`, encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: KEY }, expectedBucketOwner: ACCOUNT },
      },
    });
    expect(byName.has('PipelineWorkgroup')).toBe(false); // no example gold table runs on Athena
    const capped = renderExample(lakeResources(model, stageConfig('strata', 'dev', { STRATA_ATHENA_BYTES_PER_QUERY: '1073741824' })));
    expect((capped.find((s) => s.name === 'AnalystsWorkgroup')!.args as any).configuration.bytesScannedCutoffPerQuery).toBe(1073741824);
    expect(() => stageConfig('strata', 'dev', { STRATA_ATHENA_BYTES_PER_QUERY: '1000' })).toThrow(/minimum/);
  });

  it('gives analysts a read-only gold policy: query in their workgroup, read gold, write only their results', () => {
    const glue = `arn:aws:glue:${REGION}:${ACCOUNT}`;
    const statements = policyOf('GoldReaderPolicy').Statement as Array<{ Sid: string; Action: string | string[]; Resource: string | string[] }>;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.QueryInAnalystsWorkgroup!.Resource).toBe(`arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/strata-dev-analysts`);
    expect(bySid.ReadGoldCatalog!.Resource).toEqual([`${glue}:catalog`, `${glue}:database/strata_dev_gold`, `${glue}:table/strata_dev_gold/*`]);
    expect(bySid.ReadGoldFiles).toMatchObject({ Action: 's3:GetObject', Resource: `arn:aws:s3:::${LAKE}/gold/*` });
    expect(bySid.WriteOwnQueryResults!.Resource).toBe(`arn:aws:s3:::${RESULTS}/analysts/*`);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => /^(s3:(Put|Delete)|glue:(Create|Update|Delete|Batch(Create|Update|Delete)))/.test(a))).toEqual(['s3:PutObject']);
  });

  it('adds a pipeline workgroup, and Athena rights to the gold function, when a gold table runs on Athena', async () => {
    const text = (ds: string, gold = '') => `dataset: ${ds}\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint }\n  - { name: day, type: date }\n${gold}`;
    const project = await checkProjectAsync([{ file: 'schemas/events.yaml', text: text('events', 'gold:\n  - table: daily\n    engine: athena\n    refresh: full\n    sql: SELECT day, COUNT(*) AS n FROM silver.events GROUP BY 1\n') }]);
    const plans = project.schemas.map((s) => compile(s.spec));
    const lake = renderExample(lakeResources(lakeModel(plans, (await analyzeGold(plans)).plans), stageConfig('strata', 'dev')));
    const a = (n: string) => lake.find((s) => s.name === n)!.args as Record<string, any>;
    expect(a('PipelineWorkgroup').configuration).toMatchObject({ enforceWorkgroupConfiguration: true, resultConfiguration: { outputLocation: `s3://${RESULTS}/pipeline/` } });
    expect(a('PipelineWorkgroup').configuration.bytesScannedCutoffPerQuery).toBeUndefined();
    expect(a('EventsGoldFunction').environment.STRATA_ATHENA_WORKGROUP).toBe('strata-dev-pipeline');
    const sids = JSON.parse(a('EventsGoldPolicy').policy).Statement.map((s: { Sid: string }) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(['AthenaQueries', 'AthenaCatalogRead', 'AthenaBuckets', 'AthenaResultsRead', 'AthenaResultsWrite', 'AthenaResultsList']));
    expect(a('EventsStageFunction').environment.STRATA_ATHENA_WORKGROUP).toBeUndefined();
  });
});

describe('names', () => {
  it('fit every service limit, distinct even when cut', () => {
    const n = physicalNames({ app: 'strata', stage: 'feature-very-long-branch-name-for-testing-limits' });
    const a = n.function('a_dataset_with_a_rather_long_name', 'register');
    const b = n.function('a_dataset_with_a_rather_long_name_too', 'register');
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
    expect(n.bucketPrefix('results').length).toBeLessThanOrEqual(37);
    expect(n.bucketPrefix('results')).toMatch(/^[a-z0-9-]+-$/);
    expect(fit('short', 64)).toBe('short');
  });
});

describe('the model sst.config.ts loads', () => {
  it('is what describeProject computes, from a child process running the project\'s Node', () => {
    expect(loadModel(process.cwd())).toEqual(JSON.parse(JSON.stringify(model)));
  });

  it('refuses a schema folder with errors, with strata check\'s messages', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-stacks-'));
    try {
      await mkdir(join(root, 'schemas'));
      await writeFile(join(root, 'schemas', 'bad.yaml'), 'dataset: bad\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigintt }\n');
      expect(() => loadModel(process.cwd(), join(root, 'schemas'))).toThrow(/schema files have errors[\s\S]*bad\.yaml/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

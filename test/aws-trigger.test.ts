// The S3 → Step Functions trigger against mocked SFN and S3 clients: deterministic execution names, the exact
// execution input, duplicate deliveries, and everything it must ignore.
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTriggerHandler, triggerConfigFromEnv, type TriggerConfig } from '../functions/trigger.ts';
import { executionName } from '../functions/lib/execution-name.ts';
import { localLambdaContext } from '../functions/lib/step.ts';

const ORDERS = 'arn:aws:states:eu-west-1:111122223333:stateMachine:strata-dev-orders';
const TRIGGER_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:strata-dev-trigger';
const config: TriggerConfig = triggerConfigFromEnv({ STRATA_APP: 'strata', STRATA_STAGE: 'dev', STRATA_BRONZE_BUCKET: 'raw-bucket', STRATA_BRONZE_PREFIX: 'in/' }, TRIGGER_ARN);

const objectCreated = (key: string, object: Record<string, unknown> = {}, bucket = 'raw-bucket') => ({
  version: '0', id: '17793124-05d4-b198-2fde-7ededc63b103', 'detail-type': 'Object Created', source: 'aws.s3',
  account: '111122223333', time: '2025-06-15T10:20:30Z', region: 'eu-west-1', resources: [`arn:aws:s3:::${bucket}`],
  detail: {
    version: '0', bucket: { name: bucket },
    object: { key, size: 1234, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '617f08299329d189', ...object },
    'request-id': 'N4N7GDK58NMKJ12R', requester: '111122223333', 'source-ip-address': '1.2.3.4', reason: 'PutObject',
  },
});

let sfn: SFNClient;
let s3: S3Client;
let sfnMock: AwsClientStub<SFNClient>;
let s3Mock: AwsClientStub<S3Client>;
let handler: ReturnType<typeof createTriggerHandler>;
const ctx = localLambdaContext('strata-trigger');

beforeEach(() => {
  const creds = { region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };
  sfn = new SFNClient(creds);
  s3 = new S3Client(creds);
  sfnMock = mockClient(sfn);
  s3Mock = mockClient(s3);
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
  handler = createTriggerHandler({ sfn, s3, config });
});
afterEach(() => { sfnMock.restore(); s3Mock.restore(); });

describe('executionName', () => {
  it('is stable, at most 80 characters of [A-Za-z0-9-_], readable, and distinct per version', () => {
    const a = executionName('raw-bucket', 'in/bronze/orders/2025-06-15 daily été.csv', 'v1', 'orders');
    expect(a).toBe(executionName('raw-bucket', 'in/bronze/orders/2025-06-15 daily été.csv', 'v1', 'orders'));
    expect(a).toMatch(/^orders-2025-06-15_daily_ete_csv-[0-9a-f]{20}$/);
    expect(executionName('raw-bucket', 'in/bronze/orders/2025-06-15 daily été.csv', 'v2', 'orders')).not.toBe(a);
    expect(executionName('other-bucket', 'in/bronze/orders/2025-06-15 daily été.csv', 'v1', 'orders')).not.toBe(a);
    const long = executionName('b', `bronze/${'d'.repeat(63)}/${'f'.repeat(300)}.csv`, 'e', 'd'.repeat(63));
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(executionName('b', 'bronze/orders/%%%.csv', 'e', 'orders')).toMatch(/^orders-csv-[0-9a-f]{20}$/);
  });
});

describe('trigger', () => {
  it('starts one execution with the decoded key, a deterministic name and the RunInput from the event', async () => {
    const realKey = 'in/bronze/orders/2025-06-15 daily été.csv';
    s3Mock.on(HeadObjectCommand, { Bucket: 'raw-bucket', Key: realKey }).resolves({ ETag: '"b1946ac92492d2347c6235b4d2611184"' });
    const out = await handler(objectCreated('in/bronze/orders/2025-06-15+daily+%C3%A9t%C3%A9.csv', { 'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e' }), ctx);

    const name = executionName('raw-bucket', realKey, 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e', 'orders');
    expect(out).toEqual({ started: [name], alreadyStarted: [], ignored: [] });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'raw-bucket', Key: realKey, VersionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e' });
    const call = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(call).toEqual({ stateMachineArn: ORDERS, name, input: expect.any(String) });
    expect(JSON.parse(call.input!)).toEqual({
      dataset: 'orders',
      runId: name,
      source: { key: 'bronze/orders/2025-06-15 daily été.csv', versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e', etag: 'b1946ac92492d2347c6235b4d2611184', size: 1234 },
      now: '2025-06-15T10:20:30.000Z',
      startedAt: '2025-06-15T10:20:30.000Z',
    });
  });

  it('takes the key as sent when only that reading names the object (EventBridge keys that were not encoded)', async () => {
    s3Mock.on(HeadObjectCommand, { Key: 'in/bronze/orders/a b.csv' }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    s3Mock.on(HeadObjectCommand, { Key: 'in/bronze/orders/a+b.csv' }).resolves({ ETag: '"b1946ac92492d2347c6235b4d2611184"' });
    await handler(objectCreated('in/bronze/orders/a+b.csv'), ctx);
    expect(JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!).source.key).toBe('bronze/orders/a+b.csv');
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input.name)
      .toBe(executionName('raw-bucket', 'in/bronze/orders/a+b.csv', 'b1946ac92492d2347c6235b4d2611184', 'orders'));
  });

  it('fails clearly (for a retry, and a fix of its permissions) when S3 will not say which reading exists', async () => {
    s3Mock.on(HeadObjectCommand).rejects(Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }));
    await expect(handler(objectCreated('in/bronze/orders/a+b.csv'), ctx)).rejects.toThrow(/HeadObject was denied .*s3:ListBucket on s3:\/\/raw-bucket/);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('decodes S3 notification keys as documented, without asking S3', async () => {
    const out = await handler({ Records: [{
      eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: '2025-06-15T10:20:30.123Z',
      s3: { bucket: { name: 'raw-bucket' }, object: { key: 'in/bronze/orders/a+b%2Bc.csv', size: 5, eTag: 'e1', sequencer: '01' } },
    }] }, ctx);
    expect(out.started).toHaveLength(1);
    expect(s3Mock.calls()).toHaveLength(0);
    const input = JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    expect(input).toMatchObject({ source: { key: 'bronze/orders/a b+c.csv', etag: 'e1', size: 5 }, now: '2025-06-15T10:20:30.123Z' });
  });

  it('treats a duplicate delivery (ExecutionAlreadyExists) as already started, with the same name', async () => {
    const event = objectCreated('in/bronze/orders/2025-06-15.csv');
    const first = await handler(event, ctx);
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: { httpStatusCode: 400 } }));
    const again = await handler(event, ctx);
    expect(again).toEqual({ started: [], alreadyStarted: first.started, ignored: [] });
    const [a, b] = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(b).toEqual(a); // same name and byte-identical input: Step Functions de-duplicates it
  });

  it('ignores datasets without a state machine (without failing), folder markers, other buckets and keys outside bronze', async () => {
    sfnMock.on(StartExecutionCommand, { stateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:strata-dev-payments' })
      .rejects(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: { httpStatusCode: 400 } }));
    const out = await handler({ Records: [
      ['raw-bucket', 'in/bronze/payments/p.csv'],
      ['raw-bucket', 'in/bronze/Payments/p.csv'],
      ['raw-bucket', 'in/bronze/orders/'],
      ['other-bucket', 'in/bronze/orders/a.csv'],
      ['raw-bucket', 'in/silver/orders/x.parquet'],
      ['raw-bucket', 'elsewhere/bronze/orders/a.csv'],
      ['raw-bucket', 'in/bronze/orders.csv'],
    ].map(([bucket, key]) => ({
      eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: '2025-06-15T10:20:30Z',
      s3: { bucket: { name: bucket }, object: { key, size: key!.endsWith('/') ? 0 : 3, eTag: 'e' } },
    })) }, ctx);
    expect(out.started).toEqual([]);
    expect(out.ignored.map((i) => i.reason)).toEqual([
      'no state machine for dataset "payments" (arn:aws:states:eu-west-1:111122223333:stateMachine:strata-dev-payments)',
      'no state machine for dataset "Payments"',
      'folder marker',
      'bucket is not the bronze bucket raw-bucket',
      'not under bronze/<dataset>/',
      'outside the bronze prefix "in/"',
      'not under bronze/<dataset>/',
    ]);
    expect(sfnMock.calls()).toHaveLength(1); // payments: asked, and it does not exist
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('ignores events that are not Object Created, and fails (for a retry) when Step Functions fails', async () => {
    expect(await handler({ 'detail-type': 'Object Deleted', source: 'aws.s3', detail: {} }, ctx)).toEqual({ started: [], alreadyStarted: [], ignored: [] });
    sfnMock.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    await expect(handler(objectCreated('in/bronze/orders/a.csv'), ctx)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('derives each state machine\'s ARN from the stage\'s naming rule and its own ARN, not from a list', () => {
    const env = { STRATA_APP: 'strata', STRATA_STAGE: 'dev', STRATA_BRONZE_BUCKET: 'raw-bucket', STRATA_BRONZE_PREFIX: 'in' };
    const cfg = triggerConfigFromEnv(env, TRIGGER_ARN);
    expect({ bucket: cfg.bronzeBucket, prefix: cfg.bronzePrefix }).toEqual({ bucket: 'raw-bucket', prefix: 'in/' });
    expect(cfg.stateMachineArn('orders')).toBe(ORDERS);
    expect(cfg.stateMachineArn('order_lines')).toBe('arn:aws:states:eu-west-1:111122223333:stateMachine:strata-dev-order-lines');
    // Another partition and region, a qualified ARN (an alias or version invoked).
    expect(triggerConfigFromEnv({ ...env, STRATA_STAGE: 'prod' }, 'arn:aws-cn:lambda:cn-north-1:444455556666:function:strata-prod-trigger:live').stateMachineArn('orders'))
      .toBe('arn:aws-cn:states:cn-north-1:444455556666:stateMachine:strata-prod-orders');
    expect(triggerConfigFromEnv({ ...env, STRATA_BRONZE_PREFIX: undefined }, TRIGGER_ARN).bronzePrefix).toBe('');
    expect(() => triggerConfigFromEnv({ ...env, STRATA_STAGE: undefined }, TRIGGER_ARN)).toThrow(/STRATA_STAGE/);
    expect(() => triggerConfigFromEnv({ ...env, STRATA_BRONZE_BUCKET: undefined }, TRIGGER_ARN)).toThrow(/STRATA_BRONZE_BUCKET/);
    expect(() => triggerConfigFromEnv(env, 'strata-dev-trigger')).toThrow(/function ARN/);
  });
});

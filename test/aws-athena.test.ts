// Athena query runner against a mocked Athena client: start, polling, failures, paging, typed values.
import {
  AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, TooManyRequestsException,
  type ColumnInfo, type GetQueryExecutionOutput, type QueryExecutionState, type QueryExecutionStatus, type Row,
} from '@aws-sdk/client-athena';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { athenaValue } from '../runtime/aws/athena-values.ts';
import { AthenaQueryRunner } from '../runtime/engine/athena.ts';
import { isTransient } from '../functions/lib/errors.ts';

let client: AthenaClient;
let mock: AwsClientStub<AthenaClient>;
let sleeps: number[];
let runner: AthenaQueryRunner;

const col = (Name: string, Type: string): ColumnInfo => ({ Name, Label: Name, Type });
const row = (...v: Array<string | undefined>): Row => ({ Data: v.map((x) => (x === undefined ? {} : { VarCharValue: x })) });
const state = (State: QueryExecutionState, extra: Omit<QueryExecutionStatus, 'State'> = {}): GetQueryExecutionOutput =>
  ({ QueryExecution: { QueryExecutionId: 'q1', StatementType: 'DML', Status: { State, ...extra } } });

beforeEach(() => {
  client = new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  mock = mockClient(client);
  sleeps = [];
  runner = new AthenaQueryRunner({
    client, workgroup: 'strata-dev', database: 'lake_gold', outputLocation: 's3://results/athena/',
    pollMs: { initial: 100, max: 1000 }, sleep: async (ms) => { sleeps.push(ms); },
  });
  mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
});
afterEach(() => mock.restore());

describe('AthenaQueryRunner', () => {
  it('starts with workgroup, context and output location, then polls QUEUED → RUNNING → SUCCEEDED with backoff', async () => {
    mock.on(GetQueryExecutionCommand)
      .resolvesOnce(state('QUEUED')).resolvesOnce(state('RUNNING')).resolvesOnce(state('RUNNING')).resolvesOnce(state('RUNNING'))
      .resolves({ QueryExecution: { ...state('SUCCEEDED').QueryExecution, Statistics: { DataScannedInBytes: 2048, EngineExecutionTimeInMillis: 900, TotalExecutionTimeInMillis: 1200, QueryQueueTimeInMillis: 50 } } });
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [col('n', 'bigint')] }, Rows: [row('n'), row('3')] } });

    const r = await runner.run('SELECT count(*) AS n FROM daily');

    expect(mock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: 'SELECT count(*) AS n FROM daily', WorkGroup: 'strata-dev', ClientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      QueryExecutionContext: { Database: 'lake_gold' }, ResultConfiguration: { OutputLocation: 's3://results/athena/' },
    });
    expect(sleeps).toEqual([100, 200, 400, 800, 1000]);
    expect(mock.commandCalls(GetQueryExecutionCommand).map((c) => c.args[0].input)).toEqual(Array(5).fill({ QueryExecutionId: 'q1' }));
    expect(r).toEqual({ queryId: 'q1', columns: [{ name: 'n', type: 'bigint' }], rows: [{ n: 3 }], stats: { dataScannedBytes: 2048, engineMs: 900, totalMs: 1200, queueMs: 50 } });
  });

  it('refuses a query longer than Athena takes (262,144 bytes, a quota AWS does not raise) before sending it; one of exactly that length is sent', async () => {
    mock.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    const of = (bytes: number) => `SELECT '${'é'.repeat((bytes - 9) / 2)}'`; // SELECT '' is 9 bytes, é 2 in UTF-8
    await runner.run(of(262_143));
    await expect(runner.run(of(262_145))).rejects.toMatchObject({ name: 'Strata.LimitExceeded', message: expect.stringMatching(/^an Athena query of 262,145 bytes, over the 262,144 bytes Athena takes \(its query string quota, which AWS does not raise\); nothing was sent: SELECT 'é/) });
    expect(mock.commandCalls(StartQueryExecutionCommand).map((c) => Buffer.byteLength(c.args[0].input.QueryString!))).toEqual([262_143]);
  });

  it('sends no ResultConfiguration or context when none is configured (the workgroup decides)', async () => {
    runner = new AthenaQueryRunner({ client, workgroup: 'wg', sleep: async () => {} });
    mock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { StatementType: 'DDL', Status: { State: 'SUCCEEDED' } } });
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    expect((await runner.run('CREATE DATABASE x')).rows).toEqual([]);
    expect(mock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({ QueryString: 'CREATE DATABASE x', WorkGroup: 'wg', ClientRequestToken: expect.any(String) });
  });

  it('pages through results with NextToken; only the first row of the first page is the header', async () => {
    mock.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    const meta = { ColumnInfo: [col('day', 'date'), col('state', 'varchar')] };
    mock.on(GetQueryResultsCommand, { NextToken: undefined }).resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row('day', 'state'), row('2025-06-15', 'CA')] }, NextToken: 'p2' });
    // A data row that happens to equal the column names on a later page is data.
    mock.on(GetQueryResultsCommand, { NextToken: 'p2' }).resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row('day', 'state'), row('2025-06-16', undefined)] } });
    const r = await runner.run('SELECT day, state FROM t');
    expect(r.rows).toEqual([{ day: '2025-06-15', state: 'CA' }, { day: 'day', state: 'state' }, { day: '2025-06-16', state: null }]);
    expect(mock.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: 'q1', MaxResults: 1000 },
      { QueryExecutionId: 'q1', MaxResults: 1000, NextToken: 'p2' },
    ]);
  });

  it('keeps every row of DDL and utility results, which have no header', async () => {
    mock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { StatementType: 'UTILITY', Status: { State: 'SUCCEEDED' } } });
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [col('tab_name', 'string')] }, Rows: [row('orders'), row('customers')] } });
    expect((await runner.run('SHOW TABLES')).rows).toEqual([{ tab_name: 'orders' }, { tab_name: 'customers' }]);
  });

  it('converts values by column type', async () => {
    mock.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    const cols = [col('i', 'integer'), col('b', 'bigint'), col('big', 'bigint'), col('t', 'tinyint'), col('s', 'smallint'), col('d', 'double'),
      col('r', 'real'), col('f', 'float'), col('dec', 'decimal(38,2)'), col('ok', 'boolean'), col('v', 'varchar'), col('c', 'char(2)'),
      col('dt', 'date'), col('ts', 'timestamp(3)'), col('j', 'json'), col('a', 'array(integer)'), col('n', 'integer'), col('e', 'varchar')];
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: cols }, Rows: [
      row(...cols.map((c) => c.Name!)),
      row('-7', '9007199254740991', '9223372036854775807', '1', '300', '2.5', 'NaN', '-Infinity', '12345678901234567890.12', 'true', 'x', 'DE',
        '2025-06-15', '2025-06-15 10:00:00.000', '{"a":1}', '[1, 2]', undefined, ''),
    ] } });
    const [r] = (await runner.run('SELECT …')).rows;
    expect(r).toEqual({
      i: -7, b: 9007199254740991, big: '9223372036854775807', t: 1, s: 300, d: 2.5, r: NaN, f: -Infinity, dec: '12345678901234567890.12',
      ok: true, v: 'x', c: 'DE', dt: '2025-06-15', ts: '2025-06-15 10:00:00.000', j: '{"a":1}', a: '[1, 2]', n: null, e: '',
    });
    expect(athenaValue('boolean', 'false')).toBe(false);
  });

  it('throws Athena\'s reason with the error category and type when the query FAILED', async () => {
    mock.on(GetQueryExecutionCommand).resolvesOnce(state('RUNNING')).resolves(state('FAILED', {
      StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved",
      AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false },
    }));
    const err = await runner.run('SELECT x FROM t').catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'AthenaQueryError', queryId: 'q1', state: 'FAILED', category: 2, errorType: 1006,
      message: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved (Athena error category 2 user, type 1006)",
    });
    expect(isTransient(err)).toBe(false);
    expect(mock.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('marks failures Athena calls retryable as transient, and reports a cancelled query', async () => {
    mock.on(GetQueryExecutionCommand).resolvesOnce(state('FAILED', { StateChangeReason: 'Query exhausted resources at this scale factor', AthenaError: { ErrorCategory: 1, ErrorType: 401, Retryable: true } }))
      .resolves(state('CANCELLED', { StateChangeReason: 'Query cancelled by user' }));
    expect(isTransient(await runner.run('SELECT 1').catch((e: unknown) => e))).toBe(true);
    await expect(runner.run('SELECT 1')).rejects.toMatchObject({ state: 'CANCELLED', message: 'Query cancelled by user' });
  });

  it('retries a throttled start with backoff, with the same idempotency token', async () => {
    const tooMany = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    mock.on(StartQueryExecutionCommand).rejectsOnce(tooMany()).rejectsOnce(tooMany()).resolves({ QueryExecutionId: 'q1' });
    mock.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    expect((await runner.run('SELECT 1')).queryId).toBe('q1');
    const starts = mock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(starts).toHaveLength(3);
    expect(new Set(starts.map((s) => s.ClientRequestToken)).size).toBe(1);
    expect(sleeps.slice(0, 2).every((ms) => ms >= 125)).toBe(true);
    expect(sleeps[1]!).toBeGreaterThanOrEqual(250);

    mock.on(StartQueryExecutionCommand).rejects(tooMany());
    const err = await runner.run('SELECT 1').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TooManyRequestsException' });
    expect(isTransient(err)).toBe(true);
  });
});

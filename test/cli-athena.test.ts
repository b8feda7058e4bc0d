// strata query --athena: the local SQL, with silver./gold. names turned into the stage's Glue databases, sent to
// the stage's analysts' workgroup. The Athena client is mocked; the exact StartQueryExecution request is asserted.
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { athenaSql, queryAthena } from '../cli/athena-query.ts';
import { athenaHint } from '../cli/commands/query.ts';

const client = new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const mock = mockClient(client);
afterAll(() => mock.restore());

describe('strata query --athena', () => {
  it('translates silver./gold. references only, leaving strings and other names alone', async () => {
    const sql = `SELECT g.day, 'gold.daily_delays' AS label, a.state FROM gold.daily_delays g JOIN silver.airports a ON a.state = g.state WHERE g.day > DATE '2001-01-01'`;
    expect(await athenaSql(sql, { app: 'strata', stage: 'dev' })).toBe(
      `SELECT g.day, 'gold.daily_delays' AS label, a.state FROM "strata_dev_gold"."daily_delays" g JOIN "strata_dev_silver"."airports" a ON a.state = g.state WHERE g.day > DATE '2001-01-01'`);
    expect(await athenaSql('SELECT 1 FROM gold.t', { app: 'Lake', stage: 'pr-12' })).toBe('SELECT 1 FROM "lake_pr_12_gold"."t"');
  });

  it('runs in the analysts\' workgroup of the stage and returns typed rows', async () => {
    mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q9' });
    mock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: 'q9', StatementType: 'DML', Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1024 } } });
    mock.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'state', Type: 'varchar' }, { Name: 'n', Type: 'bigint' }] },
        Rows: [{ Data: [{ VarCharValue: 'state' }, { VarCharValue: 'n' }] }, { Data: [{ VarCharValue: 'CA' }, { VarCharValue: '42' }] }],
      },
    });
    const r = await queryAthena('SELECT state, count(*) AS n FROM gold.daily_delays GROUP BY 1', { app: 'strata', stage: 'prod' }, client);
    const start = mock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start).toMatchObject({ WorkGroup: 'strata-prod-analysts', QueryString: 'SELECT state, count(*) AS n FROM "strata_prod_gold"."daily_delays" GROUP BY 1' });
    expect(r.rows).toEqual([{ state: 'CA', n: 42 }]);
  });
});

describe('strata query --athena: the first failures say what to do', () => {
  it('no region, no credentials, no such workgroup (StartQueryExecution refused): each with its way out', async () => {
    const target = { app: 'strata', stage: 'dev' };
    // The AWS SDK's own words, as a client without a region or credentials throws them (not made here: the machine's
    // AWS_REGION or profile would give it one).
    expect(athenaHint(new Error('Region is missing'), target)).toBe('set the AWS region the stage was deployed to: AWS_REGION=<region> (or a profile with one: AWS_PROFILE=<profile>), then run the query again');
    expect(athenaHint(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), target)).toMatch(/^give the AWS SDK credentials: AWS_PROFILE=<profile>/);
    mock.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('WorkGroup strata-dev-analysts is not found.'), { name: 'InvalidRequestException' }));
    const missing = await queryAthena('SELECT 1', target, client).catch((e: Error) => e);
    expect(athenaHint(missing, target)).toBe('no Athena workgroup strata-dev-analysts in this account and region: deploy the stage first (npx sst deploy --stage dev), or name the deployed one (--stage dev, --workgroup <name>)');
    expect(athenaHint(new Error('something else'), target)).toBeUndefined();
  });
});

describe('strata docs --stage: the first failures say what to do', () => {
  it('no region: the SDK\'s words and the way out, as query --athena says it (newcomer\'s trial, stop 57: "Region is missing" alone)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-docs-stage-'));
    try {
      // A process whose AWS SDK finds no region anywhere: no variables, no config file.
      const env = { PATH: process.env.PATH ?? '', HOME: dir, AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
      const r = await promisify(execFile)(process.execPath, [resolve('cli/strata.js'), 'docs', '--stage', 'dev'], { cwd: dir, env }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
      expect(r).toMatchObject({ code: 1, stderr: 'Strata.InvalidInput: reading stage dev: Region is missing: set the AWS region the stage was deployed to: AWS_REGION=<region> (or a profile with one: AWS_PROFILE=<profile>), then run strata docs again\n' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

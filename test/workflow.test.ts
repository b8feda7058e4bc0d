// The state machine: rendered from the plan, valid ASL, deterministic, executed by the real local interpreter.
import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../core/plan/compile.ts';
import { loadProject } from '../core/project.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import { localArn, renderAsl, substituteResources, taskStates } from '../workflows/asl.ts';
import { goldTablesFor } from '../workflows/gold-order.ts';
import { analyzeGold } from '../core/gold/analyze.ts';
import { prepareDemoInputs } from '../cli/commands/demo.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

const examples = async () => {
  const p = await loadProject('schemas');
  return p.schemas.map((s) => compile(s.spec));
};

describe('rendered state machines', () => {
  it('every example schema renders a definition that asl-validator accepts (template and with ARNs)', async () => {
    const plans = await examples();
    const gold = (await analyzeGold(plans)).plans;
    expect(plans.length).toBeGreaterThanOrEqual(3);
    for (const p of plans) {
      const asl = renderAsl(p, { goldTables: goldTablesFor(gold, p.dataset) });
      for (const def of [asl, substituteResources(asl, localArn)]) {
        const { isValid, errors } = aslValidator(def as never);
        expect({ dataset: p.dataset, isValid, errors }).toEqual({ dataset: p.dataset, isValid: true, errors: [] });
      }
    }
  });

  it('is deterministic: the same schema text renders byte-identical JSON', async () => {
    const text = readFileSync('schemas/flights.yaml', 'utf8');
    const a = JSON.stringify(renderAsl(compile(loadSchemaText('flights.yaml', text).spec!)));
    const b = JSON.stringify(renderAsl(compile(loadSchemaText('flights.yaml', text).spec!)));
    expect(a).toBe(b);
    expect(a).not.toMatch(/"Resource":"arn:/); // placeholders, substituted by the stacks
  });

  // Written out here, not imported: Lambda's transient service errors as AWS lists them ("Handle Lambda service
  // exceptions", Step Functions developer guide), throttling, and what strata's handlers classify as transient.
  const TRANSIENT = ['Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException',
    'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Strata.Transient'];
  const CATCH = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }];
  const CONFLICT = { ErrorEquals: ['Strata.CommitConflict'], ResultPath: '$.conflict', Next: 'CommitConflict' };

  it('has the pipeline shape: gates, commit, registration, gold slot, recorders; a Catch and a timeout on every Task', async () => {
    const [p] = await examples();
    const asl = renderAsl(p!) as { States: Record<string, any>; StartAt: string };
    expect(asl.StartAt).toBe('Stage');
    expect(Object.keys(asl.States)).toEqual([
      'Stage', 'Route', 'Resync', 'RejectFile', 'Rejected', 'SilverQuality', 'QualityGate', 'HaltBatch', 'CommitSilver', 'CommitConflict', 'RestageFirst', 'RestageAgain', 'ConflictFailure', 'RegisterSilver', 'Gold', 'RecordRun', 'Finish', 'Halted', 'Succeeded', 'RecordFailure', 'Failed',
    ]);
    // The silver gate sits between staging and commit; a halt goes to quarantine and ends HALTED.
    expect(asl.States.SilverQuality).toMatchObject({ Type: 'Task', Resource: '${fn:quality}', ResultPath: '$.quality', Next: 'QualityGate' });
    expect(asl.States.QualityGate).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.quality.halted', BooleanEquals: true, Next: 'HaltBatch' }], Default: 'CommitSilver' });
    expect(asl.States.HaltBatch).toMatchObject({ Type: 'Task', Resource: '${fn:halt}', Next: 'Halted' });
    expect(asl.States.Route.Choices).toContainEqual({ Variable: '$.stage.rejectRatio', NumericGreaterThan: p!.maxRejectRatio, Next: 'RejectFile' });
    for (const { state } of taskStates(asl)) {
      const s = asl.States[state];
      expect(s.TimeoutSeconds, state).toBeGreaterThan(0);
      expect(s.Retry[0].ErrorEquals, state).toEqual(TRANSIENT);
      expect(s.Retry[0].JitterStrategy, state).toBe('FULL');
      // Named errors are final: never in a retrier.
      expect(s.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals).some((e: string) => e.startsWith('Strata.') && e !== 'Strata.Transient'), state).toBe(false);
      if (state !== 'RecordFailure') expect(s.Catch, state).toEqual(state === 'CommitSilver' ? [CONFLICT, ...CATCH] : CATCH);
    }
    // A commit other runs' commits refused is staged again, at most three times, then fails into RecordFailure.
    expect(asl.States.CommitConflict).toMatchObject({ Type: 'Choice', Default: 'RestageFirst', Choices: [
      { And: [{ Variable: '$.restaged', IsPresent: true }, { Variable: '$.restaged.count', NumericGreaterThanEquals: 3 }], Next: 'ConflictFailure' },
      { Variable: '$.restaged', IsPresent: true, Next: 'RestageAgain' },
    ] });
    expect(asl.States.RestageFirst).toEqual({ Type: 'Pass', Result: { count: 1 }, ResultPath: '$.restaged', Next: 'Stage' });
    expect(asl.States.RestageAgain).toEqual({ Type: 'Pass', Parameters: { 'count.$': 'States.MathAdd($.restaged.count, 1)' }, ResultPath: '$.restaged', Next: 'Stage' });
    expect(asl.States.ConflictFailure).toMatchObject({ Type: 'Pass', InputPath: '$.conflict', ResultPath: '$.error', Next: 'RecordFailure' });
    expect(asl.States.Failed).toEqual({ Type: 'Fail', ErrorPath: '$.outcome.Error', CausePath: '$.outcome.Cause' });
  });

  it('with gold: the Gold Map catches into RecordFailure (a Catch inside its item processor could not reach it), its refresh retries transient errors', async () => {
    const plans = await examples();
    const gold = (await analyzeGold(plans)).plans;
    const flights = plans.find((p) => p.dataset === 'flights')!;
    const asl = renderAsl(flights, { goldTables: goldTablesFor(gold, 'flights') }) as { States: Record<string, any> };
    const map = asl.States.Gold;
    expect(map).toMatchObject({ Type: 'Map', MaxConcurrency: 1, ResultPath: '$.gold', Next: 'RecordRun', Catch: CATCH });
    const refresh = map.ItemProcessor.States.RefreshGold;
    expect(refresh).toMatchObject({ Type: 'Task', Resource: '${fn:gold}', End: true });
    expect(refresh.Retry[0].ErrorEquals).toEqual(TRANSIENT);
    expect(refresh.TimeoutSeconds).toBeGreaterThan(0);
    expect(refresh.Catch).toBeUndefined();
  });
});

describe('every example runs end to end through the local interpreter', () => {
  let lake: TestLake;
  beforeAll(async () => {
    lake = await makeLake(Object.fromEntries(['airports', 'flights', 'movies'].map((d) => [d, readFileSync(`schemas/${d}.yaml`, 'utf8')])));
  });
  afterAll(() => lake?.cleanup());

  it('airports, flights and movies succeed on the public sample data', async () => {
    const inputs = await prepareDemoInputs(`${lake.root}/demo-input`);
    const a = await lake.ingest('airports', inputs.airports);
    const f = await lake.ingest('flights', inputs.flights[0]!);
    const m = await lake.ingest('movies', inputs.movies);
    for (const r of [a, f, m]) {
      expect(r.record.status, r.record.dataset).toBe('SUCCEEDED');
      // Every example feeds a gold table (airports through the join in flights' daily_delays), so each run prepares
      // its gold list and refreshes it in the Map.
      expect(r.execution.path).toEqual(['Prepare', 'Stage', 'Route', 'SilverQuality', 'QualityGate', 'CommitSilver', 'RegisterSilver', 'Gold', 'RefreshGold', 'RecordRun', 'Finish', 'Succeeded']);
      // The run record keeps the execution history.
      expect(r.record.execution?.events?.[0]?.type).toBe('ExecutionStarted');
      expect(r.record.execution?.events?.some((e) => e.type === 'StateExited' && e.state === 'CommitSilver')).toBe(true);
    }
    expect(a.record).toMatchObject({ rowsIn: 3376, rowsValid: 3376 });
    expect(f.record).toMatchObject({ rowsIn: 6937, rowsValid: 6937, partitions: expect.arrayContaining(['dt=2001-01-01', 'dt=2001-01-31']) });
    expect(m.record).toMatchObject({ rowsIn: 3201, rowsValid: 3178, rowsQuarantined: 23 });
    const runs = await lake.query(`SELECT dataset, status, rows_in FROM strata.runs ORDER BY started_at`);
    expect(runs).toEqual([
      { dataset: 'airports', status: 'SUCCEEDED', rows_in: 3376 }, { dataset: 'flights', status: 'SUCCEEDED', rows_in: 6937 }, { dataset: 'movies', status: 'SUCCEEDED', rows_in: 3201 },
    ]);
  });
});

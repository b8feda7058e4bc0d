// Every run leaves a record written by the state machine itself: a permanent failure in any Task state (the Gold
// Map's refresh included) is caught into RecordFailure, as it must be in AWS, where nothing else would write one.
// The local ingest raises a run that ends without a record and without reaching RecordFailure; it writes a record
// itself only when RecordFailure was reached and failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeGold } from '../cli/run-summary.ts';
import { ERRORS, StrataError } from '../core/errors.ts';
import type { StepName } from '../core/plan/steps.ts';
import { renderAsl, taskStates } from '../workflows/asl.ts';
import { goldTablesFor } from '../workflows/gold-order.ts';
import type { StepFn } from '../workflows/local.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const QUALITY_AND_GOLD = `quality:
  silver:
    halt: ['Sum "amount" < 1000']
gold:
  - table: daily_revenue
    sql: SELECT CAST(created_at AS DATE) AS day, SUM(amount) AS revenue FROM silver.orders GROUP BY 1
    partitionBy: [day]
    refresh: incremental
`;

let lake: TestLake;
beforeAll(async () => { lake = await makeLake({ orders: ordersSchema({ maxRatio: 0.5, extra: QUALITY_AND_GOLD }) }); });
afterAll(() => lake?.cleanup());

let n = 0;
const row = (id: number, amount = '10.00') => `${id},c,NEW,${amount},Jun 12 2025,2025-06-12T10:00:00Z`;
const good = () => `${ORDERS_HEADER}\n${row(++n)}\n`;
const halting = () => `${ORDERS_HEADER}\n${row(++n, '5000.00')}\n`; // Sum "amount" < 1000 fails
const rejected = () => `${ORDERS_HEADER}\n${row(++n, '-1')}\n`; // 1 of 1 rows fails min 0: more than maxRatio 0.5

/** Fail `step` permanently (a named error: never retried). */
const failing = (step: StepName) => (s: StepName, fn: StepFn): StepFn => (s !== step ? fn : async () => {
  throw Object.assign(new Error(`injected failure in ${step}`), { name: 'Strata.Internal' });
});

/** Fail `step` permanently after it ran to its end (a Lambda that did its work and then timed out, which is not retried). */
const failingAfter = (step: StepName) => (s: StepName, fn: StepFn): StepFn => (s !== step ? fn : async (input) => {
  await fn(input);
  throw Object.assign(new Error(`injected failure after ${step}`), { name: 'Strata.Internal' });
});

describe('a run record on every path', () => {
  it('a permanent failure in each Task state ends in RecordFailure, which writes the FAILED record', async () => {
    const cases: Array<{ state: string; step: StepName; content: () => string; before?: boolean; after?: boolean }> = [
      { state: 'Stage', step: 'stage', content: good },
      { state: 'SilverQuality', step: 'quality', content: good },
      { state: 'HaltBatch', step: 'halt', content: halting },
      { state: 'RejectFile', step: 'reject', content: rejected },
      { state: 'CommitSilver', step: 'commit', content: good },
      // After its swap: the commit stands, as the manifest's history says (it was recorded "as if nothing was
      // committed": an attack, stop 57).
      { state: 'CommitSilver', step: 'commit', content: () => `${ORDERS_HEADER}\n${row(++n)}\n${row(++n, '-1')}\n`, after: true },
      { state: 'RegisterSilver', step: 'register', content: good },
      { state: 'RefreshGold', step: 'gold', content: good }, // inside the Gold Map
      { state: 'RecordRun', step: 'record', content: good },
      { state: 'Resync', step: 'register', content: good, before: true }, // the object was committed by an earlier run
    ];
    // Every Task state but the recorder of failures itself is covered.
    const asl = renderAsl(lake.ctx.plans.get('orders'), { goldTables: goldTablesFor(lake.gold, 'orders') });
    expect(new Set(cases.map((c) => c.state))).toEqual(new Set(taskStates(asl).map((t) => t.state).filter((s) => s !== 'RecordFailure')));

    // A failure after the commit: the record says the commit stands (the rows are in silver) and what failed.
    const failedAfterCommit = ['RegisterSilver', 'RefreshGold', 'RecordRun'];
    let version = 0; // silver.orders's, counted by hand: each run that commits adds one
    for (const c of cases) {
      const file = await lake.file(`${c.state}.csv`, c.content());
      if (c.before) expect((await lake.ingest('orders', file)).record.status).toBe('SUCCEEDED');
      const committed = c.after || failedAfterCommit.includes(c.state);
      if (c.before || committed) version++;
      const { record, execution } = await lake.ingest('orders', file, { retryIntervalMs: 0, wrap: (c.after ? failingAfter : failing)(c.step) });
      expect({ state: c.state, path: execution.path.slice(-3) }).toEqual({ state: c.state, path: [c.state, 'RecordFailure', 'Failed'] });
      expect({ state: c.state, status: record.status, error: record.error, warnings: record.warnings })
        .toEqual({ state: c.state, status: 'FAILED', error: { name: 'Strata.Internal', message: committed
          ? `the silver commit stands (silver.orders version ${version} holds this run's rows); what failed after it: injected failure ${c.after ? 'after' : 'in'} ${c.step}. The next run of orders, or strata doctor --repair, brings the catalog and gold up to date.`
          : `injected failure in ${c.step}` }, warnings: expect.any(Array) });
      if (committed) expect(record.partitions, c.state).toEqual(['dt=2025-06-12']);
      // Its quarantined row is published and shown in the quarantine table, as the register step would have.
      if (c.after) expect(await lake.query(`SELECT count(*)::INT AS n FROM quarantine.orders WHERE run_id = '${record.runId}'`)).toEqual([{ n: 1 }]);
      expect(record.warnings.join(), c.state).not.toMatch(/local executor/);
      expect(await lake.query(`SELECT status, error_name FROM strata.runs WHERE run_id = '${record.runId}'`)).toEqual([{ status: 'FAILED', error_name: 'Strata.Internal' }]);
    }
  });

  it('a gold table whose SQL fails: the record names the tables published before it and the one that failed, and the way back is its SQL (newcomer trial, stop 35)', async () => {
    const schema = `dataset: t
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: name, type: string }
gold:
  - table: good
    sql: SELECT count(*) AS n FROM silver.t
    refresh: full
  - table: bad
    sql: SELECT CAST(name AS INT) AS x FROM silver.t
    refresh: full
`;
    const l = await makeLake({ t: schema });
    try {
      const { record } = await l.ingest('t', await l.file('a.csv', 'id,name\n1,ann\n'));
      expect(record.status).toBe('FAILED');
      expect(record.error?.message).toMatch(/what failed after it: gold table bad: its SQL failed: .*\. Fix the SQL of gold table bad \(strata check\), then strata refresh bad, or the next run of t, brings it up to date\.$/);
      expect((record.gold as Array<{ table: string; status: string; error?: string }>).map(({ table, status, error }) => [table, status, error?.slice(0, 32)]))
        .toEqual([['good', 'published', undefined], ['bad', 'not refreshed', 'gold table bad: its SQL failed: ']]);
      expect(await l.query('SELECT n FROM gold.good')).toEqual([{ n: 1 }]);
      // What the table published, from its manifest: the summary said "published 0 rows" (newcomer's trial, stop 50).
      expect((record.gold as unknown[])[0]).toMatchObject({ table: 'good', status: 'published', partitions: [''], removed: [], rows: 1 });
      expect(describeGold(record)).toEqual(['    gold.good: published 1 row (before the run failed)', '    gold.bad: not refreshed: nothing published (nothing read)']);
      // doctor says the table was never published, and the way back, not that its versions are unknown.
      const { examine } = await import('../workflows/doctor.ts');
      const report = await examine(l);
      expect(report.findings.filter((f) => f.subject === 'gold.bad').map((f) => [f.message, f.way])).toEqual([[
        'never published: no refresh has written it yet, though silver.t has been committed (it was defined after, or its refreshes failed: strata runs shows why)',
        'fix what made its refreshes fail (strata runs; its SQL: strata check), then strata refresh bad, strata doctor --repair or the next run of t',
      ]]);
    } finally {
      await l.cleanup();
    }
  });

  it('when RecordFailure itself fails after commits refused at every attempt: FAILED, nothing committed (it was recorded SUCCEEDED, "the silver commit stands": an attack, stop 53)', async () => {
    const refused = (s: StepName, fn: StepFn): StepFn => (s === 'commit' ? async () => { throw new StrataError(ERRORS.CommitConflict, 'could not commit orders after 30 attempts: too many concurrent writers'); }
      : s === 'fail' ? failing(s)(s, fn) : fn);
    const { record, execution } = await lake.ingest('orders', await lake.file('refused.csv', good()), { retryIntervalMs: 0, wrap: refused });
    expect(execution.path.filter((p) => p === 'CommitSilver')).toHaveLength(4);
    expect(record).toMatchObject({ status: 'FAILED', partitions: [], warnings: ['written by the local executor: the recorder step (RecordFailure) failed itself; in AWS this run would have no record'] });
  });

  it('when RecordFailure itself fails, the local ingest writes what it knows and says so', async () => {
    const both = (s: StepName, fn: StepFn): StepFn => (s === 'commit' || s === 'fail' ? failing(s)(s, fn) : fn);
    const { record, execution } = await lake.ingest('orders', await lake.file('recorder.csv', good()), { retryIntervalMs: 0, wrap: both });
    expect(execution.path.slice(-2)).toEqual(['CommitSilver', 'RecordFailure']);
    expect(record).toMatchObject({
      status: 'FAILED', error: { name: 'Strata.Internal', message: 'injected failure in fail' },
      warnings: ['written by the local executor: the recorder step (RecordFailure) failed itself; in AWS this run would have no record'],
    });
  });
});

// One DuckDB budget per step invocation: each database strata opens for a step has the step's whole memory limit and
// /tmp quota (core/plan/sizing.ts), so a step's units of work run one at a time. The local executor gives every step
// invocation a DuckBudget, and a unit begun on a second database while the first works throws: a step that would use
// twice its function's memory in Lambda fails locally, on any data. Before, a commit rewrote up to 16 partitions of an
// upsert at once, each in a database of 796 MB (16 partitions of 300k rows: twice the memory of one at a time), and
// a compaction up to 16 partitions.
import { describe, expect, it } from 'vitest';
import { DuckBudget, withDuck, withDuckSession } from '../runtime/engine/duckdb.ts';
import { oneAtATime } from '../runtime/util/limit.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { batch, EVENTS } from './helpers/events.ts';
import { makeLake, ORDERS_HEADER, ordersSchema } from './helpers/lake.ts';

/** Resolves when `n` calls have arrived, so that units of work are surely in progress at once. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((r) => { open = r; });
  return () => {
    if (++arrived === n) open();
    return all;
  };
}

describe('a step invocation\'s DuckDB budget', () => {
  it('two leased databases at once throw, naming the step and its limit; one after another, or without a budget, they run', async () => {
    const budget = new DuckBudget('the commit step of orders');
    const opts = { memoryLimit: '256MB', budget };
    const first = withDuck(async (db) => {
      await expect(withDuck((other) => other.all('SELECT 1'), opts)).rejects.toThrow(
        "the commit step of orders began DuckDB work on a second database while its first was in use: each has the step's whole memory limit (256MB) and /tmp quota, so together they may use more than its function has (core/plan/sizing.ts); run its units of work one after another");
      return db.one<{ x: number }>('SELECT 41 + 1 AS x');
    }, opts);
    expect((await first).x).toBe(42);
    // The budget is free again: the next unit runs, and so does a unit of no budget beside one of this budget.
    expect(await withDuck(async () => withDuck((db) => db.one<{ y: number }>('SELECT 2 AS y'), { memoryLimit: '256MB' }), opts)).toEqual({ y: 2 });
    expect(await withDuck((db) => db.one<{ z: number }>('SELECT 3 AS z'), opts)).toEqual({ z: 3 });
  });

  it('sessions of one shared instance count once (they share its limit); a leased database beside them is a second', async () => {
    const budget = new DuckBudget('the quality step of orders');
    const opts = { memoryLimit: '256MB', budget };
    const both = barrier(2);
    const rows = await Promise.all([1, 2].map((i) => withDuckSession(async (db) => {
      await both();
      return db.one<{ i: number }>(`SELECT ${i} AS i`);
    }, opts)));
    expect(rows).toEqual([{ i: 1 }, { i: 2 }]);
    await expect(withDuckSession(() => withDuck((db) => db.all('SELECT 1'), opts), opts)).rejects.toThrow(/the quality step of orders began DuckDB work on a second database/);
  });
});

describe('oneAtATime (runtime/util/limit.ts)', () => {
  it('runs queued calls one after another in call order; with stopAfterFailure, the calls after a failure fail with its error and run nothing', async () => {
    for (const stopAfterFailure of [false, true]) {
      const queue = oneAtATime({ stopAfterFailure });
      const log: string[] = [];
      let running = 0;
      const job = (name: string, fail = false) => queue(async () => {
        if (++running > 1) log.push('overlap');
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
      const settled = await Promise.allSettled([job('a'), job('b', true), job('c'), job('d')]);
      expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(
        stopAfterFailure ? ['a', 'b failed', 'b failed', 'b failed'] : ['a', 'b failed', 'c', 'd']);
      expect(log).toEqual(stopAfterFailure ? ['start a', 'start b'] : ['start a', 'start b', 'start c', 'start d']);
    }
  });
});

describe('the commit step within its budget', () => {
  it('an upsert rewriting six partitions through the real ASL rewrites them one at a time: SUCCEEDED, every row as upserted', async () => {
    const lake = await makeLake({ orders: ordersSchema({ mode: 'upsert' }) });
    try {
      const day = (d: number) => `2026-03-0${d}T10:00:00Z`;
      const lines = (amount: string) => [1, 2, 3, 4, 5, 6].flatMap((d) => [0, 1].map((k) => `${d * 10 + k},Ann,NEW,${amount},Mar 01 2026,${day(d)}`));
      const first = await lake.ingest('orders', await lake.file('a.csv', `${ORDERS_HEADER}\n${lines('1.00').join('\n')}\n`));
      expect(first.record.status).toBe('SUCCEEDED');
      // Every key again, in its own day's partition: six partitions with a base, each merged in DuckDB.
      const second = await lake.ingest('orders', await lake.file('b.csv', `${ORDERS_HEADER}\n${lines('2.50').join('\n')}\n`));
      expect(second.record.error).toBeUndefined();
      expect(second.record.status).toBe('SUCCEEDED');
      expect(second.record.partitions).toHaveLength(6);
      const rows = await lake.query<{ n: number; amount: string }>('SELECT count(*)::INT AS n, CAST(min(amount) AS VARCHAR) AS amount FROM silver.orders');
      expect(rows).toEqual([{ n: 12, amount: '2.50' }]);
    } finally {
      await lake.cleanup();
    }
  });
});

describe('the compact step within its budget', () => {
  it('a compaction of four partitions of many small files rewrites them one at a time: SUCCEEDED, every row kept', async () => {
    const lake = await makeLake({ events: EVENTS() });
    try {
      // Four days, three files each, in one file per day: ingests of 3 × 4 micro-batches.
      let id = 0;
      for (let b = 0; b < 3; b++) {
        const text = [15, 16, 17, 18].map((day) => batch((id += 5000), 5000, day)).join('');
        expect((await lake.ingest('events', await lake.file(`b${b}.jsonl`, text), { compact: false })).record.status).toBe('SUCCEEDED');
      }
      const [run] = await compactLocal(lake, ['events'], { minFiles: 2 });
      expect(run!.execution.error).toBeUndefined();
      expect(run!.output!.tables[0]!.partitions.map((p) => [p.path, p.outcome, p.filesAfter])).toEqual(
        [15, 16, 17, 18].map((d) => [`dt=2025-06-${d}`, 'compacted', 1]));
      expect(await lake.query('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS ids FROM silver.events')).toEqual([{ n: 60_000, ids: 60_000 }]);
    } finally {
      await lake.cleanup();
    }
  });
});

// A maintenance command whose work is done but whose catalog.duckdb cannot catch up (another process took its lock
// over while it was paused) says so in a warning, and its work stands. A rollback, a refresh and a compaction exited 1
// with DuckDB's "IO Error: Cannot open file …catalog.duckdb" alone, their work done (an attack, stop 58); ingest said
// it so already. The failure is the catalog's own materialize, made to fail here as the lock's loss makes it fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactLocal } from '../workflows/compact-local.ts';
import { refresh, rollback } from '../workflows/maintenance.ts';
import { DAILY_REVENUE_GOLD, makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const row = (id: number) => `${id},Ann,NEW,10.00,Jun 12 2025,2025-06-1${id}T10:00:00Z`;

let l: TestLake;
let first: string;
beforeAll(async () => {
  l = await makeLake({ orders: ordersSchema({ extra: DAILY_REVENUE_GOLD }) });
  first = (await l.ingest('orders', await l.file('a.csv', `${ORDERS_HEADER}\n${row(1)}\n`))).record.runId;
  await l.ingest('orders', await l.file('b.csv', `${ORDERS_HEADER}\n${row(2)}\n`));
});
afterAll(() => l?.cleanup());

/** Runs `f` with the catalog's materialize failing as a lock taken over makes it fail. */
async function withLostLock<T>(f: () => Promise<T>): Promise<T> {
  const real = l.catalog.materialize.bind(l.catalog);
  l.catalog.materialize = async () => { throw new Error('IO Error: Cannot open file "/x/catalog.duckdb.lock/1-catalog.duckdb": No such file or directory'); };
  try {
    return await f();
  } finally {
    l.catalog.materialize = real;
  }
}

const BEHIND = 'the catalog could not catch up (IO Error: Cannot open file "/x/catalog.duckdb.lock/1-catalog.duckdb": No such file or directory); the lake is right: the next read (strata query) or strata doctor --repair brings catalog.duckdb up to date';

describe('a maintenance command whose catalog cannot catch up', () => {
  it('rollback, refresh and compact finish their work and say the catalog is behind', async () => {
    const r = await withLostLock(() => rollback(l, 'orders', first));
    expect(r).toMatchObject({ layer: 'silver', catalogBehind: BEHIND });
    expect(r.changes.length).toBeGreaterThan(0);
    expect(await withLostLock(() => refresh(l, 'daily_revenue', true))).toMatchObject({ status: expect.stringMatching(/^(published|unchanged)$/), catalogBehind: BEHIND });
    await l.ingest('orders', await l.file('c.csv', `${ORDERS_HEADER}\n${row(3)}\n`));
    const c = await withLostLock(() => compactLocal(l, ['orders'], { minFiles: 1 }));
    expect(c.length).toBeGreaterThan(0);
    expect(c.every((x) => x.catalogBehind === BEHIND)).toBe(true);
    // The next read brings the catalog up: what the rollback left, and the ingest after it.
    expect((await l.query<{ order_id: unknown }>('SELECT order_id FROM silver.orders ORDER BY 1')).map((x) => Number(x.order_id))).toEqual([1, 3]);
  });
});

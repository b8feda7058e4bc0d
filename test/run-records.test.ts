// Run records agree with the lake: of several runs of one object at once, one commits it and the others are SKIPPED
// with no rows of their own, so the records of an object add up to it once; quarantined rows name the run that counts them.
import { afterEach, describe, expect, it } from 'vitest';
import type { StepName } from '../core/plan/steps.ts';
import type { StepFn } from '../workflows/local.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

const line = (id: number, amount: string) => `${id},c,NEW,${amount},Jun 12 2025,2025-06-12T10:00:00Z`;

/** Hold every run at its commit step until `n` runs are there: they all staged the object before any commits it. */
function barrier(n: number): (step: StepName, fn: StepFn) => StepFn {
  let waiting = 0;
  let open!: () => void;
  const all = new Promise<void>((r) => { open = r; });
  return (step, fn) => (step !== 'commit' ? fn : async (input) => {
    if (++waiting === n) open();
    await all;
    return fn(input);
  });
}

describe('run records', () => {
  it('the same object ingested 4× at once: one run commits it, the other three are SKIPPED with no rows', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    const file = await l.file('same.csv', `${ORDERS_HEADER}\n${[line(1, '1.00'), line(2, '-5.00'), line(3, '3.00')].join('\n')}\n`);
    const wrap = barrier(4);
    const runs = (await Promise.all([1, 2, 3, 4].map(() => l.ingest('orders', file, { wrap })))).map((r) => r.record);
    const winner = runs.find((r) => r.status === 'SUCCEEDED')!;
    expect(runs.map((r) => r.status).sort()).toEqual(['SKIPPED', 'SKIPPED', 'SKIPPED', 'SUCCEEDED']);
    expect(winner).toMatchObject({ rowsIn: 3, rowsValid: 2, rowsQuarantined: 1, partitions: ['dt=2025-06-12'] });
    expect(winner.source.key).toMatch(/^bronze\/orders\/_objects\/[0-9a-f]+\/same\.csv$/);
    for (const r of runs.filter((x) => x !== winner)) {
      expect(r).toMatchObject({ committedBy: winner.runId, rowsIn: 0, rowsValid: 0, rowsQuarantined: 0, partitions: [] });
      expect(r.warnings).toEqual([`${winner.source.key} was committed by run ${winner.runId} while this run staged it; nothing changed (its rows are counted by that run)`]);
    }
    // The lake: each row once, in silver or in quarantine, and the quarantined row names the run that counts it.
    expect(await l.query(`SELECT count(*) AS n FROM silver.orders`)).toEqual([{ n: 2 }]);
    expect(await l.query(`SELECT record, run_id FROM quarantine.orders`)).toEqual([{ record: 2, run_id: winner.runId }]);
    expect(await l.query(`SELECT status, sum(rows_in)::BIGINT AS rows_in, count(*) AS runs FROM strata.runs GROUP BY 1 ORDER BY 1`)).toEqual([
      { status: 'SKIPPED', rows_in: 0, runs: 3 }, { status: 'SUCCEEDED', rows_in: 3, runs: 1 },
    ]);
  });
});

// A step whose Lambda did all its work and then lost its answer is retried by Step Functions with the same input
// (a transient error: Strata.Transient, Lambda.ServiceException). Every step must give the run the outcome it would
// have had without the retry. Before (attack, stop 39): the commit step's retry found the staging it had removed and
// failed the run (FAILED, though silver held its rows), and the reject step's retry the same (FAILED, counting 2 rows
// valid that reached no table); a retry that came before the commit step removed staging was SKIPPED (stop 38).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestFile } from '../workflows/ingest-local.ts';
import { armFaults } from '../runtime/util/fault.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let l: TestLake | undefined;
afterEach(async () => { await l?.cleanup(); l = undefined; });

const BODY = `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bo,SHIPPED,10.00,Jun 12 2025,2025-06-12T11:00:00Z\n3,Cy,NEW,10.00,Jun 12 2025,not a time\n`;
const lost = (step: string) => Object.assign(new Error(`${step}: read ECONNRESET (its answer lost after the step finished)`), { name: 'Strata.Transient' });
const halting = ordersSchema({ maxRatio: 1, extra: `quality:\n  silver:\n    halt: ['RowCount > 100']\n` });

describe('a step retried after it ran to its end', () => {
  const cases = [
    ['stage', ordersSchema({ maxRatio: 1 }), { status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 }, [1, 2], [3]],
    ['commit', ordersSchema({ maxRatio: 1 }), { status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 }, [1, 2], [3]],
    ['register', ordersSchema({ maxRatio: 1 }), { status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 }, [1, 2], [3]],
    ['record', ordersSchema({ maxRatio: 1 }), { status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 }, [1, 2], [3]],
    ['reject', ordersSchema({ maxRatio: 0.1 }), { status: 'REJECTED', rowsIn: 3, rowsValid: 0, rowsQuarantined: 3 }, [], [1, 2, 3]],
    ['halt', halting, { status: 'HALTED', rowsIn: 3, rowsValid: 0, rowsQuarantined: 3 }, [], [1, 2, 3]],
  ] as const;
  for (const [step, schema, want, silver, quarantine] of cases) {
    it(`${step}: the run ends ${want.status} with the same rows as without the retry, and leaves no staging`, async () => {
      l = await makeLake({ orders: schema });
      const file = await l.file('same.csv', BODY);
      let tries = 0;
      const { record: r, execution } = await l.ingest('orders', file, {
        retryIntervalMs: 0,
        wrap: (s, fn) => (s !== step ? fn : async (input) => { const out = await fn(input); if (tries++ === 0) throw lost(step); return out; }),
      });
      expect(tries).toBe(2); // the step ran twice: the retry happened
      expect(execution.events.find((e) => e.error)?.error).toBe('Strata.Transient');
      expect(execution.error?.name).toBe(want.status === 'SUCCEEDED' ? undefined : want.status === 'REJECTED' ? 'Strata.RejectedFile' : 'Strata.QualityHalt');
      expect(r).toMatchObject(want);
      await l.catalog.materialize();
      expect((await l.query<{ order_id: number }>('SELECT order_id FROM silver.orders ORDER BY 1').catch(() => [])).map((x) => x.order_id)).toEqual(silver);
      expect(await l.query<{ run_id: string; record: number }>('SELECT run_id, record FROM quarantine.orders ORDER BY record')).toEqual(quarantine.map((record) => ({ run_id: r.runId, record })));
      expect(await l.storage.list('staging/')).toEqual([]);
    });
  }

  it('the fault point step.<step>.after:econnreset stands for the same (a Lambda that lost its answer): retried, the same rows (an attack, stop 57: it went out as a plain Error, never retried)', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    armFaults('step.commit.after:econnreset');
    try {
      const { record: r, execution } = await l.ingest('orders', await l.file('same.csv', BODY), { retryIntervalMs: 0 });
      expect(execution.events.filter((e) => e.type === 'StateRetried').map((e) => e.state)).toEqual(['CommitSilver']);
      expect(r).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });
    } finally {
      armFaults(undefined);
    }
    expect((await l.query<{ order_id: number }>('SELECT order_id FROM silver.orders ORDER BY 1')).map((x) => x.order_id)).toEqual([1, 2]);
  });

  it('commit, having lost the race to another run of the object: SKIPPED naming that run, counting none of the rows, as without the retry', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const lake = l;
    await mkdir(join(lake.root, 'stricter'));
    await writeFile(join(lake.root, 'stricter', 'orders.yaml'), ordersSchema({ maxRatio: 1 }).replace('allowed: [NEW, SHIPPED, CANCELLED]', 'allowed: [NEW]'));
    const them = await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'stricter') });
    const file = await lake.file('same.csv', BODY);
    let winner: string | undefined;
    let tries = 0;
    const loser = (await ingestFile(them, 'orders', file, {
      retryIntervalMs: 0,
      wrap: (step, fn) => (step !== 'commit' ? fn : async (input) => {
        winner ??= (await lake.ingest('orders', file)).record.runId;
        const out = await fn(input);
        if (tries++ === 0) throw lost(step);
        return out;
      }),
    })).record;
    expect(tries).toBe(2);
    // Before (attack, stop 39): FAILED (the staging it had removed was missing), counting 1 valid and 2 quarantined rows.
    expect(loser).toMatchObject({ status: 'SKIPPED', committedBy: winner, rowsValid: 0, rowsQuarantined: 0 });
  });
});


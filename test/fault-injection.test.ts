// Faults during an execution: transient ones are retried, permanent ones fail the run with a record that says why,
// and a crash between staging and commit leaves nothing half-visible.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../runtime/storage/port.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { TransientError } from '../functions/lib/errors.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

async function lake(): Promise<TestLake> {
  const l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
  lakes.push(l);
  return l;
}

const data = `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bob,NEW,20.00,Jun 13 2025,2025-06-13T10:00:00Z\n`;

describe('fault injection', () => {
  it('a step that fails transiently twice then succeeds: the run completes and the retries are recorded', async () => {
    const l = await lake();
    let calls = 0;
    const { record, execution } = await l.ingest('orders', await l.file('a.csv', data), {
      retryIntervalMs: 0,
      wrap: (step, fn) => (step !== 'commit' ? fn : async (input) => {
        calls++;
        if (calls <= 2) throw new TransientError('S3 503 SlowDown (injected)');
        return fn(input);
      }),
    });
    expect(record.status).toBe('SUCCEEDED');
    expect(calls).toBe(3);
    const retried = execution.events.filter((e) => e.type === 'StateRetried');
    expect(retried.map((e) => [e.state, e.attempt])).toEqual([['CommitSilver', 1], ['CommitSilver', 2]]);
    expect(record.execution?.events?.filter((e) => e.type === 'StateRetried')).toHaveLength(2);
    expect(await l.query(`SELECT count(*) AS n FROM silver.orders`)).toEqual([{ n: 2 }]);
  });

  it('AWS-style throttling and 5xx errors inside a handler are named Strata.Transient and retried', async () => {
    const l = await lake();
    let calls = 0;
    const flaky: Storage = Object.create(l.storage);
    flaky.list = async (prefix: string) => {
      if (prefix.startsWith('quarantine/') && ++calls <= 2) {
        throw Object.assign(new Error(calls === 1 ? 'Rate exceeded' : 'We encountered an internal error'),
          { name: calls === 1 ? 'ThrottlingException' : 'InternalError', $metadata: { httpStatusCode: calls === 1 ? 400 : 500 } });
      }
      return l.storage.list(prefix);
    };
    const { record, execution } = await ingestFile({ ...l, ctx: { ...l.ctx, storage: flaky } }, 'orders', await l.file('a.csv', data), { retryIntervalMs: 0 });
    expect(record.status).toBe('SUCCEEDED');
    const failed = execution.events.filter((e) => e.type === 'StateFailed');
    expect(failed.map((e) => [e.state, e.error])).toEqual([['RegisterSilver', 'Strata.Transient'], ['RegisterSilver', 'Strata.Transient']]);
    expect(failed[0]!.cause).toMatch(/register: Rate exceeded/);
  });

  it('a step that fails permanently: the run is FAILED, silver untouched, the record says why', async () => {
    const l = await lake();
    const { record, execution } = await l.ingest('orders', await l.file('a.csv', data), {
      retryIntervalMs: 0,
      wrap: (step, fn) => (step !== 'commit' ? fn : async () => { const e = new Error('disk quota exceeded (injected)'); e.name = 'Strata.Internal'; throw e; }),
    });
    expect(execution.status).toBe('FAILED');
    expect(execution.path.slice(-3)).toEqual(['CommitSilver', 'RecordFailure', 'Failed']);
    expect(execution.events.filter((e) => e.type === 'StateRetried')).toEqual([]); // named errors are not retried
    expect(record).toMatchObject({ status: 'FAILED', error: { name: 'Strata.Internal', message: 'disk quota exceeded (injected)' }, partitions: [] });
    expect(existsSync(join(l.dir, 'silver/orders/_strata/manifest.json'))).toBe(false);
    expect(existsSync(join(l.dir, record.source.key))).toBe(true); // bronze is never deleted
    expect(await l.query(`SELECT run_id, status, error_name FROM strata.runs`)).toEqual([{ run_id: record.runId, status: 'FAILED', error_name: 'Strata.Internal' }]);
  });

  it('a crash between staging and commit leaves no partial data visible; re-ingesting succeeds', async () => {
    const l = await lake();
    await l.ingest('orders', await l.file('base.csv', `${ORDERS_HEADER}\n9,Old,NEW,1.00,Jun 12 2025,2025-06-12T09:00:00Z\n`));
    const before = await l.query(`SELECT * FROM silver.orders`);
    // The process "dies" in the commit step after writing the new version files, before the manifest swap.
    const crashing: Storage = Object.create(l.storage);
    crashing.putIfMatch = async () => { throw new Error('process killed (injected)'); };
    const file = await l.file('a.csv', data);
    const crashed = await ingestFile({ ...l, ctx: { ...l.ctx, storage: crashing } }, 'orders', file, { retryIntervalMs: 0 });
    expect(crashed.record.status).toBe('FAILED');
    // New version folders exist on disk, but nothing points at them: readers see exactly what they saw before.
    const versions = readdirSync(join(l.dir, 'silver/orders/dt=2025-06-12'));
    expect(versions.length).toBe(2);
    expect(await l.query(`SELECT * FROM silver.orders`)).toEqual(before);
    // Re-ingest the same object: it was never committed, so it is processed and lands whole.
    const again = await l.ingest('orders', file);
    expect(again.record.status).toBe('SUCCEEDED');
    expect(await l.query(`SELECT order_id FROM silver.orders ORDER BY 1`)).toEqual([{ order_id: 1 }, { order_id: 2 }, { order_id: 9 }]);
  });
});

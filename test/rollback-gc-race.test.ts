// gc (retention 0) collecting the rollback's target version while `strata rollback` checks it (workflows/maintenance.ts
// refuseDamagedTarget: the listing of the target's folder, then its footers). Nothing changed, but the refusal blamed
// damage ("its files were changed … put its files back", or "a damaged file … move silver/orders/ aside and ingest its
// bronze objects again": destructive advice for a version gc removed on purpose) instead of gc (found by an attack).
import { afterEach, describe, expect, it } from 'vitest';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });
const csv = (id: number) => `${ORDERS_HEADER}\n${id},C${id},NEW,10.00,Jun 13 2025,2025-06-13T10:00:00Z\n`;

async function attempt(when: 'before' | 'after') {
  const l = await makeLake({ orders: ordersSchema({ mode: 'append' }) });
  lakes.push(l);
  const r1 = (await l.ingest('orders', await l.file('a.csv', csv(1)))).record.runId;
  await l.ingest('orders', await l.file('b.csv', csv(2))); // r1's version of dt=2025-06-13 retired
  const storage = l.storage as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const list = storage.list!.bind(l.storage);
  let done = false;
  storage.list = async (...a: unknown[]) => {
    const hit = !done && String(a[0]).includes(`/v-${r1}/`);
    if (hit && when === 'before') { done = true; await garbageCollect(l, { retentionDays: 0 }); }
    const r = await list(...a);
    if (hit && when === 'after') { done = true; await garbageCollect(l, { retentionDays: 0 }); }
    return r;
  };
  const err = await rollback(l, 'orders', r1).then(() => undefined, (e: Error) => e.message);
  expect(done).toBe(true);
  return err;
}

describe('gc collects the target while a rollback checks it', () => {
  it('gc before the listing of the target folder: the refusal says gc collected it', async () => {
    expect(await attempt('before')).toMatch(/garbage-collected/);
  });
  it('gc after the listing, before the footers are read: the refusal says gc collected it', async () => {
    expect(await attempt('after')).toMatch(/garbage-collected/);
  });
});

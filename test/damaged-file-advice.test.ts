// The way back a damaged silver file's message gives, after gc collected part of the table's history (found by an
// attack): the rollback it names must work, and where none can, it must say so, from every path that explains the
// damage (a rollback's refusal, strata query through the catalog entry).
import { readdirSync, renameSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryLocal } from '../cli/commands/query.ts';
import { out } from '../cli/output.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { ingestKey } from '../workflows/ingest-local.ts';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); vi.restoreAllMocks(); });
const line = (id: number, day = '12') => `${id},C${id},NEW,10.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z`;
const pause = () => new Promise((r) => setTimeout(r, 20));

/** Runs z (day 13), a (day 12) and b (day 12, appending to a's files); gc with its window starting at `cut()`. */
async function threeRuns(cut: () => Date | undefined) {
  const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
  lakes.push(l);
  const ingest = async (name: string, ...rows: string[]) => (await l.ingest('orders', await l.file(name, `${ORDERS_HEADER}\n${rows.join('\n')}\n`))).record.runId;
  const z = await ingest('z.csv', line(9, '13'));
  await pause();
  const between = new Date();
  await pause();
  const a = await ingest('a.csv', line(1), line(2));
  const b = await ingest('b.csv', line(3));
  await garbageCollect(l, { retentionDays: 0, now: cut() ?? between });

  // a's file, which b's version of the day shares: damaged
  const dir = join(l.dir, 'silver/orders/dt=2025-06-12');
  truncateSync(join(dir, readdirSync(dir).find((v) => v.endsWith(b))!, `part-${a}-0.parquet`), 10);
  return { l, z, a };
}

async function queryError(l: TestLake): Promise<string> {
  const errors: string[] = [];
  vi.spyOn(out, 'error').mockImplementation((t: string) => { errors.push(t); });
  await queryLocal(l.dir, 'SELECT count(*) FROM silver.orders');
  vi.restoreAllMocks();
  return errors.join('\n');
}

describe('a damaged silver file after gc', () => {
  it('only the entry before the writer collected: the message names the rollback to it, and that rollback works', async () => {
    const { l, z, a } = await threeRuns(() => undefined as unknown as Date); // the window starts between z and a
    const refusal = await rollback(l, 'orders', a).then(() => 'rolled back', (e: Error) => e.message);
    expect(refusal).toContain(`strata rollback orders --to ${z}`);
    expect(await queryError(l)).toContain(`strata rollback orders --to ${z}`);
    await rollback(l, 'orders', z);
    expect(await l.query('SELECT list(order_id) AS ids FROM silver.orders')).toEqual([{ ids: [9] }]);
  }, 120_000);

  it('every entry collected: no rollback reaches a version before the writer, and the message says so on every path', async () => {
    const { l, z, a } = await threeRuns(() => new Date(Date.now() + 1000));
    const way = 'were collected by gc (retention.days), so no rollback reaches them: move silver/orders/ aside';
    // a rollback to a run before b is refused before it looks at files: b's entry was collected
    expect(await rollback(l, 'orders', a).then(() => 'rolled back', (e: Error) => e.message)).toContain('was garbage-collected; it can no longer be restored');
    // strata query explains the damage from the catalog entry's history, which says which entries gc collected
    expect(await queryError(l)).toContain(way);
    expect(await rollback(l, 'orders', z).then(() => 'rolled back', (e: Error) => e.message)).toContain('garbage-collected');
  }, 120_000);

  it('the whole history archived by gc (the manifest keeps none of it): no rollback, not a rollback to "<the last run before …>" (found by test/damaged-file-advice.property.test.ts)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    const a = (await l.ingest('orders', await l.file('a.csv', `${ORDERS_HEADER}\n${line(1)}\n`))).record.runId;
    await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 });
    const dir = join(l.dir, 'silver/orders/dt=2025-06-12');
    truncateSync(join(dir, readdirSync(dir).find((v) => v.endsWith(a))!, `part-${a}-0.parquet`), 10);
    const message = await queryError(l);
    expect(message).toContain('so no rollback reaches them: move silver/orders/ aside and ingest its bronze objects again');
    expect(message).not.toContain('strata rollback');
  }, 120_000);

  it('the way back followed: silver/orders/ moved aside and its bronze objects ingested again, the table reads the new line, though the catalog showed a higher version of the old one (found by test/damaged-file-advice.property.test.ts)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: 'compaction: { minFiles: 2 }\n' }) });
    lakes.push(l);
    const keys: string[] = [];
    for (const [i, n] of [[1, 'a'], [2, 'b']] as const) keys.push((await l.ingest('orders', await l.file(`${n}.csv`, `${ORDERS_HEADER}\n${line(i)}\n`), { compact: false })).record.source.key);
    await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 });
    await compactLocal(l, ['orders']); // version 3, registered with a history that starts at 3
    const dir = join(l.dir, 'silver/orders/dt=2025-06-12');
    const compacted = readdirSync(dir).filter((v) => v.startsWith('v-')).sort().at(-1)!;
    truncateSync(join(dir, compacted, readdirSync(join(dir, compacted))[0]!), 10);
    expect(await queryError(l)).toContain('move silver/orders/ aside and ingest its bronze objects again');
    renameSync(join(l.dir, 'silver/orders'), join(l.dir, 'orders-aside'));
    for (const key of keys) expect((await ingestKey(l, 'orders', key, { compact: false })).record.status).toBe('SUCCEEDED'); // versions 1 and 2 of a new line
    expect(await l.query('SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ ids: [1, 2] }]);
    expect(await l.query(`SELECT version::INT AS v FROM strata.tables WHERE table_name = 'orders'`)).toEqual([{ v: 2 }]);
  }, 120_000);

  it('the way back after a rollback and gc: the advice leaves out the runs a rollback undid, and strata runs marks them, so following it brings back exactly the table (newcomer trial, stop 35)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    const runs: Array<{ runId: string; key: string }> = [];
    for (const [i, n] of [[1, 'a'], [2, 'b']] as const) {
      const { record } = await l.ingest('orders', await l.file(`${n}.csv`, `${ORDERS_HEADER}\n${line(i)}\n`));
      runs.push({ runId: record.runId, key: record.source.key });
    }
    await rollback(l, 'orders', runs[0]!.runId); // b's row leaves the table
    await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000) });
    const dir = join(l.dir, 'silver/orders/dt=2025-06-12');
    const version = readdirSync(dir).find((v) => v.endsWith(runs[0]!.runId))!;
    truncateSync(join(dir, version, readdirSync(join(dir, version))[0]!), 10);
    expect(await queryError(l)).toContain('move silver/orders/ aside and ingest its bronze objects again (strata runs --dataset orders lists them; leave out the runs it shows as rolled back)');
    // strata runs --json marks b's run rolled back; its other runs' objects are the ones to ingest again.
    const { runs: runsCommand } = await import('../cli/commands/runs.ts');
    let listed: Array<{ runId: string; status: string; rolledBackBy?: string; source?: { key: string } }> = [];
    vi.spyOn(out, 'result').mockImplementation((_text: string, data?: unknown) => { listed = data as typeof listed; });
    await runsCommand.run({ positionals: [], values: { dataset: 'orders' }, global: { lake: l.dir } } as never);
    vi.restoreAllMocks();
    const standing = listed.filter((r) => r.status === 'SUCCEEDED' && !r.rolledBackBy).map((r) => r.source!.key);
    expect(standing).toEqual([runs[0]!.key]);
    renameSync(join(l.dir, 'silver/orders'), join(l.dir, 'orders-aside'));
    for (const key of standing) expect((await ingestKey(l, 'orders', key)).record.status).toBe('SUCCEEDED');
    expect(await l.query('SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ ids: [1] }]);
  }, 120_000);
});

// Append mode holds its primary key across files: a key already in silver is a repeat, quarantined with the reason
// as a key repeated within a file is; an object whose content is already in silver under another name is named.
import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../runtime/storage/port.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESTAGE_LIMIT } from '../workflows/asl.ts';
import { examine } from '../workflows/doctor.ts';
import { rollback } from '../workflows/maintenance.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

const gate = `quality:
  silver:
    halt:
      - IsPrimaryKey "order_id"
`;
async function lake(schema = ordersSchema({ mode: 'append', maxRatio: 1, extra: gate })): Promise<TestLake> {
  const l = await makeLake({ orders: schema });
  lakes.push(l);
  return l;
}

const line = (id: number, day = '12', amount = '10.00') => `${id},C${id},NEW,${amount},Jun ${day} 2025,2025-06-${day}T10:00:00Z`;
const csv = (...rows: string[]) => `${ORDERS_HEADER}\n${rows.join('\n')}\n`;
type Reason = { column: string; rule: string; value: string; message: string };
const quarantined = (l: TestLake, runId: string) =>
  l.query<{ record: number; reasons: Reason[] }>(`SELECT record, reasons FROM quarantine.orders WHERE run_id = '${runId}' ORDER BY record`);

describe('append mode holds its primary key across files', () => {
  it('the same file under a new name: every row is a repeat of silver, quarantined with the reason, and the object is named', async () => {
    const l = await lake(ordersSchema({ mode: 'append', maxRatio: 1 }));
    const body = csv(line(1), line(2, '13'), line(3));
    const first = (await l.ingest('orders', await l.file('monday.csv', body))).record;
    expect(first).toMatchObject({ status: 'SUCCEEDED', rowsValid: 3 });
    const again = (await l.ingest('orders', await l.file('monday-resent.csv', body))).record;
    expect(again).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 0, rowsQuarantined: 3 });
    expect(again.warnings[0]).toBe(`${again.source.key} has the same content as ${first.source.key}, committed by run ${first.runId}: its keys are in silver already, so its rows go to quarantine`);
    expect((await quarantined(l, again.runId)).map((q) => q.reasons)).toEqual([1, 2, 3].map((id) => [{
      column: 'order_id', rule: 'primaryKey', value: `order_id=${id}`, message: `primary key order_id=${id} is already in silver.orders`,
    }]));
    expect(await l.query('SELECT count(*) AS n, count(DISTINCT order_id) AS k FROM silver.orders')).toEqual([{ n: 3, k: 3 }]);
  });

  it('a silver IsPrimaryKey halt gate sees the batch without the repeats, and silver keeps one row per key', async () => {
    const l = await lake();
    const first = (await l.ingest('orders', await l.file('a.csv', csv(line(1), line(2, '13'))))).record;
    const more = (await l.ingest('orders', await l.file('b.csv', csv(line(1), line(2, '13'), line(3))))).record;
    expect([first.status, more.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(more).toMatchObject({ rowsValid: 1, rowsQuarantined: 2 });
    expect(await l.query('SELECT count(*) AS n, count(DISTINCT order_id) AS k FROM silver.orders')).toEqual([{ n: 3, k: 3 }]);
  });

  it('a file that mixes new keys, keys in silver and a key repeated within it: each row gets its own reason', async () => {
    const l = await lake();
    await l.ingest('orders', await l.file('a.csv', csv(line(1), line(2, '13'))));
    // A clean file (the one-pass path finds the repeats and hands over to the exact pass) and one with a bad row.
    const clean = (await l.ingest('orders', await l.file('b.csv', csv(line(2, '13'), line(3), line(4, '14'), line(3))))).record;
    expect(clean).toMatchObject({ status: 'SUCCEEDED', rowsIn: 4, rowsValid: 2, rowsQuarantined: 2 });
    expect((await quarantined(l, clean.runId)).map((q) => [q.record, q.reasons[0]!.message])).toEqual([
      [1, 'primary key order_id=2 is already in silver.orders'], [4, 'primary key order_id=3 repeats record 2'],
    ]);
    const messy = (await l.ingest('orders', await l.file('c.csv', csv(line(5), line(6, '12', 'abc'), line(4, '14'))))).record;
    expect(messy).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 1, rowsQuarantined: 2 });
    expect((await quarantined(l, messy.runId)).map((q) => [q.record, q.reasons[0]!.rule])).toEqual([[2, 'type'], [3, 'primaryKey']]);
    expect(await l.query('SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ ids: [1, 2, 3, 4, 5] }]);
  });

  it('reads only the partitions that can hold a key: the touched ones when the key determines the partition, all otherwise', async () => {
    const byKey = ordersSchema({ mode: 'append', maxRatio: 1 }).replace('primaryKey: [order_id]', 'primaryKey: [order_id, created_at]');
    for (const [schema, expected] of [[ordersSchema({ mode: 'append', maxRatio: 1 }), ['dt=2025-06-12', 'dt=2025-06-13', 'dt=2025-06-14']], [byKey, ['dt=2025-06-13']]] as const) {
      const l = await lake(schema);
      await l.ingest('orders', await l.file('a.csv', csv(line(1), line(2, '13'), line(3, '14'))));
      const read: string[] = [];
      const spying: Storage = Object.create(l.storage);
      spying.withLocalFiles = (keys, fn) => { read.push(...keys); return l.storage.withLocalFiles(keys, fn); };
      const r = (await ingestFile({ ...l, ctx: { ...l.ctx, storage: spying } }, 'orders', await l.file('b.csv', csv(line(2, '13'), line(9, '13'))))).record;
      expect(r).toMatchObject({ rowsValid: 1, rowsQuarantined: 1 });
      expect([...new Set(read.filter((k) => k.startsWith('silver/')).map((k) => k.split('/')[2]))].sort()).toEqual(expected);
    }
  });

  it('two runs staged at the same time with a common key: the later commit is refused, and the run is staged again against the silver the other made: its repeat is quarantined (it failed the run, whose rows were then in neither silver nor quarantine: an attack, stop 53)', async () => {
    const l = await lake();
    const other = await l.file('other.csv', csv(line(1), line(2)));
    const mine = await l.file('mine.csv', csv(line(2), line(3)));
    let otherRun: Awaited<ReturnType<typeof l.ingest>> | undefined;
    // "mine" is staged against an empty table; "other" commits key 2 before "mine" reaches its commit.
    const r = (await l.ingest('orders', mine, {
      wrap: (step, fn) => (step !== 'commit' ? fn : async (input) => { otherRun ??= await l.ingest('orders', other); return fn(input); }),
    })).record;
    expect(otherRun?.record.status).toBe('SUCCEEDED');
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsIn: 2, rowsValid: 1, rowsQuarantined: 1 });
    expect(r.warnings[0]).toBe(`${r.source.key}: its commit was refused once because other runs committed first (${r.source.key}: 1 row has primary keys (order_id) that run ${otherRun!.record.runId} `
      + 'committed to silver.orders while this run was staged); it was staged again against the silver they made, whose keys its rows may not repeat (those are quarantined)');
    expect((await quarantined(l, r.runId)).map((q) => [q.record, q.reasons[0]!.message])).toEqual([[1, 'primary key order_id=2 is already in silver.orders']]);
    expect(await l.query('SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ ids: [1, 2, 3] }]);
    expect((await l.ingest('orders', mine)).record.status).toBe('SKIPPED');
    expect(await l.storage.list('staging/')).toEqual([]);
  });

  it('staged again after a rollback took the key it repeated away: its earlier attempt\'s quarantined rows are not published (they were: the row in silver and in quarantine, an attack, stop 53)', async () => {
    const l = await lake();
    const seed = (await l.ingest('orders', await l.file('seed.csv', csv(line(100))))).record;
    await l.ingest('orders', await l.file('x.csv', csv(line(1))));
    let commits = 0;
    let stages = 0;
    const a = (await l.ingest('orders', await l.file('a.csv', csv(line(1), line(2))), {
      wrap: (step, fn) => {
        // a's first stage quarantines key 1 (x's); y commits key 2 before a's commit; a rollback to seed before a is staged again.
        if (step === 'commit') return async (input) => { if (commits++ === 0) await l.ingest('orders', await l.file('y.csv', csv(line(2)))); return fn(input); };
        if (step === 'stage') return async (input) => { if (stages++ === 1) await rollback(l, 'orders', seed.runId); return fn(input); };
        return fn;
      },
    })).record;
    expect(a).toMatchObject({ status: 'SUCCEEDED', rowsIn: 2, rowsValid: 2, rowsQuarantined: 0 });
    expect(await l.query('SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ ids: [1, 2, 100] }]);
    expect(await l.query('SELECT count(*) AS n FROM quarantine.orders')).toEqual([{ n: 0 }]);
    expect((await examine(l)).problems).toBe(0);
  });

  it(`refused at every commit (${RESTAGE_LIMIT} times staged again): the run fails with the last refusal, commits nothing, and quarantine holds what an earlier run of the object put there, not this run's rows; no staging is left`, async () => {
    const l = await lake(ordersSchema({ mode: 'append', maxRatio: 0.4 }));
    const mine = await l.file('mine.csv', csv(line(2), line(3), line(6), line(7), line(4, '12', 'abc'), line(5, '12', 'x'), line(8, '12', 'y')));
    const rejected = (await l.ingest('orders', mine)).record;
    expect(rejected).toMatchObject({ status: 'REJECTED', rowsQuarantined: 7 });
    // The reject ratio raised: the same object again; before each of its commits, another file commits one of its keys.
    await mkdir(join(l.root, 'raised'));
    await writeFile(join(l.root, 'raised', 'orders.yaml'), ordersSchema({ mode: 'append', maxRatio: 1 }));
    const raised = await openLocalLake({ lake: l.dir, schemas: join(l.root, 'raised') });
    const keys = [2, 3, 6, 7];
    let commits = 0;
    const loser = (await ingestFile(raised, 'orders', mine, {
      wrap: (step, fn) => (step !== 'commit' ? fn : async (input) => {
        const k = keys[commits++]!;
        await ingestFile(raised, 'orders', await l.file(`other-${k}.csv`, csv(line(k))));
        return fn(input);
      }),
    })).record;
    expect(commits).toBe(RESTAGE_LIMIT + 1);
    expect(loser).toMatchObject({ status: 'FAILED', rowsIn: 7, rowsValid: 1, rowsQuarantined: 6, error: { name: 'Strata.CommitConflict' } });
    expect(loser.error?.message).toContain('1 row has primary keys (order_id) that run');
    expect(await l.query('SELECT run_id, count(*) AS n FROM quarantine.orders GROUP BY run_id')).toEqual([{ run_id: rejected.runId, n: 7 }]);
    expect(await l.query('SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ ids: [2, 3, 6, 7] }]);
    expect(await l.storage.list('staging/')).toEqual([]);
  });

  it('upsert is unchanged: the same file under a new name replaces the same rows, with the same-content warning', async () => {
    const l = await lake(ordersSchema({ mode: 'upsert', maxRatio: 1 }));
    const body = csv(line(1), line(2));
    const first = (await l.ingest('orders', await l.file('a.csv', body))).record;
    const again = (await l.ingest('orders', await l.file('b.csv', body))).record;
    expect(again).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2, rowsQuarantined: 0 });
    expect(again.warnings[0]).toBe(`${again.source.key} has the same content as ${first.source.key}, committed by run ${first.runId}: its rows replace the same rows with the same values`);
    expect(await l.query('SELECT count(*) AS n FROM silver.orders')).toEqual([{ n: 2 }]);
    // A commit changed key 2 since: the copy of a.csv takes it back, and the warning says so (newcomer's trial, stop
    // 44: it said 'replace the same rows' while the newer value was overwritten by the older one).
    await l.ingest('orders', await l.file('c.csv', csv(line(2, '12', '99.00'))));
    const copy = (await l.ingest('orders', await l.file('a-copy.csv', body))).record;
    expect(copy.warnings[0]).toBe(`${copy.source.key} has the same content as ${first.source.key}, committed by run ${first.runId}: its rows replace the rows of their keys `
      + `with the values they had in ${first.source.key}: whatever the 2 commits since changed in those keys is undone (upsert: the last file ingested wins)`);
  });
});

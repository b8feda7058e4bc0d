// Local bronze never loses an object: two files of one name are two objects, in sequence and in parallel; a run's
// quarantine rows name an object that keeps the bytes they came from; the same bytes under the same name are one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

async function lake(maxRatio = 1): Promise<TestLake> {
  const l = await makeLake({ orders: ordersSchema({ maxRatio, mode: 'append' }) });
  lakes.push(l);
  return l;
}

const line = (id: number, amount = '10.00') => `${id},C${id},NEW,${amount},Jun 12 2025,2025-06-12T10:00:00Z`;
const csv = (...rows: string[]) => `${ORDERS_HEADER}\n${rows.join('\n')}\n`;
const bytesOf = (l: TestLake, key: string) => readFileSync(join(l.dir, ...key.split('/')), 'utf8');

describe('local bronze keeps every object', () => {
  it('x1/part.csv then x2/part.csv: two objects, each with its own bytes, both files\' rows in silver', async () => {
    const l = await lake();
    const one = csv(line(1), line(2));
    const two = csv(line(3), line(4), line(5));
    const a = (await l.ingest('orders', await l.file('x1/part.csv', one))).record;
    const b = (await l.ingest('orders', await l.file('x2/part.csv', two))).record;
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(await l.query('SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ ids: [1, 2, 3, 4, 5] }]);
    expect(bytesOf(l, a.source.key)).toBe(one);
    expect(bytesOf(l, b.source.key)).toBe(two);
    expect(a.source.key).toMatch(/^bronze\/orders\/_objects\/[0-9a-f]{32}\/part\.csv$/);
  });

  it('in parallel: each run reads its own file; every row lands once', async () => {
    const l = await lake();
    const files = await Promise.all([0, 1, 2, 3].map((i) => l.file(`x${i}/part.csv`, csv(...[1, 2, 3].map((k) => line(i * 10 + k))))));
    const records = (await Promise.all(files.map((f) => l.ingest('orders', f)))).map((r) => r.record);
    expect(records.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(await l.query('SELECT count(*) AS n, list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ n: 12, ids: [1, 2, 3, 11, 12, 13, 21, 22, 23, 31, 32, 33] }]);
    expect(new Set(records.map((r) => r.source.key)).size).toBe(4);
  });

  it('a fixed file sent again under its name: the rejected run\'s quarantine rows still point to the bytes they came from', async () => {
    const l = await lake(0.05);
    const broken = csv(line(1, 'abc'), line(2, 'xyz'));
    const fixed = csv(line(1), line(2));
    const rejected = (await l.ingest('orders', await l.file('orders.csv', broken))).record;
    expect(rejected.status).toBe('REJECTED');
    const q = await l.query<{ source: string; line: number }>(`SELECT source, line FROM quarantine.orders WHERE run_id = '${rejected.runId}' ORDER BY line`);
    expect(q.map((x) => x.line)).toEqual([2, 3]);
    const ok = (await l.ingest('orders', await l.file('orders.csv', fixed))).record;
    expect(ok.status).toBe('SUCCEEDED');
    // The quarantine row names an object that still holds the broken bytes, at the line it names.
    for (const x of q) expect(bytesOf(l, x.source).split('\n')[x.line - 1]).toBe(broken.split('\n')[x.line - 1]);
    expect(bytesOf(l, ok.source.key)).toBe(fixed);
  });

  it('the same bytes under the same name are one object: ingesting it again changes nothing', async () => {
    const l = await lake();
    const file = await l.file('orders.csv', csv(line(1)));
    const first = (await l.ingest('orders', file)).record;
    const again = (await l.ingest('orders', file)).record;
    expect([first.status, again.status]).toEqual(['SUCCEEDED', 'SKIPPED']);
    expect(again.source.key).toBe(first.source.key);
    expect((await l.storage.list('bronze/orders/')).map((o) => o.key)).toEqual([first.source.key]);
  });
});

// strata dev: the bronze folder stands in for S3 events.
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../runtime/runs/record.ts';
import { BronzeWatcher } from '../workflows/watch.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let lake: TestLake;
let watcher: BronzeWatcher;
const finished: RunRecord[] = [];
const started: string[] = [];
const ignored: string[] = [];

beforeAll(async () => {
  lake = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
  watcher = new BronzeWatcher(lake, {
    started: (key) => started.push(key),
    finished: (r) => finished.push(r),
    ignored: (key, why) => ignored.push(`${key}: ${why}`),
  }, { settleMs: 300, pollMs: 50 });
  await watcher.start();
});
afterAll(async () => {
  await watcher?.stop();
  await lake?.cleanup();
});

const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => `${from + i},w,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z`).join('\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('strata dev (watching bronze)', () => {
  it('a file written in place starts one execution once its size is stable', async () => {
    const p = join(lake.dir, 'bronze/orders/slow.csv');
    await writeFile(p, `${ORDERS_HEADER}\n${rows(1, 10)}\n`);
    await sleep(120);
    await appendFile(p, `${rows(11, 10)}\n`); // still being written: must not start yet
    await sleep(120);
    await appendFile(p, `${rows(21, 10)}\n`);
    await watcher.idle();
    const runs = finished.filter((r) => r.source.key === 'bronze/orders/slow.csv');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'SUCCEEDED', rowsIn: 30 });
  });

  it('a file renamed into bronze starts one execution', async () => {
    const tmp = join(lake.root, 'in', 'staged.csv');
    await mkdir(join(lake.root, 'in'), { recursive: true });
    await writeFile(tmp, `${ORDERS_HEADER}\n${rows(100, 5)}\n`);
    await rename(tmp, join(lake.dir, 'bronze/orders/renamed.csv'));
    await watcher.idle();
    await sleep(400);
    await watcher.idle();
    expect(finished.filter((r) => r.source.key === 'bronze/orders/renamed.csv').map((r) => r.status)).toEqual(['SUCCEEDED']);
  });

  it('files for unknown datasets are reported and left alone', async () => {
    await mkdir(join(lake.dir, 'bronze/unknown'), { recursive: true });
    await writeFile(join(lake.dir, 'bronze/unknown/x.csv'), 'a,b\n1,2\n');
    await sleep(300);
    await watcher.idle();
    expect(ignored).toEqual(['bronze/unknown/x.csv: no schema defines dataset "unknown"; files under bronze/unknown/ are left alone']);
    expect(existsSync(join(lake.dir, 'bronze/unknown/x.csv'))).toBe(true);
    expect(started.some((k) => k.startsWith('bronze/unknown/'))).toBe(false);
  });

  it('several files at once run concurrently without corrupting silver', async () => {
    await Promise.all([0, 1, 2, 3, 4].map((i) => writeFile(join(lake.dir, `bronze/orders/burst-${i}.csv`), `${ORDERS_HEADER}\n${rows(1000 + i * 100, 20)}\n`)));
    await sleep(200);
    await watcher.idle();
    const burst = finished.filter((r) => r.source.key.includes('burst-'));
    expect(burst.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(await lake.query(`SELECT count(*) AS n, count(DISTINCT order_id) AS k FROM silver.orders`)).toEqual([{ n: 135, k: 135 }]);
  });

  it('stop waits for running executions to finish', async () => {
    await writeFile(join(lake.dir, 'bronze/orders/last.csv'), `${ORDERS_HEADER}\n${rows(5000, 3)}\n`);
    while (!started.includes('bronze/orders/last.csv')) await sleep(20);
    await watcher.stop();
    expect(finished.some((r) => r.source.key === 'bronze/orders/last.csv')).toBe(true);
  });
});

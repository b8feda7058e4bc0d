// strata dev: the bronze folder stands in for S3 events.
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../runtime/runs/record.ts';
import { BronzeWatcher, type WatchTimers } from '../workflows/watch.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

/** The shared watcher's settle window; the file being written is tested with timers the test steps (below). */
const SETTLE_MS = 1500;
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
  }, { settleMs: SETTLE_MS, pollMs: 50 });
  await watcher.start();
});
// Each test sees only the events of its own files.
beforeEach(() => { finished.length = 0; started.length = 0; ignored.length = 0; });
afterAll(async () => {
  await watcher?.stop();
  await lake?.cleanup();
});

/** Runs of the file the user wrote as bronze/orders/<name> (each reads the object kept for it, checked below). */
const runsOf = (name: string) => finished.filter((r) => new RegExp(`^bronze/orders/(_objects/[0-9a-f]{32}/)?${name.replace(/\./g, '\\.')}$`).test(r.source.key));
/**
 * Wait for what the test expects to happen; fail, saying what, if it has not after 60 s. With idle (the default),
 * also for the executions under way to finish.
 */
async function until(what: string, cond: () => boolean, { idle = true } = {}): Promise<void> {
  const end = Date.now() + 60_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`still waiting after 60 s for ${what}`);
    await sleep(20);
    if (idle) await watcher.idle();
  }
  if (idle) await watcher.idle();
}
const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => `${from + i},w,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z`).join('\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('strata dev (watching bronze)', () => {
  it('a file renamed into bronze starts one execution', async () => {
    const tmp = join(lake.root, 'in', 'staged.csv');
    await mkdir(join(lake.root, 'in'), { recursive: true });
    await writeFile(tmp, `${ORDERS_HEADER}\n${rows(100, 5)}\n`);
    await rename(tmp, join(lake.dir, 'bronze/orders/renamed.csv'));
    await until('the run of renamed.csv', () => runsOf('renamed.csv').length > 0);
    expect(runsOf('renamed.csv').map((r) => r.status)).toEqual(['SUCCEEDED']);
  });

  it('files for unknown datasets are reported and left alone', async () => {
    await mkdir(join(lake.dir, 'bronze/unknown'), { recursive: true });
    await writeFile(join(lake.dir, 'bronze/unknown/x.csv'), 'a,b\n1,2\n');
    await until('x.csv to be reported', () => ignored.length > 0);
    expect(ignored).toEqual(['bronze/unknown/x.csv: no schema defines dataset "unknown"; files under bronze/unknown/ are left alone']);
    expect(existsSync(join(lake.dir, 'bronze/unknown/x.csv'))).toBe(true);
    expect(started.some((k) => k.startsWith('bronze/unknown/'))).toBe(false);
  });

  it('several files at once run concurrently without corrupting silver', async () => {
    await Promise.all([0, 1, 2, 3, 4].map((i) => writeFile(join(lake.dir, `bronze/orders/burst-${i}.csv`), `${ORDERS_HEADER}\n${rows(1000 + i * 100, 20)}\n`)));
    await until('the five burst runs', () => finished.filter((r) => r.source.key.includes('burst-')).length === 5);
    const burst = finished.filter((r) => r.source.key.includes('burst-'));
    expect(burst.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    // 5 files × 20 rows, ids 1000-1019, 1100-1119, … 1400-1419: each once.
    expect(await lake.query(`SELECT count(*) AS n, count(DISTINCT order_id) AS k FROM silver.orders WHERE order_id BETWEEN 1000 AND 1499`)).toEqual([{ n: 100, k: 100 }]);
  });

  it('a file written again under its name is a new object: both runs commit, the first object keeps its bytes, the file stays', async () => {
    const p = join(lake.dir, 'bronze/orders/daily.csv');
    const first = `${ORDERS_HEADER}\n${rows(7000, 2)}\n`;
    const second = `${ORDERS_HEADER}\n${rows(7100, 3)}\n`;
    await writeFile(p, first);
    await until('the first run of daily.csv', () => runsOf('daily.csv').length === 1);
    await writeFile(p, second);
    await until('the second run of daily.csv', () => runsOf('daily.csv').length === 2);
    const [a, b] = runsOf('daily.csv');
    expect([a?.status, b?.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(await lake.query(`SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders WHERE order_id >= 7000`)).toEqual([{ ids: [7000, 7001, 7100, 7101, 7102] }]);
    expect(readFileSync(join(lake.dir, a!.source.key), 'utf8')).toBe(first);
    expect(readFileSync(join(lake.dir, b!.source.key), 'utf8')).toBe(second);
    expect(readFileSync(p, 'utf8')).toBe(second); // the user's file is left where it was written
  });

  it('stop waits for running executions to finish', async () => {
    await writeFile(join(lake.dir, 'bronze/orders/last.csv'), `${ORDERS_HEADER}\n${rows(5000, 3)}\n`);
    await until('last.csv to start', () => started.includes('bronze/orders/last.csv'), { idle: false });
    expect(runsOf('last.csv')).toHaveLength(0); // still running: stop has something to wait for
    await watcher.stop();
    expect(runsOf('last.csv')).toHaveLength(1);
  });
});

/** The watcher's looks at a settling file, fired only when the test says: no race between the test's writes and a clock. */
class SteppedTimers implements WatchTimers {
  private readonly due = new Map<number, () => void>();
  private n = 0;
  /** Looks scheduled so far (by a file event or by the look before). */
  sets = 0;
  set(fn: () => void): number {
    this.sets++;
    this.due.set(++this.n, fn);
    return this.n;
  }
  clear(handle: unknown): void {
    this.due.delete(handle as number);
  }
  get waiting(): number {
    return this.due.size;
  }
  /** Fire the looks due now; each stats the file, then schedules the next look or starts the run. */
  fire(): void {
    const fns = [...this.due.values()];
    this.due.clear();
    for (const fn of fns) fn();
  }
}

describe('strata dev: a file still being written (looks stepped by the test)', () => {
  // settleMs 300 / pollMs 100: a file runs at its 4th look after its last change (one look sees the size, three more
  // see it unchanged: 100, 200, 300 ms of counted stability).
  const timers = new SteppedTimers();
  const seen: string[] = [];
  const done: RunRecord[] = [];
  let own: TestLake;
  let w: BronzeWatcher;
  beforeAll(async () => {
    own = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    w = new BronzeWatcher(own, { started: (key) => seen.push(key), finished: (r) => done.push(r) }, { settleMs: 300, pollMs: 100, timers });
    await w.start();
  });
  afterAll(async () => {
    await w?.stop();
    await own?.cleanup();
  });
  /** Wait (at most 60 s) for the watcher to react to something the test did. */
  async function reacted(what: string, cond: () => boolean): Promise<void> {
    const end = Date.now() + 60_000;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`still waiting after 60 s for ${what}`);
      await sleep(5);
    }
  }
  /** One look: fire it and wait until it has scheduled the next one or started the run. */
  async function look(): Promise<void> {
    const [sets, started] = [timers.sets, seen.length];
    expect(timers.waiting).toBe(1);
    timers.fire();
    await reacted('the look to finish', () => timers.sets > sets || seen.length > started);
  }
  /** Change the file, then wait for its event to restart the wait (a new look scheduled without firing any). */
  async function change(write: () => Promise<void>): Promise<void> {
    const sets = timers.sets;
    await write();
    await reacted('the file event', () => timers.sets > sets);
  }

  it('does not start while the file changes, starts at the 4th unchanged look after the last change, once, with every row', async () => {
    const p = join(own.dir, 'bronze/orders/slow.csv');
    await change(() => writeFile(p, `${ORDERS_HEADER}\n${rows(1, 10)}\n`));
    await look();
    await look();
    await change(() => appendFile(p, `${rows(11, 10)}\n`));
    await look();
    await look();
    await look();
    await change(() => appendFile(p, `${rows(21, 10)}\n`)); // three looks in: one more would have started it
    expect(seen).toEqual([]);
    for (let i = 1; i <= 3; i++) {
      await look();
      expect(seen).toEqual([]); // seen once, then unchanged for 100 and 200 ms of looks: not yet
    }
    // The 4th look starts it; a late second event of the last write can only restart the count, never shorten it.
    for (let i = 4; i <= 8 && seen.length === 0; i++) await look();
    expect(seen).toEqual(['bronze/orders/slow.csv']);
    await reacted('the run of slow.csv', () => done.length > 0);
    await w.idle();
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ status: 'SUCCEEDED', rowsIn: 30 });
    expect(done[0]!.source.key).toMatch(/^bronze\/orders\/_objects\/[0-9a-f]{32}\/slow\.csv$/);
    expect(timers.waiting).toBe(0); // nothing left to look at
  });
});

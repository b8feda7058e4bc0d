// A file dropped into bronze/<dataset>/ while strata dev watches it is read through its copy, the bronze object
// _objects/<content id>/<name> (workflows/watch.ts): the run names the copy. strata doctor said the dropped file had
// never been read, a problem after an hour, with "ingest it" as the way back, which is SKIPPED (newcomer's trial,
// stop 52). It is read when a copy that a run read has its name, size, mtime and content id; a file written again
// under the name, not ingested, is still said unread, even with the copy's size and mtime.
import { statSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../runtime/runs/record.ts';
import { BronzeWatcher } from '../workflows/watch.ts';
import { strataMain } from './helpers/cli.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

/** What strata doctor over `k`'s lake prints (in this process, its output captured). */
const doctor = async (k: TestLake) => (await strataMain(k.root, 'doctor', '--lake', k.dir, '--schemas', join(k.root, 'schemas'))).stdout;

describe('a file strata dev ingested from bronze/<dataset>/', () => {
  it('is read for strata doctor; the same name written again with other bytes is not, even with the copy\'s size and mtime', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    const finished: RunRecord[] = [];
    const watcher = new BronzeWatcher(k, { finished: (r) => finished.push(r) }, { settleMs: 300, pollMs: 50 });
    try {
      await watcher.start();
      const dropped = join(k.dir, 'bronze/orders/o3.csv');
      await writeFile(dropped, `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`);
      const end = Date.now() + 30_000;
      while (!finished.length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      await watcher.idle();
      await watcher.stop();
      expect(finished.map((r) => [r.status, r.source.key])).toEqual([['SUCCEEDED', expect.stringMatching(/^bronze\/orders\/_objects\/[0-9a-f]+\/o3\.csv$/)]]);
      expect(await doctor(k)).not.toContain('no run has read');

      // Written again with other bytes of the same length, its mtime set back to the copy's: not read by any run.
      const copy = join(k.dir, finished[0]!.source.key);
      const { mtime } = statSync(copy);
      await writeFile(dropped, `${ORDERS_HEADER}\n2,Bob,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`);
      await utimes(dropped, mtime, mtime);
      expect(statSync(dropped).size).toBe(statSync(copy).size);
      expect(await doctor(k)).toMatch(/runs\.orders +note {2}1 object in bronze that no run has read yet \(written in the last hour: a run may still be going\), e\.g\. \S*bronze\/orders\/o3\.csv/);
    } finally {
      await watcher.stop();
      await k.cleanup();
    }
  }, 60_000);
});

// The local Storage.deleteIfMatch at the moment it looks at the file (a hook at its lstat of the key), with other runs
// of the object, a reader and a failure landing there. Found by an attack (stop 40) on its first version, which moved
// the file aside, looked at it there and linked it back: the key was empty meanwhile, so a rejection checking its
// published batch failed as Internal and a reader of quarantine.orders failed; a register step left the put-back file
// out of the catalog; a key deleted meanwhile on purpose came back beside a commit that quarantined nothing; a failure
// there left the batch under a temporary name; and it compared size and mtime, not the file. Now it looks at the file
// in place (device and inode, size and mtime) and unlinks it right after; these interleavings hold, and the attack's
// versions of these tests (a hook inside the move-aside) failed against the first version.
import { utimes } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../runtime/runs/record.ts';
import { armFaults } from '../runtime/util/fault.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { garbageCollect } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';
import { holdings, otherSchema, REJECTING, STRICT, stoppedRollback } from './helpers/quarantine.ts';

/**
 * Run once at deleteIfMatch's look at the file: its first system call is the lstat of the key, so right before it is
 * called. (A module mock of node:fs/promises does not reach a module another test file of the worker loaded first:
 * vitest runs with isolate: false.)
 */
const hook: { fn?: (p: string) => Promise<void> } = {};
async function atLook(path: string): Promise<void> {
  const f = hook.fn;
  hook.fn = undefined;
  if (f) await f(path);
}

let l: TestLake | undefined;
afterEach(async () => { hook.fn = undefined; armFaults(undefined); await l?.cleanup(); l = undefined; });

// Both rows valid under the lake's schema (a commit quarantines nothing: a `none` marker); STRICT quarantines row 2;
// REJECTING rejects the file whole.
const BODY2 = `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bo,SHIPPED,10.00,Jun 12 2025,2025-06-12T11:00:00Z\n`;

async function setup() {
  l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
  const lake = l;
  const rejecting = await otherSchema(lake, 'rejecting', REJECTING);
  const strict = await otherSchema(lake, 'strict', STRICT);
  const c0 = (await lake.ingest('orders', await lake.file('other.csv', `${ORDERS_HEADER}\n10,Di,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`))).record;
  const file = await lake.file('same.csv', BODY2);
  const c1 = (await ingestFile(strict, 'orders', file)).record;
  expect(c1).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1, rowsQuarantined: 1 });
  const q = (await lake.storage.list('quarantine/orders/')).map((o) => o.key).find((k) => !k.includes('/_strata/'))!;
  await stoppedRollback(lake, c0.runId); // q: c1's rows (row 2), no commit of the object stands
  return { lake, rejecting, file, q, c0, c1 };
}

describe('a stale quarantine file removed while other runs of the object, readers and failures come', () => {
  it('a rejection publishes, then a commit that quarantines nothing lands as the file is looked at: no quarantine file beside the commit', async () => {
    const { lake, rejecting, file, q } = await setup();
    let rejected: RunRecord | undefined; let c2: RunRecord | undefined;
    const del = lake.storage.deleteIfMatch.bind(lake.storage);
    lake.storage.deleteIfMatch = async (o) => {
      const key = o.key;
      if (key === q && !rejected) {
        // A rejection of the object publishes its batch after gc looked (q changed: the delete will not match).
        rejected = (await ingestFile(rejecting, 'orders', file)).record;
        // As gc looks at the file: a commit of the object that quarantines nothing.
        hook.fn = async () => { c2 = (await lake.ingest('orders', file)).record; };
      }
      await atLook(key);
      return del(o);
    };
    const gc = await garbageCollect(lake, {});
    lake.storage.deleteIfMatch = del;
    expect(rejected).toMatchObject({ status: 'REJECTED', rowsQuarantined: 2 });
    expect(c2).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2, rowsQuarantined: 0 });
    expect(gc.pendingQuarantine.stale).toBe(0);
    const h = await holdings(lake);
    // c2's commit stands and quarantined nothing: its rows are silver's, the object has no quarantine file.
    expect(h.silver).toEqual([1, 2, 10]);
    expect(await lake.storage.head(q)).toBeUndefined();
  });

  it('a rejection checking its published batch, and a reader of quarantine.orders, as the file is looked at: REJECTED with its rows, the read answered', async () => {
    const { lake, rejecting, file, q } = await setup();
    const defer = () => { let r!: () => void; const p = new Promise<void>((res) => { r = res; }); return { p, r }; };
    const atHead = defer(); const window = defer(); const headDone = defer();
    const copy = rejecting.storage.copy.bind(rejecting.storage);
    const head = rejecting.storage.head.bind(rejecting.storage);
    let armed = false;
    rejecting.storage.copy = async (from, to) => { await copy(from, to); if (to === q) armed = true; };
    rejecting.storage.head = async (key) => {
      if (armed && key === q) { armed = false; atHead.r(); await window.p; const r = await head(key); headDone.r(); return r; }
      return head(key);
    };
    let rejection: Promise<{ record: RunRecord }> | undefined;
    let readErr: string | undefined;
    const del = lake.storage.deleteIfMatch.bind(lake.storage);
    lake.storage.deleteIfMatch = async (o) => {
      const key = o.key;
      if (key === q && !rejection) {
        rejection = ingestFile(rejecting, 'orders', file);
        await atHead.p; // its batch is q now; its check of q comes next
        hook.fn = async () => {
          readErr = await lake.query('SELECT count(*) AS n FROM quarantine.orders').then(() => undefined, (e: Error) => e.message.split('\n')[0]);
          window.r(); await headDone.p;
        };
      }
      await atLook(key);
      return del(o);
    };
    await garbageCollect(lake, {});
    lake.storage.deleteIfMatch = del;
    const r = (await rejection!).record;
    expect(readErr).toBeUndefined();
    expect(r).toMatchObject({ status: 'REJECTED', rowsQuarantined: 2 });
    // No commit of the object stands: its quarantine file is the rejection's whole batch.
    expect((await holdings(lake)).quarantine).toEqual([1, 2].map((record) => ({ run_id: r.runId, record })));
  });

  it('a rejection batch of the size and mtime of the stale file, published after gc looked: another file, kept', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const lake = l;
    const rejecting = await otherSchema(lake, 'rejecting', ordersSchema({ maxRatio: 0.5 }).replace('allowed: [NEW, SHIPPED, CANCELLED]', 'allowed: [NEW]'));
    const BAD = `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,x\n2,Bo,NEW,10.00,Jun 12 2025,y\n3,Cy,NEW,10.00,Jun 12 2025,z\n`;
    const c0 = (await lake.ingest('orders', await lake.file('other.csv', `${ORDERS_HEADER}\n10,Di,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`))).record;
    const file = await lake.file('same.csv', BAD);
    (await lake.ingest('orders', file));
    await lake.ingest('orders', await lake.file('y.csv', `${ORDERS_HEADER}\n20,Di,NEW,10.00,Jun 12 2025,2025-06-13T10:00:00Z\n`));
    await stoppedRollback(lake, c0.runId); // q: the forgotten commit's 3 rows
    const q = (await lake.storage.list('quarantine/orders/')).find((o) => !o.key.includes('/_strata/'))!;
    let rejected: RunRecord | undefined;
    const del = lake.storage.deleteIfMatch.bind(lake.storage);
    lake.storage.deleteIfMatch = async (o) => {
      const key = o.key;
      if (key === q.key && !rejected) {
        rejected = (await ingestFile(rejecting, 'orders', file)).record;
        // The same second on a file system with coarse timestamps (or the same millisecond): same size, same mtime.
        await new Promise<void>((res, rej) => utimes(lake.storage.path(q.key), new Date(parseInt(q.etag.split('-')[1]!, 16)), new Date(parseInt(q.etag.split('-')[1]!, 16)), (e) => (e ? rej(e) : res())));
      }
      await atLook(key);
      return del(o);
    };
    const gc = await garbageCollect(lake, {});
    lake.storage.deleteIfMatch = del;
    expect(rejected).toMatchObject({ status: 'REJECTED', rowsQuarantined: 3 });
    expect(gc.pendingQuarantine.stale).toBe(0);
    // No commit of the object stands: its quarantine file must be the rejection's batch.
    expect(await lake.storage.head(q.key)).toBeDefined();
  });

  it('another run\'s register step as the file is looked at: the rejection batch stays in quarantine.orders', async () => {
    const { lake, rejecting, file, q } = await setup();
    let rejected: RunRecord | undefined; let other: RunRecord | undefined;
    const del = lake.storage.deleteIfMatch.bind(lake.storage);
    lake.storage.deleteIfMatch = async (o) => {
      const key = o.key;
      if (key === q && !rejected) {
        rejected = (await ingestFile(rejecting, 'orders', file)).record; // q changed: the delete will not match
        hook.fn = async () => { other = (await lake.ingest('orders', await lake.file('next.csv', `${ORDERS_HEADER}\n11,Ed,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`))).record; };
      }
      await atLook(key);
      return del(o);
    };
    await garbageCollect(lake, {});
    lake.storage.deleteIfMatch = del;
    expect(rejected).toMatchObject({ status: 'REJECTED', rowsQuarantined: 2 });
    expect(other).toMatchObject({ status: 'SUCCEEDED' });
    expect(await lake.storage.head(q)).toBeDefined();
    const h = await holdings(lake);
    expect(h.quarantine).toEqual([1, 2].map((record) => ({ run_id: rejected!.runId, record })));
  });

  it('a failure as the file is looked at: the rejection batch stays under its key', async () => {
    const { lake, rejecting, file, q } = await setup();
    let rejected: RunRecord | undefined;
    const del = lake.storage.deleteIfMatch.bind(lake.storage);
    lake.storage.deleteIfMatch = async (o) => {
      const key = o.key;
      if (key === q && !rejected) {
        rejected = (await ingestFile(rejecting, 'orders', file)).record; // q changed: the delete will not match
        hook.fn = async () => { throw Object.assign(new Error('EIO: i/o error, lstat'), { code: 'EIO' }); }; // or the process is killed here
      }
      await atLook(key);
      return del(o);
    };
    await garbageCollect(lake, {});
    lake.storage.deleteIfMatch = del;
    expect(rejected).toMatchObject({ status: 'REJECTED', rowsQuarantined: 2 });
    // No commit of the object stands: its quarantine file must be the rejection's batch.
    expect(await lake.storage.head(q)).toBeDefined();
  });
});

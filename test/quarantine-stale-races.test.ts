// The removal of a stale quarantine file (runtime/pipeline/commit.ts staleQuarantine, dropStale: the rows of a commit a
// stopped rollback forgot) racing the runs around it. Found by an attack on its first version (stop 40), which
// compared a listing taken earlier and deleted unconditionally: a rejection of the object that published its batch
// meanwhile lost it (its rows in neither table, with nothing left to restore from), a commit or a rollback landing
// between the manifest's read and the delete lost the committed run's quarantined rows until the next settlement,
// two files of equal size and mtime were taken for the same bytes, and a killed run's pending file of the marker's
// size kept the stale file. Now the delete is conditional (Storage.deleteIfMatch), a commit found standing after it
// is settled at once, and files are compared as files (a hard link) or by content.
import { utimes } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { armFaults } from '../runtime/util/fault.ts';
import { examine } from '../workflows/doctor.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';
import { forgottenCommit, holdings, otherSchema, REJECTING, STRICT } from './helpers/quarantine.ts';

let l: TestLake | undefined;
afterEach(async () => { armFaults(undefined); await l?.cleanup(); l = undefined; });

/** The lake a rollback stopped after its swap leaves (helpers/quarantine.ts forgottenCommit), with the schema lakes the tests use. */
async function staleLake() {
  l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
  const lake = l;
  const rejecting = await otherSchema(lake, 'rejecting', REJECTING);
  return { lake, rejecting, ...await forgottenCommit(lake) };
}

describe('the removal of a stale quarantine file racing other runs', () => {
  it('gc: a rejection of the forgotten object that publishes its batch after gc listed the folder keeps it', async () => {
    const { lake, rejecting, file, q } = await staleLake();
    let rejected: Awaited<ReturnType<typeof ingestFile>>['record'] | undefined;
    const list = lake.storage.list.bind(lake.storage);
    let armed = true;
    lake.storage.list = async (prefix) => {
      const r = await list(prefix);
      if (armed && prefix === 'quarantine/orders/') { armed = false; rejected = (await ingestFile(rejecting, 'orders', file)).record; }
      return r;
    };
    // Right after the rejection, before gc goes on: its batch is the object's quarantine file.
    await garbageCollect(lake, {});
    lake.storage.list = list;
    expect(rejected).toMatchObject({ status: 'REJECTED', rowsQuarantined: 3 });
    // No commit of the object stands: its quarantine file should be the rejection's whole batch.
    expect(await lake.storage.head(q)).toBeDefined();
    expect((await holdings(lake)).quarantine).toEqual([1, 2, 3].map((record) => ({ run_id: rejected!.runId, record })));
  });

  it('the register step of another object\'s run: a rejection of the forgotten object that publishes meanwhile keeps its batch', async () => {
    const { lake, rejecting, file, q } = await staleLake();
    let rejected: Awaited<ReturnType<typeof ingestFile>>['record'] | undefined;
    const list = lake.storage.list.bind(lake.storage);
    let armed = false;
    lake.storage.list = async (prefix) => {
      const r = await list(prefix);
      if (armed && prefix === 'quarantine/orders/') { armed = false; rejected = (await ingestFile(rejecting, 'orders', file)).record; }
      return r;
    };
    const next = (await lake.ingest('orders', await lake.file('next.csv', `${ORDERS_HEADER}\n11,Ed,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`), {
      wrap: (name, fn) => (name !== 'register' ? fn : async (input) => { armed = true; return fn(input); }),
    })).record;
    lake.storage.list = list;
    expect(next.status).toBe('SUCCEEDED');
    expect(rejected).toMatchObject({ status: 'REJECTED', rowsQuarantined: 3 });
    expect(await lake.storage.head(q)).toBeDefined();
    expect((await holdings(lake)).quarantine).toEqual([1, 2, 3].map((record) => ({ run_id: rejected!.runId, record })));
  });

  it('gc: a commit of the object that lands between the manifest\'s read and the delete has its quarantined rows at once', async () => {
    const { lake, file, q } = await staleLake();
    let c2: Awaited<ReturnType<typeof ingestFile>>['record'] | undefined;
    const del = lake.storage.deleteIfMatch.bind(lake.storage);
    let armed = true;
    lake.storage.deleteIfMatch = async (o) => {
      if (armed && o.key === q) { armed = false; c2 = (await lake.ingest('orders', file)).record; }
      return del(o);
    };
    const gc = await garbageCollect(lake, {});
    lake.storage.deleteIfMatch = del;
    expect(c2).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2, rowsQuarantined: 1 });
    expect(gc.pendingQuarantine.stale).toBe(0); // the file changed under it: c2's rows, not deleted
    // c2's commit stands: silver 1, 2 (and 10) and quarantine row 3 (c2's).
    const h = await holdings(lake);
    expect(h.silver).toEqual([1, 2, 10]);
    expect(h.quarantine).toEqual([{ run_id: c2!.runId, record: 3 }]);
  });

  it('gc: a rollback that brings the forgotten commit back between the manifest\'s read and the delete has its rows at once', async () => {
    const { lake, c1, q } = await staleLake();
    const del = lake.storage.deleteIfMatch.bind(lake.storage);
    let armed = true;
    lake.storage.deleteIfMatch = async (o) => {
      if (armed && o.key === q) { armed = false; await rollback(lake, 'orders', c1.runId); }
      return del(o);
    };
    await garbageCollect(lake, {});
    lake.storage.deleteIfMatch = del;
    const h = await holdings(lake);
    expect(h.silver).toEqual([1, 10]);
    expect(h.quarantine).toEqual([2, 3].map((record) => ({ run_id: c1.runId, record })));
  });
});

describe('the removal of a stale quarantine file racing rollbacks', () => {
  it('a rollback that brings the commit back as the stale file goes, then another that forgets it again before its rows are put back: no quarantine file (found by a second attack)', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const lake = l;
    const { c0, c1, q } = await forgottenCommit(lake);
    const del = lake.storage.deleteIfMatch.bind(lake.storage);
    const copy = lake.storage.copy.bind(lake.storage);
    let phase = 0;
    lake.storage.deleteIfMatch = async (o) => {
      if (phase === 0 && o.key === q) { phase = 1; await rollback(lake, 'orders', c1.runId); phase = 2; } // c1's commit stands again
      return del(o);
    };
    lake.storage.copy = async (from, to) => {
      if (phase === 2 && to === q) { phase = 3; await rollback(lake, 'orders', c0.runId); } // and is forgotten again, settled fully
      return copy(from, to);
    };
    await garbageCollect(lake, {});
    lake.storage.deleteIfMatch = del; lake.storage.copy = copy;
    expect(phase).toBe(3);
    const h = await holdings(lake);
    // No commit of the object stands (silver holds c0's row only): it has no quarantine file.
    expect(h.silver).toEqual([10]);
    expect(await lake.storage.head(q)).toBeUndefined();
  });
});

// Every row fails validation (no valid time): a committing run quarantines all three, a rejecting run's batch is the same three.
const BAD = `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,x\n2,Bo,NEW,10.00,Jun 12 2025,y\n3,Cy,NEW,10.00,Jun 12 2025,z\n`;

describe('a stale quarantine file is told by its bytes', () => {
  it('a rejection\'s batch of the same size and mtime (ms) as a forgotten committer\'s marker is not taken for its bytes', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const lake = l;
    const rejecting = await otherSchema(lake, 'rejecting', ordersSchema({ maxRatio: 0.5 }).replace('allowed: [NEW, SHIPPED, CANCELLED]', 'allowed: [NEW]'));
    const c0 = (await lake.ingest('orders', await lake.file('other.csv', `${ORDERS_HEADER}\n10,Di,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`))).record;
    const file = await lake.file('same.csv', BAD);
    const c1 = (await lake.ingest('orders', file)).record;
    await lake.ingest('orders', await lake.file('y.csv', `${ORDERS_HEADER}\n20,Di,NEW,10.00,Jun 12 2025,2025-06-13T10:00:00Z\n`));
    await rollback(lake, 'orders', c0.runId); // X forgotten, completed: q removed
    const r = (await ingestFile(rejecting, 'orders', file)).record;
    expect(r).toMatchObject({ status: 'REJECTED', rowsQuarantined: 3 });
    const all = await lake.storage.list('quarantine/orders/');
    const q = all.find((o) => !o.key.includes('/_strata/'))!;
    const marker = all.find((o) => o.key.includes(`.${c1.runId}.parquet`))!;
    expect(q.size).toBe(marker.size);
    // The two files written in the same millisecond (two runs of the object at once, or a filesystem with coarse timestamps).
    const t = new Date();
    await utimes(lake.storage.path(q.key), t, t);
    await utimes(lake.storage.path(marker.key), t, t);
    const gc = await garbageCollect(lake, {});
    expect(gc.pendingQuarantine.stale).toBe(0);
    expect(await lake.storage.head(q.key)).toBeDefined();
  });

  it('a killed run of the object under the same rules (its pending file the size of the marker) does not keep the forgotten commit\'s rows: running the rollback again removes them', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const lake = l;
    const strict2 = await otherSchema(lake, 'strict2', STRICT);
    const { c0, file } = await forgottenCommit(lake);
    // Another run of the object under the strict rules, killed in its commit step after writing its pending rows
    // (simulated: its copy never returns, nothing after it runs).
    const copy = strict2.storage.copy.bind(strict2.storage);
    let written!: () => void;
    const killed = new Promise<void>((r) => { written = r; });
    strict2.storage.copy = async (from, to) => { await copy(from, to); if (to.includes('/_strata/pending/')) { written(); await new Promise(() => {}); } };
    void ingestFile(strict2, 'orders', file);
    await killed;
    const all = await lake.storage.list('quarantine/orders/');
    const q = all.find((o) => !o.key.includes('/_strata/'))!;
    expect((await examine(lake)).findings.filter((f) => f.subject === 'quarantine.orders')).toContainEqual(expect.objectContaining({ level: 'problem', message: expect.stringMatching(/holds the rows of a commit a rollback forgot/) }));
    await rollback(lake, 'orders', c0.runId); // running the rollback again mends it
    // The forgotten commit's rows (c1's) are gone: no commit of the object stands.
    expect(await lake.storage.head(q.key)).toBeUndefined();
  });
});

// An object's quarantine file holds the rows of the run that committed the object, whatever the other runs of it do
// (runtime/pipeline/commit.ts settleQuarantine). Before (attack, stop 38): each run wrote the file in place before its
// commit was decided and put back what it had found when refused, so a refused run of the same object under another
// schema deleted the winner's file (quarantine.orders then failed: "No files found"); a run that lost the race
// relabelled its own rows as the winner's (a row in silver and in quarantine when their rules differ); and a commit
// failing for any other reason (a full disk) left its rows there and dropped the rejected run's it had replaced.
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../runtime/runs/record.ts';
import { armFaults } from '../runtime/util/fault.ts';
import { settlePending } from '../runtime/pipeline/commit.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { examine, repair } from '../workflows/doctor.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';
import { BODY, forgottenCommit, holdings, otherSchema, stoppedRollback, STRICT } from './helpers/quarantine.ts';

let l: TestLake | undefined;
afterEach(async () => {
  armFaults(undefined);
  await l?.cleanup();
  l = undefined;
});

/**
 * The lake as a kill right after the swap leaves it (the harness's commit.swapped): committed, not yet settled, the
 * committed run's rows pending and the object's quarantine file not there. Returns the object's source id.
 */
async function killedAfterSwap(lake: TestLake, r: RunRecord): Promise<string> {
  const [q] = (await lake.storage.list('quarantine/orders/')).map((o) => o.key).filter((k) => !k.includes('/_strata/'));
  const sourceId = q!.slice('quarantine/orders/'.length, -'.parquet'.length);
  await lake.storage.copy(q!, `quarantine/orders/_strata/pending/${sourceId}.${r.runId}.parquet`);
  await lake.storage.delete([q!]);
  return sourceId;
}

describe('the quarantine file of an object ingested by several runs', () => {
  const stricter = ordersSchema({ maxRatio: 1 }).replace('allowed: [NEW, SHIPPED, CANCELLED]', 'allowed: [NEW]');
  const refused = ordersSchema({ maxRatio: 1 }).replace('{ name: amount, type: "decimal(12,2)", min: 0 }', '{ name: amount2, type: string }');
  for (const [other, schema] of [['refused', refused], ['lost', stricter]] as const) {
    for (const when of ['before its commit step', 'inside its commit step, its quarantined rows written']) {
      it(`another run of the object whose commit is ${other}, the winner committing ${when}: quarantine holds the winner's rows only`, async () => {
        expect(schema).not.toBe(ordersSchema({ maxRatio: 1 }));
        l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
        const lake = l;
        const file = await lake.file('same.csv', BODY);
        const them = await otherSchema(lake, other, schema);
        let winner: RunRecord | undefined;
        const win = async () => { winner = (await lake.ingest('orders', file)).record; };
        // The other run's first read of the silver manifest inside its commit step: after its quarantined rows.
        let armed: (() => Promise<void>) | undefined;
        const read = them.storage.readVersioned.bind(them.storage);
        them.storage.readVersioned = async (key) => {
          const go = key === 'silver/orders/_strata/manifest.json' ? armed : undefined;
          armed = undefined;
          await go?.();
          return read(key);
        };
        const loser = (await ingestFile(them, 'orders', file, {
          wrap: (step, fn) => (step !== 'commit' ? fn : async (input) => {
            if (when.startsWith('before')) await win();
            else armed = win;
            return fn(input);
          }),
        })).record;
        expect(winner).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });
        expect(loser.status).toBe(other === 'refused' ? 'FAILED' : 'SKIPPED');
        expect(await holdings(lake)).toEqual({ silver: [1, 2], quarantine: [{ run_id: winner!.runId, record: 3 }], left: [] });
      });
    }
  }

  it('a commit failing on a full disk, of an object an earlier run rejected, leaves the rejected run\'s rows; the file sent again replaces them with its own', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 0.1 }) });
    const file = await l.file('same.csv', BODY);
    const rejected = (await l.ingest('orders', file)).record;
    expect(rejected).toMatchObject({ status: 'REJECTED', rowsQuarantined: 3 });
    const raised = await otherSchema(l, 'raised', ordersSchema({ maxRatio: 1 }));
    armFaults('commit.built:enospc');
    const failed = (await ingestFile(raised, 'orders', file)).record;
    armFaults(undefined);
    expect(failed).toMatchObject({ status: 'FAILED', rowsIn: 3 });
    const before = await holdings(l);
    expect(before).toMatchObject({ quarantine: [1, 2, 3].map((record) => ({ run_id: rejected.runId, record })), left: [] });
    const again = (await ingestFile(raised, 'orders', file)).record;
    expect(again).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2, rowsQuarantined: 1 });
    expect(await holdings(l)).toEqual({ silver: [1, 2], quarantine: [{ run_id: again.runId, record: 3 }], left: [] });
  });

  it('a commit that went through but whose step failed after the swap: the failed run\'s record settles its quarantined rows as the manifest says', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const file = await l.file('same.csv', BODY);
    armFaults('commit.swapped:error');
    const r = (await l.ingest('orders', file)).record;
    armFaults(undefined);
    expect(r).toMatchObject({ status: 'FAILED', rowsIn: 3 });
    expect((await holdings(l)).left).toEqual([]);
    // The file sent again is skipped, and registers what the failed run committed.
    expect((await l.ingest('orders', file)).record.status).toBe('SKIPPED');
    expect(await holdings(l)).toEqual({ silver: [1, 2], quarantine: [{ run_id: r.runId, record: 3 }], left: [] });
  });

  it('a commit step whose answer was lost after its swap, retried by Step Functions: the run stands as SUCCEEDED with its rows, not as a SKIPPED run that lost a race to itself', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const file = await l.file('same.csv', BODY);
    armFaults('commit.swapped:econnreset');
    const { record: r, execution } = await l.ingest('orders', file, { retryIntervalMs: 0 });
    armFaults(undefined);
    // The step was tried twice: the fault was transient, so the ASL's Retry ran it again with the same input.
    expect(execution.events.filter((e) => e.state === 'CommitSilver' && e.type !== 'StateEntered').map((e) => e.error ?? e.type))
      .toEqual(['Strata.Transient', 'StateRetried', 'StateExited']);
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });
    expect(r.partitions.length).toBeGreaterThan(0);
    expect(await holdings(l)).toEqual({ silver: [1, 2], quarantine: [{ run_id: r.runId, record: 3 }], left: [] });
    // Sent again, the object is skipped as committed by that run.
    expect((await l.ingest('orders', file)).record).toMatchObject({ status: 'SKIPPED', committedBy: r.runId });
  });

  it('a run killed after its swap leaves its rows pending; the file sent again finds the object committed by it and publishes them', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const file = await l.file('same.csv', BODY);
    const r = (await l.ingest('orders', file)).record;
    await killedAfterSwap(l, r);
    // strata doctor sees it: the catalog names a file the folder does not hold, and rows wait for a committed run.
    const found = (await examine(l)).findings.filter((f) => f.subject === 'quarantine.orders');
    expect(found).toEqual([expect.objectContaining({ level: 'problem', message: expect.stringMatching(/names 1 file the folder does not hold .*; the quarantine file of 1 object does not hold what the run that committed it quarantined, or other runs' rows wait in quarantine\/orders\/_strata\/pending\//) })]);
    const again = (await l.ingest('orders', file)).record;
    expect(again.status).toBe('SKIPPED');
    expect(await holdings(l)).toEqual({ silver: [1, 2], quarantine: [{ run_id: r.runId, record: 3 }], left: [] });
    expect((await examine(l)).findings.filter((f) => f.subject === 'quarantine.orders')).toEqual([]);
  });

  it('a quarantine file of the size of the committing run\'s rows but other bytes is not taken for them: doctor names it, gc and --repair put the run\'s rows back (compared by size alone before)', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const r = (await l.ingest('orders', await l.file('same.csv', BODY))).record;
    const [q] = (await l.storage.list('quarantine/orders/')).map((o) => o.key).filter((k) => !k.includes('/_strata/'));
    const marker = `quarantine/orders/_strata/pending/${q!.slice('quarantine/orders/'.length, -'.parquet'.length)}.${r.runId}.parquet`;
    const other = async () => {
      // Another file of the same size in its place (a copy, not the marker's hard link): one byte of a value changed.
      const bytes = Buffer.from((await readFile(l!.storage.path(marker))));
      const at = bytes.indexOf(Buffer.from(r.runId)) + 1;
      bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
      await rm(l!.storage.path(q!));
      await writeFile(l!.storage.path(q!), bytes);
      expect((await l!.storage.head(q!))!.size).toBe((await l!.storage.head(marker))!.size);
    };
    const same = async () => expect(Buffer.compare(await readFile(l!.storage.path(q!)), await readFile(l!.storage.path(marker)))).toBe(0);
    await other();
    expect((await examine(l)).findings.filter((f) => f.subject === 'quarantine.orders')).toEqual([
      expect.objectContaining({ level: 'problem', message: expect.stringMatching(/the quarantine file of 1 object does not hold what the run that committed it quarantined/) }),
    ]);
    await repair(l);
    await same();
    await other();
    expect((await garbageCollect(l, {})).pendingQuarantine).toMatchObject({ published: 1 });
    await same();
    expect((await examine(l)).findings.filter((f) => f.subject === 'quarantine.orders')).toEqual([]);
  });

  it('strata doctor --repair publishes rows a stopped run left pending; strata gc drops those of objects no run committed, after a day', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const file = await l.file('same.csv', BODY);
    const r = (await l.ingest('orders', file)).record;
    const sourceId = await killedAfterSwap(l, r);
    // And a run of an object never committed, killed before its commit.
    const stray = 'quarantine/orders/_strata/pending/0123456789abcdef.20261201T000000000Z-dead00.parquet';
    await l.storage.copy(`quarantine/orders/_strata/pending/${sourceId}.${r.runId}.parquet`, stray);
    const { report } = await repair(l);
    expect(report.findings.filter((f) => f.subject === 'quarantine.orders')).toEqual([
      expect.objectContaining({ level: 'note', message: expect.stringMatching(/^1 object not committed has quarantined rows waiting in /), way: 'strata gc removes those older than a day' }),
    ]);
    expect((await holdings(l)).quarantine).toEqual([{ run_id: r.runId, record: 3 }]);
    expect((await garbageCollect(l, { now: new Date() })).pendingQuarantine).toEqual({ published: 0, dropped: 0, markers: 0, stale: 0 });
    // After a day the stray goes; past the retention window (7 days), the committed run's marker (its quarantine file
    // stays as it is).
    expect((await garbageCollect(l, { now: new Date(Date.now() + 2 * 86_400_000) })).pendingQuarantine).toEqual({ published: 0, dropped: 1, markers: 0, stale: 0 });
    // (Counted apart: strata gc called them files of runs that failed or were killed: an attack, stop 47.)
    expect((await garbageCollect(l, { now: new Date(Date.now() + 8 * 86_400_000) })).pendingQuarantine).toEqual({ published: 0, dropped: 0, markers: 1, stale: 0 });
    expect(await holdings(l)).toEqual({ silver: [1, 2], quarantine: [{ run_id: r.runId, record: 3 }], left: [] });
    expect(await l.storage.list('quarantine/orders/_strata/')).toEqual([]);
    expect((await examine(l)).findings.filter((f) => f.subject === 'quarantine.orders')).toEqual([]);
  });
});

// A rejection or quality halt of an object that another run (under another schema) commits at the same time. Before
// (attack, stop 38): the batch went straight into the object's quarantine file, so a commit that came first kept its
// rows in silver and the batch put them in quarantine too; and a commit that came after the batch was written but
// whose run had checked for a quarantine file before found none to remove. Now the batch is published only while no
// commit of the object stands, and put back to the committing run's rows when one came meanwhile.
describe('a rejected or halted batch racing a commit of the same object', () => {
  // The stricter schema rejects or halts the file either way; under the lake's, the winner quarantines row 3 (BODY)
  // or nothing (CLEAN: then no quarantine file may remain at all).
  const CLEAN = `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bo,SHIPPED,10.00,Jun 12 2025,2025-06-12T11:00:00Z\n`;
  const rejecting = ordersSchema({ maxRatio: 0.1 }).replace('allowed: [NEW, SHIPPED, CANCELLED]', 'allowed: [NEW]');
  const halting = ordersSchema({ maxRatio: 1, extra: `quality:\n  silver:\n    halt: ['RowCount > 100']\n` });
  const moments = ['before its step', 'after its batch is written, before it checks for a commit', 'after it checked, before it publishes',
    'after it is published, before it checks again', 'after its step'] as const;
  const cases = [['reject', rejecting, BODY], ['halt', halting, BODY], ['reject', rejecting, CLEAN]] as const;
  for (const [step, schema, body] of cases) {
    for (const when of moments) {
      const clean = body === CLEAN;
      it(`${step}${clean ? ' of a file the winner quarantines nothing of' : ''}: the other run commits ${when}: each row in silver or in quarantine, once; the ${step} run counts none of them`, async () => {
        l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
        const lake = l;
        // An earlier object, so that the silver manifest exists before the race (a first commit is read twice).
        await lake.ingest('orders', await lake.file('first.csv', `${ORDERS_HEADER}\n9,Di,NEW,1.00,Jun 11 2025,2025-06-11T10:00:00Z\n`));
        const file = await lake.file('same.csv', body);
        const them = await otherSchema(lake, step, schema);
        // The winner is held at its register step (which settles what is left pending) until the other run ended:
        // what the other run does must leave the lake right by itself, as when the winner's Lambda is slower.
        let winner: RunRecord | undefined;
        let resume!: () => void;
        const parked = new Promise<void>((r) => { resume = r; });
        let winning: Promise<void> | undefined;
        const win = () => new Promise<void>((reached) => {
          winning = lake.ingest('orders', file, {
            wrap: (name, fn) => (name !== 'register' ? fn : async (input) => { reached(); await parked; return fn(input); }),
          }).then((r) => { winner = r.record; });
        });
        const batchWritten = async () => (await lake.storage.list('quarantine/orders/_strata/pending/')).some((o) => o.key.endsWith('.parquet'));
        const published = async () => (await lake.storage.list('quarantine/orders/')).some((o) => !o.key.includes('/_strata/'));
        // Inside the step, the silver manifest is read after the batch is written (before publishing) and again after.
        let armed = false;
        const read = them.storage.readVersioned.bind(them.storage);
        them.storage.readVersioned = async (key) => {
          const at = armed && key === 'silver/orders/_strata/manifest.json' && await batchWritten() && !await published();
          if (at && when.startsWith('after its batch')) { armed = false; await win(); }
          if (armed && key === 'silver/orders/_strata/manifest.json' && when.startsWith('after it is published') && await published()) { armed = false; await win(); }
          const r = await read(key);
          if (at && when.startsWith('after it checked')) { armed = false; await win(); } // the manifest read, then the commit
          return r;
        };
        const other = (await ingestFile(them, 'orders', file, {
          wrap: (name, fn) => (name !== step ? fn : async (input) => {
            if (when === 'before its step') await win();
            armed = when !== 'before its step' && when !== 'after its step';
            return fn(input);
          }),
        })).record;
        if (when === 'after its step') await win();
        resume();
        await winning;
        expect(armed).toBe(false); // the moment came
        const rows = clean ? 2 : 3;
        expect(winner).toMatchObject({ status: 'SUCCEEDED', rowsIn: rows, rowsValid: 2, rowsQuarantined: rows - 2 });
        expect(other.status).toBe(step === 'reject' ? 'REJECTED' : 'HALTED');
        // Committed first, the object is the winner's: the other run counts none of its rows, and names the winner.
        if (when !== 'after its step') expect(other).toMatchObject({ rowsIn: 0, rowsValid: 0, rowsQuarantined: 0, committedBy: winner!.runId });
        else expect(other).toMatchObject({ rowsIn: rows, rowsQuarantined: rows });
        expect(await holdings(lake)).toEqual({ silver: [1, 2, 9], quarantine: clean ? [] : [{ run_id: winner!.runId, record: 3 }], left: [] });
        expect((await examine(lake)).findings.filter((f) => f.subject === 'quarantine.orders')).toEqual([]);
      });
    }
  }
});

// A rollback changes which run's commit of an object stands, or forgets the object. Before (attack, stop 39): the
// quarantine file stayed as it was, so after rolling back to a run whose object another run had since committed under
// other rules, silver held the first run's rows and quarantine the second's: a row was in neither.
describe('quarantine after a rollback', () => {
  it('forgotten, the object has no quarantine rows; brought back, its committing run\'s; committed again by another run and rolled back to the first, the first run\'s', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const lake = l;
    const stricter = await otherSchema(lake, 'stricter', STRICT);
    const c0 = (await lake.ingest('orders', await lake.file('other.csv', `${ORDERS_HEADER}\n10,Di,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`))).record;
    const file = await lake.file('same.csv', BODY);
    const c1 = (await ingestFile(stricter, 'orders', file)).record;
    expect(c1).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1, rowsQuarantined: 2 });
    const c1Rows = [2, 3].map((record) => ({ run_id: c1.runId, record }));
    await rollback(lake, 'orders', c0.runId); // the object forgotten: its rows are bronze's again
    expect(await holdings(lake)).toEqual({ silver: [10], quarantine: [], left: [] });
    const c2 = (await lake.ingest('orders', file)).record;
    expect(c2).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2, rowsQuarantined: 1 });
    expect(await holdings(lake)).toEqual({ silver: [1, 2, 10], quarantine: [{ run_id: c2.runId, record: 3 }], left: [] });
    await rollback(lake, 'orders', c1.runId); // c1's commit of the object stands again
    expect(await holdings(lake)).toEqual({ silver: [1, 10], quarantine: c1Rows, left: [] });
    expect((await examine(lake)).findings.filter((f) => f.subject === 'quarantine.orders')).toEqual([]);
    await rollback(lake, 'orders', c2.runId);
    expect(await holdings(lake)).toEqual({ silver: [1, 2, 10], quarantine: [{ run_id: c2.runId, record: 3 }], left: [] });
    // Past the retention window gc drops the markers; the quarantine file stays as the standing commit left it.
    await garbageCollect(lake, { now: new Date(Date.now() + 30 * 86_400_000) });
    expect(await lake.storage.list('quarantine/orders/_strata/')).toEqual([]);
    expect((await holdings(lake)).quarantine).toEqual([{ run_id: c2.runId, record: 3 }]);
  });

  it('a rollback stopped after its swap, before it settled: the forgotten commit\'s rows are found by its marker; doctor names them, and running the rollback again, --repair, gc or the next run removes them', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const lake = l;
    const { c0, c1 } = await forgottenCommit(lake, false);
    // A rejection of another object, not committed: its whole batch is its quarantine file, which stays throughout.
    const rejected = (await ingestFile(await otherSchema(lake, 'strictest', ordersSchema({ maxRatio: 0 }).replace('allowed: [NEW, SHIPPED, CANCELLED]', 'allowed: [NEW]')), 'orders', await lake.file('rejected.csv', BODY))).record;
    expect(rejected).toMatchObject({ status: 'REJECTED', rowsQuarantined: 3 });
    const rejectedRows = [1, 2, 3].map((record) => ({ run_id: rejected.runId, record }));
    const stopped = async () => {
      await stoppedRollback(lake, c0.runId);
      // Silver's manifest forgot the object (the catalog shows it at the next registration); its quarantine file still
      // holds c1's rows: rows of a commit that no longer stands.
      const m = JSON.parse((await lake.storage.readText('silver/orders/_strata/manifest.json'))!) as { sources: Record<string, unknown> };
      expect(Object.keys(m.sources)).toHaveLength(1);
      // (holdings orders by record alone: the two runs' rows of a record come in either order)
      const byRun = (rows: Array<{ run_id: string; record: number }>) => [...rows].sort((a, b) => a.record - b.record || (a.run_id < b.run_id ? -1 : 1));
      expect(byRun((await holdings(lake)).quarantine)).toEqual(byRun([...rejectedRows, ...[2, 3].map((record) => ({ run_id: c1.runId, record }))]));
    };
    const after = { silver: [10], quarantine: rejectedRows, left: [] };
    const standing = async () => { await rollback(lake, 'orders', c1.runId); expect((await holdings(lake)).silver).toEqual([1, 10]); };

    await stopped();
    const found = (await examine(lake)).findings.filter((f) => f.subject === 'quarantine.orders');
    expect(found).toMatchObject([{ level: 'problem', message: expect.stringMatching(/the quarantine file of 1 object no commit of which stands holds the rows of a commit a rollback forgot/) }]);
    await rollback(lake, 'orders', c0.runId); // the same rollback again: its swap changes nothing, the settlement is finished
    expect(await holdings(lake)).toEqual(after);
    expect((await examine(lake)).findings.filter((f) => f.subject === 'quarantine.orders')).toEqual([]);

    await standing();
    await stopped();
    await repair(lake);
    expect(await holdings(lake)).toEqual(after);

    await standing();
    await stopped();
    expect((await garbageCollect(lake, { dryRun: true })).pendingQuarantine.stale).toBe(1);
    expect((await garbageCollect(lake, {})).pendingQuarantine).toMatchObject({ stale: 1, dropped: 0 }); // c1's marker kept: a rollback may bring its commit back
    expect((await holdings(lake)).quarantine).toEqual(after.quarantine); // (silver's catalog entry: the next registration)

    await standing();
    await stopped();
    await lake.ingest('orders', await lake.file('next.csv', `${ORDERS_HEADER}\n11,Ed,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`));
    expect(await holdings(lake)).toEqual({ ...after, silver: [10, 11] });
  });

  it('a rejection of the forgotten object that publishes its batch after the settlement looked, before it removed the stale file: the batch stays', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
    const lake = l;
    const rejecting = await otherSchema(lake, 'rejecting', ordersSchema({ maxRatio: 0.1 }));
    const { c1, file } = await forgottenCommit(lake);
    // What the register step's settlement listed: the stale file of c1's rows. Then a rejection of the object publishes.
    const listed = await lake.storage.list('quarantine/orders/');
    const j = (await ingestFile(rejecting, 'orders', file)).record;
    expect(j).toMatchObject({ status: 'REJECTED', rowsQuarantined: 3 });
    expect(await settlePending(lake.ctx, lake.plans[0]!, listed)).toBe(false);
    expect((await holdings(lake)).quarantine).toEqual([1, 2, 3].map((record) => ({ run_id: j.runId, record })));
    expect(c1.status).toBe('SUCCEEDED');
  });

  it('gc keeps a committing run\'s marker while a rollback within the retention window can bring its commit back, however old the marker', async () => {
    l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    const lake = l;
    const stricter = await otherSchema(lake, 'stricter', ordersSchema({ maxRatio: 1, mode: 'append' }).replace('allowed: [NEW, SHIPPED, CANCELLED]', 'allowed: [NEW]'));
    const c0 = (await lake.ingest('orders', await lake.file('other.csv', `${ORDERS_HEADER}\n10,Di,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`))).record;
    const c1 = (await ingestFile(stricter, 'orders', await lake.file('same.csv', BODY))).record;
    expect(c1).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1, rowsQuarantined: 2 });
    // The markers are 8 days old (past the 7-day window) when the table is compacted and rolled back to c0 today.
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
    for (const o of await lake.storage.list('quarantine/orders/_strata/pending/')) await utimes(lake.storage.path(o.key), eightDaysAgo, eightDaysAgo);
    await utimes(lake.storage.path('quarantine/orders/_strata/pending/'), eightDaysAgo, eightDaysAgo);
    const [compaction] = await compactLocal(lake, ['orders'], { minFiles: 2 });
    expect(compaction!.output?.tables[0]?.status).toBe('compacted');
    await rollback(lake, 'orders', c0.runId);
    expect(await holdings(lake)).toEqual({ silver: [10], quarantine: [], left: [] });
    // Before (attack, stop 39): gc dropped c1's marker by its age, and the rollback below found nothing to put back.
    expect((await garbageCollect(lake, {})).pendingQuarantine.dropped).toBe(0);
    await rollback(lake, 'orders', compaction!.output!.runId); // within the window: c1's commit of the object stands again
    expect(await holdings(lake)).toEqual({ silver: [1, 10], quarantine: [2, 3].map((record) => ({ run_id: c1.runId, record })), left: [] });
    expect((await examine(lake)).findings.filter((f) => f.subject === 'quarantine.orders')).toEqual([]);
  });
});


// On a real lake: strata gc moves the committed sources of runs it can no longer undo out of the silver manifest into
// source markers (runtime/table/manifest.ts collectGarbage), and every reader that decides "is this object in silver
// already?" finds them there: an ingest of such an object again is SKIPPED by the run that committed it, strata
// doctor finds nothing to say, and a damaged marker stops the ingest with its name and the way back.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { examine } from '../workflows/doctor.ts';
import { garbageCollect } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let l: TestLake;
beforeAll(async () => {
  l = await makeLake({ orders: ordersSchema({ mode: 'append' }) });
});
afterAll(() => l?.cleanup());

const csv = (id: number) => `${ORDERS_HEADER}\n${id},c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z\n`;
const manifest = () => JSON.parse(readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8'));

describe('committed sources moved into markers by gc', () => {
  it('an object committed long ago is SKIPPED when ingested again; the manifest keeps only the sources a rollback may still forget', async () => {
    const first = await l.ingest('orders', await l.file('a.csv', csv(1)));
    await l.ingest('orders', await l.file('b.csv', csv(2)));
    expect(Object.keys(manifest().sources)).toHaveLength(2);
    expect(manifest().formatVersion).toBe(2);

    let out = '';
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => { out += chunk; return true; }) as typeof process.stdout.write;
    try {
      expect(await main(['gc', '--retention-days', '0', '--lake', l.dir, '--schemas', join(l.root, 'schemas')])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toMatch(/silver.orders: deleted 1 replaced version, 0 orphaned folders \(0.0 MB\); moved 2 committed sources out of the manifest into source markers\n/);
    expect(manifest()).toMatchObject({ formatVersion: 3, sourceArchives: [{ sources: 2 }], sources: {} });

    const again = await l.ingest('orders', join(l.root, 'in', 'a.csv'));
    expect(again.record).toMatchObject({ status: 'SKIPPED', committedBy: first.record.runId, rowsValid: 0 });
    expect(await l.query('SELECT order_id FROM silver.orders ORDER BY 1')).toEqual([{ order_id: 1 }, { order_id: 2 }]);
    // a new object is committed as before, and stays in the manifest until gc
    expect((await l.ingest('orders', await l.file('c.csv', csv(3)))).record.status).toBe('SUCCEEDED');
    expect(Object.keys(manifest().sources)).toHaveLength(1);
    expect(manifest()).toMatchObject({ formatVersion: 3, sourceArchives: [{ sources: 2 }] });
    // nothing for strata doctor to say about the runs of the moved sources
    expect((await examine(l)).findings.filter((f) => f.level === 'problem' || f.subject.startsWith('runs.'))).toEqual([]);
    // gc again: nothing more than the new source to move
    const gc = await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000) });
    expect(gc.tables.find((t) => t.table === 'silver.orders')).toMatchObject({ archivedSources: 1 });
    expect(manifest()).toMatchObject({ sourceArchives: [{ sources: 2 }, { sources: 1 }], sources: {} });
    // the same bytes under another name: the warning names the object committed long ago
    const twin = await l.ingest('orders', await l.file('a-again.csv', csv(1)));
    expect(twin.record.warnings).toContain(`${twin.record.source.key} has the same content as ${first.record.source.key}, committed by run ${first.record.runId}: its keys are in silver already, so its rows go to quarantine`);
  }, 120_000);

  it('a damaged marker: the ingest of its object fails naming it and the way back, and commits nothing', async () => {
    const { sourceId } = (await l.ingest('orders', await l.file('d.csv', csv(4)))).record.source;
    await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000) });
    const pass = manifest().sourceArchives.at(-1).pass;
    const marker = join(l.dir, '_strata/sources/silver/orders', sourceId, `${pass}.json`);
    const kept = readFileSync(marker, 'utf8');
    writeFileSync(marker, kept.slice(0, 10));
    const run = await l.ingest('orders', join(l.root, 'in', 'd.csv'));
    expect(run.record.status).toBe('FAILED');
    expect(run.record.error).toMatchObject({ name: 'Strata.UnreadableFile' });
    expect(run.record.error!.message).toContain(`the source marker file://${marker} is damaged`);
    expect(run.record.error!.message).toContain('The way back: restore it from a backup');
    expect(await l.query('SELECT count(*)::INT AS n FROM silver.orders WHERE order_id = 4')).toEqual([{ n: 1 }]);
    writeFileSync(marker, kept);
    expect((await l.ingest('orders', join(l.root, 'in', 'd.csv'))).record.status).toBe('SKIPPED');
  }, 120_000);
});

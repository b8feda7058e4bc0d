// A manifest written by a newer strata, in a format this one does not read (runtime/table/manifest.ts
// MANIFEST_FORMAT): every reader refuses it with the reason, and nothing changes it. An ingest fails without
// committing, strata doctor reports it without offering a repair (restoring a history copy would undo the newer
// strata's commits), --repair leaves it as it is, gc keeps the table whole, the data docs are not built from it.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { gatherLake } from '../runtime/docs/gather.ts';
import { examine, repair } from '../workflows/doctor.ts';
import { garbageCollect } from '../workflows/maintenance.ts';
import { MANIFEST_FORMAT } from '../runtime/table/manifest.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let l: TestLake;
beforeAll(async () => {
  l = await makeLake({ orders: ordersSchema({ mode: 'append' }) });
  await l.ingest('orders', await l.file('a.csv', csv(1)));
});
afterAll(() => l?.cleanup());

const csv = (id: number) => `${ORDERS_HEADER}\n${id},c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z\n`;
/** A format this strata does not read. */
const LATER = MANIFEST_FORMAT + 1;
const manifestPath = () => join(l.dir, 'silver/orders/_strata/manifest.json');

describe('a manifest of a later format', () => {
  it('is refused by every reader and changed by none; back in this format, the table works again', async () => {
    const ours = readFileSync(manifestPath(), 'utf8');
    expect(JSON.parse(ours).formatVersion).toBe(2);
    const newer = JSON.stringify({ ...JSON.parse(ours), formatVersion: LATER });
    writeFileSync(manifestPath(), newer);
    const message = `the manifest of silver.orders (file://${manifestPath()}) is in format ${LATER}, written by a newer strata; this one reads formats up to ${MANIFEST_FORMAT}, `
      + 'so it neither reads nor changes silver.orders. The way back: run the strata that wrote it (upgrade this one); the table is not damaged.';

    const run = await l.ingest('orders', await l.file('b.csv', csv(2)));
    expect(run.record.status).toBe('FAILED');
    expect(run.record.error).toMatchObject({ name: 'Strata.UnreadableFile', message });

    const found = (await examine(l)).findings.filter((f) => f.subject === 'silver.orders');
    expect(found).toEqual([{ subject: 'silver.orders', level: 'problem', message }]);
    await repair(l);
    expect(readFileSync(manifestPath(), 'utf8')).toBe(newer);
    expect(readdirSync(join(l.dir, 'silver/orders/_strata')).filter((n) => n.includes('damaged'))).toEqual([]);
    const gc = await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 86_400_000) });
    expect(gc.tables.find((t) => t.table === 'silver.orders')).toMatchObject({ kept: message });
    expect(readFileSync(manifestPath(), 'utf8')).toBe(newer);

    await expect(gatherLake(l.storage, { datasets: ['orders'], gold: [] })).rejects.toMatchObject({
      name: 'Strata.UnreadableFile',
      message: `file://${manifestPath()} is in format ${LATER}, written by a newer strata; this one reads formats up to ${MANIFEST_FORMAT}: build the docs with the strata that wrote it`,
    });

    // strata doctor exits 1 and offers no repair
    let out = '';
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => { out += chunk; return true; }) as typeof process.stdout.write;
    try {
      expect(await main(['doctor', '--lake', l.dir, '--schemas', join(l.root, 'schemas')])).toBe(1);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toContain(`is in format ${LATER}, written by a newer strata`);
    expect(out).not.toContain('--repair restores');

    writeFileSync(manifestPath(), ours);
    expect((await l.ingest('orders', join(l.root, 'in', 'b.csv'))).record.status).toBe('SUCCEEDED');
    expect(await l.query('SELECT order_id FROM silver.orders ORDER BY 1')).toEqual([{ order_id: 1 }, { order_id: 2 }]);
  }, 120_000);

  it('in the history, newer than every copy this strata reads: a damaged or missing manifest is not restored over it (from an attack)', async () => {
    const ours = JSON.parse(readFileSync(manifestPath(), 'utf8'));
    const newer = { ...ours, formatVersion: LATER, version: ours.version + 1 }; // a newer strata's commit, and its copy
    const copy = join(l.dir, 'silver/orders/_strata/history', `${newer.version % 10}.json`);
    writeFileSync(copy, JSON.stringify(newer));
    const way = `its newest manifest copy (file://${copy}, version ${newer.version}) is in format ${LATER}, written by a newer strata: run that strata's `
      + 'doctor --repair; this one restores nothing over it';
    for (const damage of [() => writeFileSync(manifestPath(), JSON.stringify(newer).slice(0, 40)), () => rmSync(manifestPath())]) {
      damage();
      const before = existsSync(manifestPath()) ? readFileSync(manifestPath(), 'utf8') : undefined;
      const found = (await examine(l)).findings.filter((f) => f.subject === 'silver.orders');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ level: 'problem', way });
      expect(found[0]!.repair).toBeUndefined();
      await repair(l);
      expect(existsSync(manifestPath()) ? readFileSync(manifestPath(), 'utf8') : undefined).toBe(before);
    }
    // Without the newer copy, the same damage is repaired from the history, as before.
    rmSync(copy);
    writeFileSync(manifestPath(), '{"trunc');
    const found = (await examine(l)).findings.filter((f) => f.subject === 'silver.orders');
    expect(found[0]!.repair).toBeDefined();
    await repair(l);
    expect(JSON.parse(readFileSync(manifestPath(), 'utf8')).version).toBe(ours.version);
    expect(await l.query('SELECT order_id FROM silver.orders ORDER BY 1')).toEqual([{ order_id: 1 }, { order_id: 2 }]);
  }, 120_000);
});

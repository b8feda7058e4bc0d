// A manifest deleted or damaged loses nothing: the next run fails naming the file and the way back (instead of
// starting the table again on an empty manifest, hiding its data), gc deletes nothing of that table, and
// strata doctor --repair restores it from the table's manifest history. gc never deletes what the catalog names.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../runtime/storage/port.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { readManifest } from '../runtime/table/store.ts';
import { examine, repair } from '../workflows/doctor.ts';
import { garbageCollect } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

async function lakeWithTwoRuns(): Promise<TestLake> {
  const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
  lakes.push(l);
  await l.ingest('orders', await l.file('a.csv', csv(1, '12')));
  await l.ingest('orders', await l.file('b.csv', csv(2, '13')));
  return l;
}

const csv = (id: number, day: string) => `${ORDERS_HEADER}\n${id},c,NEW,1.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z\n`;
const manifestPath = (l: TestLake) => join(l.dir, 'silver/orders/_strata/manifest.json');
const versionFolders = (l: TestLake) => ['dt=2025-06-12', 'dt=2025-06-13'].flatMap((d) => readdirSync(join(l.dir, 'silver/orders', d)).map((v) => `${d}/${v}`)).sort();
const later = () => new Date(Date.now() + 30 * 86_400_000);

describe('a lost or damaged manifest', () => {
  it('deleted: the next ingest fails naming the way back, gc deletes nothing, strata doctor --repair restores it, nothing is lost', async () => {
    const l = await lakeWithTwoRuns();
    const folders = versionFolders(l);
    rmSync(manifestPath(l));
    const c = await l.ingest('orders', await l.file('c.csv', csv(3, '14')));
    expect(c.record).toMatchObject({ status: 'FAILED', error: { name: 'Strata.UnreadableFile' } });
    expect(c.record.error!.message).toBe(`the manifest of silver.orders (file://${manifestPath(l)}) is missing, but the table has a manifest history `
      + `(file://${join(l.dir, 'silver/orders/_strata/history/')}): nothing was changed (a commit on an empty manifest would hide the table's data). `
      + 'The way back: strata doctor --repair restores it from that history; only silver.orders is affected.');
    const gc = await garbageCollect(l, { retentionDays: 0, now: later() });
    expect(gc.tables).toEqual([expect.objectContaining({ table: 'silver.orders', expiredVersions: 0, orphanFolders: 0, kept: c.record.error!.message })]);
    expect(versionFolders(l)).toEqual(folders);
    const before = await examine(l);
    expect(before.findings).toContainEqual(expect.objectContaining({ subject: 'silver.orders', level: 'problem', message: c.record.error!.message }));
    const fixed = await repair(l);
    expect(fixed.actions).toContain(`silver.orders: restored its manifest from file://${join(l.dir, 'silver/orders/_strata/history/2.json')} (version 2)`);
    // What is left is the object whose run failed: in neither silver nor quarantine until it is ingested again.
    expect(fixed.report.findings.filter((f) => f.level === 'problem').map((f) => f.message)).toEqual([
      `1 object in bronze whose every run FAILED, and none committed: its rows are in neither silver nor quarantine, e.g. file://${l.dir}/${c.record.source.key} (run ${c.record.runId}: Strata.UnreadableFile)`,
    ]);
    expect((await l.ingest('orders', join(l.root, 'in', 'c.csv'))).record.status).toBe('SUCCEEDED');
    expect((await examine(l)).problems).toBe(0);
    expect((await l.ingest('orders', join(l.root, 'in', 'a.csv'))).record.status).toBe('SKIPPED'); // the restored manifest still knows a.csv
    expect(await l.query(`SELECT order_id FROM silver.orders ORDER BY 1`)).toEqual([{ order_id: 1 }, { order_id: 2 }, { order_id: 3 }]);
  });

  it('truncated: the error names the file; the repair keeps the damaged one aside and restores the last version', async () => {
    const l = await lakeWithTwoRuns();
    const text = readFileSync(manifestPath(l), 'utf8');
    writeFileSync(manifestPath(l), text.slice(0, 200));
    const c = await l.ingest('orders', await l.file('c.csv', csv(3, '14')));
    expect(c.record.error?.message).toMatch(new RegExp(`^the manifest of silver.orders \\(file://${manifestPath(l)}\\) is damaged \\(.*JSON.*\\); nothing was changed\\. The way back: strata doctor --repair restores it from the table's manifest history`));
    const fixed = await repair(l);
    expect(fixed.report.findings.filter((f) => f.level === 'problem').map((f) => f.way)).toEqual([
      `see why with strata runs ${c.record.runId}; once that is mended, ingest it again: strata ingest orders ${l.dir}/${c.record.source.key}; `
        + `or, if it is not wanted (sent by mistake or to the wrong dataset), delete that object (nothing of it was committed): ${l.dir}/${c.record.source.key}`,
    ]);
    expect(JSON.parse(readFileSync(manifestPath(l), 'utf8'))).toEqual(JSON.parse(text));
    const aside = readdirSync(join(l.dir, 'silver/orders/_strata')).filter((n) => n.startsWith('manifest.damaged-'));
    expect(aside.map((n) => readFileSync(join(l.dir, 'silver/orders/_strata', n), 'utf8'))).toEqual([text.slice(0, 200)]);
  });

  it('a table with data but neither a manifest nor its history (an older strata, _strata/ deleted): the commit refuses to start it empty', async () => {
    const l = await lakeWithTwoRuns();
    rmSync(join(l.dir, 'silver/orders/_strata'), { recursive: true });
    const c = await l.ingest('orders', await l.file('c.csv', csv(3, '14')));
    expect(c.record).toMatchObject({ status: 'FAILED', error: { name: 'Strata.UnreadableFile' } });
    expect(c.record.error!.message).toBe(`file://${join(l.dir, 'silver/orders')}/ holds 2 data files, but silver.orders has neither a manifest nor a manifest history `
      + '(written by an older strata, or its _strata/ folder was deleted): a commit would start it empty and hide them; nothing was committed');
    expect((await examine(l)).findings).toContainEqual(expect.objectContaining({ subject: 'silver.orders', level: 'problem', way: `move file://${join(l.dir, 'silver/orders')}/ aside and ingest the dataset's bronze objects again` }));
  });

  it('a table without a manifest is read listing only its _strata/ folder: all the stage and register steps may list in AWS', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    const listed: string[] = [];
    const storage: Storage = Object.create(l.storage);
    storage.list = async (prefix: string) => { listed.push(prefix); return l.storage.list(prefix); };
    expect((await readManifest(storage, 'silver/orders/', l.ctx.plans.get('orders'))).etag).toBeUndefined();
    expect(listed).toEqual(['silver/orders/_strata/history/']);
  });

  it('gc keeps a version folder the catalog still names, though the manifest no longer does', async () => {
    const l = await lakeWithTwoRuns();
    const m = JSON.parse(readFileSync(manifestPath(l), 'utf8')) as TableManifest;
    const shown = m.partitions['dt=2025-06-13']!.location;
    // The manifest and its history as if the second run had never committed; its catalog entry still shows it.
    const first = JSON.parse(readFileSync(join(l.dir, 'silver/orders/_strata/history/1.json'), 'utf8')) as TableManifest;
    writeFileSync(manifestPath(l), JSON.stringify(first));
    rmSync(join(l.dir, 'silver/orders/_strata/history/2.json'));
    const gc = await garbageCollect(l, { retentionDays: 0, now: later() });
    expect(gc.tables.find((t) => t.table === 'silver.orders')).toMatchObject({ orphanFolders: 0, expiredVersions: 0 });
    expect(existsSync(join(l.dir, shown))).toBe(true);
  });
});

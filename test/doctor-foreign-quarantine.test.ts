// Files strata did not write in a dataset's quarantine folder (a user's Parquet file of another shape, a CSV): never
// part of quarantine.<dataset>, never deleted; doctor names them. doctor --repair registered every Parquet file there,
// and quarantine.orders then failed or read the stranger's rows as its own (an attack, stop 53).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { doctor as doctorCommand } from '../cli/commands/doctor.ts';
import { runCommand } from './helpers/cli.ts';
import { garbageCollect } from '../workflows/maintenance.ts';
import { pathLit, withDuck } from '../runtime/engine/duckdb.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterAll(async () => { for (const l of lakes) await l.cleanup(); });

/** strata doctor [--repair] in this process (test/helpers/cli.ts), its output with the lake's path as <lake>. */
async function doctor(l: TestLake, ...args: Array<'--repair'>): Promise<{ code: number; out: string }> {
  const r = await runCommand(doctorCommand, { lake: l.dir, schemas: join(l.root, 'schemas') }, [], args.length ? { repair: true } : {});
  return { code: r.code, out: r.stdout.replaceAll(l.dir, '<lake>') };
}

describe('files strata did not write in quarantine/<dataset>/', () => {
  it('are left out of quarantine.<dataset> and left where they are; doctor notes them, and an entry that had adopted one is registered again without it', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    const r = await l.ingest('orders', await l.file('a.csv', `${ORDERS_HEADER}\n1,c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,c,NEW,abc,Jun 12 2025,2025-06-12T10:00:00Z\n`));
    expect([r.record.rowsValid, r.record.rowsQuarantined]).toEqual([1, 1]);
    const folder = join(l.dir, 'quarantine/orders');
    const [own] = readdirSync(folder).filter((n) => n.endsWith('.parquet'));
    const mine = join(folder, 'mine.parquet');
    await withDuck((db) => db.run(`COPY (SELECT 42 AS answer) TO ${pathLit(mine)} (FORMAT parquet)`));
    writeFileSync(join(folder, 'notes.csv'), 'a,b\n');
    const before = readFileSync(mine);

    const seen = await doctor(l);
    expect(seen.out).toMatch(/quarantine\.orders +note {2}its folder holds 2 files strata did not write \(quarantine\/orders\/mine\.parquet\): not part of quarantine\.orders, and left as they are\n +way back: move them out of the lake/);
    expect(seen.code, seen.out).toBe(0);
    const fixed = await doctor(l, '--repair');
    expect(fixed.code, fixed.out).toBe(0);
    expect(await l.query('SELECT count(*) AS n FROM quarantine.orders')).toEqual([{ n: 1 }]);
    // A new run's registration leaves it out too.
    await l.ingest('orders', await l.file('b.csv', `${ORDERS_HEADER}\n3,c,NEW,xyz,Jun 12 2025,2025-06-12T10:00:00Z\n`));
    expect(await l.query('SELECT count(*) AS n FROM quarantine.orders')).toEqual([{ n: 2 }]);

    // An entry that names it (a strata before this one adopted it): a problem, and --repair registers the folder again.
    const entry = join(l.dir, '_strata/catalog/tables/quarantine.orders.json');
    const e = JSON.parse(readFileSync(entry, 'utf8')) as { files: string[]; stamp: string };
    writeFileSync(entry, JSON.stringify({ ...e, files: [...e.files, 'quarantine/orders/mine.parquet'], stamp: 'files:adopted' }));
    const adopted = await doctor(l);
    expect(adopted.code, adopted.out).toBe(1);
    expect(adopted.out).toContain('its catalog entry names 1 file strata did not write (quarantine/orders/mine.parquet), which readers of quarantine.orders read as its rows');
    expect((await doctor(l, '--repair')).code).toBe(0);
    expect(await l.query('SELECT count(*) AS n FROM quarantine.orders')).toEqual([{ n: 2 }]);
    expect(readFileSync(mine)).toEqual(before);
    expect(readdirSync(folder)).toEqual(expect.arrayContaining([own, 'mine.parquet', 'notes.csv']));
    // Nor does gc delete a file of another name among the runs' pending rows, days later (it did).
    writeFileSync(join(folder, '_strata/pending/foreign.parquet'), 'mine');
    await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 3 * 86_400_000) });
    expect(readFileSync(join(folder, '_strata/pending/foreign.parquet'), 'utf8')).toBe('mine');
  });

  it('files named as strata names quarantine files but not strata\'s (text, a silver file, a copy of another object\'s): a problem; --repair renames them, kept, and quarantine.<dataset> reads its own rows (an attack, stop 53)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    await l.ingest('orders', await l.file('a.csv', `${ORDERS_HEADER}\n1,c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,c,NEW,abc,Jun 12 2025,2025-06-12T10:00:00Z\n`));
    const folder = join(l.dir, 'quarantine/orders');
    const [own] = readdirSync(folder).filter((n) => n.endsWith('.parquet'));
    writeFileSync(join(folder, 'aaaaaaaaaaaaaaaa.parquet'), 'hello\n');
    writeFileSync(join(folder, '0123456789abcdef.parquet'), readFileSync(join(folder, own!)));
    const seen = await doctor(l);
    expect(seen.code, seen.out).toBe(1);
    expect(seen.out).toContain('2 files named as strata names quarantine files are not strata\'s: quarantine/orders/0123456789abcdef.parquet (its rows are of bronze/orders/_objects/');
    const fixed = await doctor(l, '--repair');
    expect(fixed.code, fixed.out).toBe(0);
    expect(readdirSync(folder).sort()).toEqual(['0123456789abcdef.parquet.not-strata', 'aaaaaaaaaaaaaaaa.parquet.not-strata', own!, '_strata'].sort());
    expect(await l.query('SELECT count(*) AS n FROM quarantine.orders')).toEqual([{ n: 1 }]);
    // The next run's registration leaves them out: their names are no quarantine file's any more.
    await l.ingest('orders', await l.file('b.csv', `${ORDERS_HEADER}\n3,c,NEW,xyz,Jun 12 2025,2025-06-12T10:00:00Z\n`));
    expect(await l.query('SELECT count(*) AS n FROM quarantine.orders')).toEqual([{ n: 2 }]);
  });
});

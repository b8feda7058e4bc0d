// On a real lake: strata gc moves collected history entries beyond the newest KEEP_COLLECTED out of the manifest into
// archive objects (runtime/table/manifest.ts collectGarbage), so a table's manifest no longer grows with every commit
// it ever made. Whatever reads the whole history reads the archives too: a gold table behind its silver by versions
// whose entries were archived is refreshed in full (an incremental refresh would miss their changes), a rebuilt
// catalog.duckdb shows every version in strata.history, strata runs and strata doctor see the old runs' commits.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { gatherLake } from '../runtime/docs/gather.ts';
import { examine, repair } from '../workflows/doctor.ts';
import type { IngestOptions } from '../workflows/ingest-local.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { DAILY_REVENUE_GOLD, makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let l: TestLake;
beforeAll(async () => {
  l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: DAILY_REVENUE_GOLD }) });
});
afterAll(() => l?.cleanup());

const csv = (id: number, day: number) => `${ORDERS_HEADER}\n${id},c${id},NEW,${id}.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z\n`;
const manifest = (root: string) => JSON.parse(readFileSync(join(l.dir, root, '_strata/manifest.json'), 'utf8'));
const noGold: IngestOptions = { wrap: (step, fn) => (step === 'gold' ? async () => [] : fn) };
const goldRows = () => l.query('SELECT CAST(day AS VARCHAR) AS day, CAST(revenue AS VARCHAR) AS revenue, orders FROM gold.daily_revenue ORDER BY 1');
const sqlRows = () => l.query(`SELECT CAST(CAST(created_at AS DATE) AS VARCHAR) AS day, CAST(SUM(amount) AS VARCHAR) AS revenue, COUNT(*) AS orders
  FROM silver.orders GROUP BY 1 ORDER BY 1`);

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => { out += chunk; return true; }) as typeof process.stdout.write;
  try {
    return { code: await main([...args, '--lake', l.dir, '--schemas', join(l.root, 'schemas')]), out };
  } finally {
    process.stdout.write = write;
  }
}

describe('history entries moved into archives by gc', () => {
  it('gold behind by archived versions is refreshed in full; catalog, runs, doctor and the docs read the archives', async () => {
    await l.ingest('orders', await l.file('a.csv', csv(1, 12)));
    // b and c reach silver, but their runs' gold steps do not run: gold is behind by two versions
    await l.ingest('orders', await l.file('b.csv', csv(2, 13)), noGold);
    const c = await l.ingest('orders', await l.file('c.csv', csv(3, 14)), noGold);
    // x is rolled back (its gold step runs: gold's manifest is for gold's own gc)
    const x = await l.ingest('orders', await l.file('x.csv', csv(9, 17)), noGold);
    const undo = await rollback(l, 'orders', c.record.runId);
    const gc = await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 });
    expect(gc.tables.find((t) => t.table === 'silver.orders')).toMatchObject({ archivedHistory: 5, archivedSources: 3 });
    const silver = manifest('silver/orders/');
    expect(silver).toMatchObject({ formatVersion: 3, version: 5, history: [], lineage: expect.any(String) });
    expect(silver.historyArchives).toEqual([{ name: expect.stringMatching(/^history-0000000001-0000000005-.*\.json$/), from: 1, to: 5, entries: 5, lastRun: expect.any(String) }]);
    expect(readdirSync(join(l.dir, 'silver/orders/_strata/archive'))).toEqual([silver.historyArchives[0].name]);

    // d: gold catches up with b, c and d; its history since its last refresh was archived, so the refresh is full
    await l.ingest('orders', await l.file('d.csv', csv(4, 15)));
    expect(await goldRows()).toEqual(await sqlRows());
    expect((await goldRows()).map((r) => r.day)).toEqual(['2025-06-12', '2025-06-13', '2025-06-14', '2025-06-15']);

    // catalog.duckdb rebuilt from the entries: every version of silver.orders in strata.history
    rmSync(join(l.dir, 'catalog.duckdb'));
    expect(await l.query(`SELECT version::INT AS v FROM strata.history WHERE layer = 'silver' AND table_name = 'orders' ORDER BY 1`))
      .toEqual([1, 2, 3, 4, 5, 6].map((v) => ({ v })));

    // strata runs: the run the rollback undid, from the archived history
    const runs = await cli(['runs', '--dataset', 'orders', '--json']);
    expect(runs.code).toBe(0);
    expect(JSON.parse(runs.out).find((r: { runId: string }) => r.runId === x.record.runId)).toMatchObject({ rolledBackBy: undo.runId });
    // doctor: the archived runs' commits are found (no "holds nothing of" problem)
    expect((await examine(l)).findings.filter((f) => f.level === 'problem')).toEqual([]);
    // the docs: every run of the table in its whole history
    const facts = await gatherLake(l.storage, { datasets: ['orders'], gold: ['daily_revenue'] });
    expect(facts.manifests['silver:orders']!.history.map((h) => h.version)).toEqual([1, 2, 3, 4, 5, 6]);

    // a damaged archive: the readers of the whole history name it; the table itself still works
    const archive = join(l.dir, 'silver/orders/_strata/archive', silver.historyArchives[0].name);
    const kept = readFileSync(archive, 'utf8');
    writeFileSync(archive, '[');
    const found = (await examine(l)).findings.filter((f) => f.level === 'problem');
    expect(found.map((f) => f.message)).toEqual([expect.stringContaining(`the history archive file://${archive} of silver.orders cannot be read`)]);
    // damaged after catalog.duckdb's strata.history was made: that archive's versions are left out, nothing else (an
    // attack, stop 51: every table's history failed, naming no file)
    const held = await l.query<{ layer: string; v: number }>(`SELECT layer, version::INT AS v FROM strata.history WHERE table_name IN ('orders', 'daily_revenue') ORDER BY 1, 2`);
    expect(held.filter((h) => h.layer === 'silver').map((h) => h.v)).toEqual([6]);
    expect(held.filter((h) => h.layer === 'gold').length).toBeGreaterThan(0);
    expect((await l.ingest('orders', await l.file('e.csv', csv(5, 16)))).record.status).toBe('SUCCEEDED');
    writeFileSync(archive, kept);
    expect((await examine(l)).findings.filter((f) => f.level === 'problem')).toEqual([]);
  }, 180_000);

  it('an archive of compactions only (marked compactOnly) changes no rows: gold over them is not behind, and catches up incrementally (from an attack)', async () => {
    const m = await makeLake({ orders: ordersSchema({ mode: 'append', extra: `compaction: { minFiles: 2 }\n${DAILY_REVENUE_GOLD}` }) });
    try {
      await m.ingest('orders', await m.file('a.csv', csv(1, 12)), { compact: false });
      await m.ingest('orders', await m.file('b.csv', csv(2, 12)), { compact: false }); // gold reflects silver v2
      const later = () => ({ retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 });
      await garbageCollect(m, later()); // v1-v2 into an archive
      expect((await compactLocal(m, ['orders'])).length).toBe(1); // v3: the day's two files into one
      await garbageCollect(m, later()); // v3 into an archive of its own
      const silver = JSON.parse(readFileSync(join(m.dir, 'silver/orders/_strata/manifest.json'), 'utf8'));
      expect(silver).toMatchObject({ version: 3, history: [] });
      expect(silver.historyArchives).toEqual([
        { name: expect.stringMatching(/^history-0000000001-0000000002-/), from: 1, to: 2, entries: 2, lastRun: expect.any(String) },
        { name: expect.stringMatching(/^history-0000000003-0000000003-/), from: 3, to: 3, entries: 1, compactOnly: true, lastRun: expect.any(String) },
      ]);
      // before: "gold.daily_revenue: behind silver.orders (it reflects version 2, silver.orders is at version 3)"
      expect((await examine(m)).findings.filter((f) => f.level === 'problem')).toEqual([]);
      // the next run's refresh recomputes its own day only (a full refresh would rewrite day 12 too)
      const c = await m.ingest('orders', await m.file('c.csv', csv(3, 13)));
      const gold = c.record.gold as Array<{ partitions: string[] }> | undefined;
      expect(gold?.map((g) => g.partitions)).toEqual([['day=2025-06-13']]);
      expect(await m.query('SELECT CAST(day AS VARCHAR) AS day, orders FROM gold.daily_revenue ORDER BY 1')).toEqual([{ day: '2025-06-12', orders: 2 }, { day: '2025-06-13', orders: 1 }]);
    } finally {
      await m.cleanup();
    }
  }, 180_000);

  it('a damaged archive stays inside its history (from an attack): a rebuilt catalog shows the table, strata runs the other tables\' rollbacks', async () => {
    const m = await makeLake({ orders: ordersSchema({ mode: 'append' }), items: ordersSchema({ mode: 'append' }).replace('dataset: orders', 'dataset: items') });
    try {
      await m.ingest('orders', await m.file('a.csv', csv(1, 12)));
      await m.ingest('orders', await m.file('b.csv', csv(2, 13)));
      await garbageCollect(m, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 });
      await m.ingest('orders', await m.file('c.csv', csv(3, 14))); // its catalog entry lists the archive
      const i1 = await m.ingest('items', await m.file('i1.csv', csv(1, 12)));
      await m.ingest('items', await m.file('i2.csv', csv(2, 13)));
      await rollback(m, 'items', i1.record.runId);
      const name = JSON.parse(readFileSync(join(m.dir, 'silver/orders/_strata/manifest.json'), 'utf8')).historyArchives[0].name;
      writeFileSync(join(m.dir, 'silver/orders/_strata/archive', name), '[');
      rmSync(join(m.dir, 'catalog.duckdb'));
      expect(await m.query('SELECT count(*)::INT AS n FROM silver.orders')).toEqual([{ n: 3 }]);
      let out = '', err = '';
      const [w, e] = [process.stdout.write, process.stderr.write];
      process.stdout.write = ((c: string) => { out += c; return true; }) as typeof process.stdout.write;
      process.stderr.write = ((c: string) => { err += c; return true; }) as typeof process.stderr.write;
      try {
        expect(await main(['runs', '--lake', m.dir, '--schemas', join(m.root, 'schemas')])).toBe(0);
      } finally {
        [process.stdout.write, process.stderr.write] = [w, e];
      }
      expect(out).toContain('ROLLBACK');
      expect(err).toContain(`warning: silver.orders: only its recent rollbacks are shown: the history archive file://${join(m.dir, 'silver/orders/_strata/archive', name)} cannot be read`);
      // A pending quarantine file of a run the manifest's own history does not name: which runs committed is in the
      // archive. Doctor names the archive; before, it took the failure for a damaged quarantine entry and set it aside.
      await m.storage.writeText('quarantine/orders/_strata/pending/0123456789abcdef.20261201T000000000Z-dead00.parquet', 'x');
      const entry = m.catalog.entryFile('quarantine', 'orders');
      const before = readFileSync(entry, 'utf8');
      const found = (await examine(m)).findings.filter((f) => f.subject === 'quarantine.orders');
      expect(found).toEqual([expect.objectContaining({ level: 'problem', message: expect.stringContaining(`which runs committed its objects cannot be told: the history archive ${pathToFileURL(join(m.dir, 'silver/orders/_strata/archive', name)).href}`), way: expect.stringMatching(/^restore the archive/) })]);
      expect(found[0]!.repair).toBeUndefined();
      await repair(m);
      expect(readFileSync(entry, 'utf8')).toBe(before);
    } finally {
      await m.cleanup();
    }
  }, 180_000);
});

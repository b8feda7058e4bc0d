// A gold table read by other gold tables: `strata refresh` of it, and a rollback of it, recompute its readers (directly
// and through another gold table) from the rows it holds now. Before, they kept what they had computed from its old
// rows until a run of a dataset they read: stale, with no word (noticed at stop 49).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refresh as refreshCommand } from '../cli/commands/refresh.ts';
import { refresh, rollback } from '../workflows/maintenance.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { runCommand } from './helpers/cli.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

const schema = (factor: number) => `dataset: sales
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: kind, type: string, required: true }
  - { name: amount, type: int, required: true }
gold:
  - table: by_kind
    refresh: full
    sql: SELECT kind, SUM(amount) * ${factor} AS total FROM silver.sales GROUP BY kind
  - table: grand_total
    refresh: full
    sql: SELECT SUM(total) AS total, count(*) AS kinds FROM gold.by_kind
  - table: grand_doubled
    refresh: full
    sql: SELECT total * 2 AS doubled FROM gold.grand_total
  - table: unrelated
    refresh: full
    sql: SELECT count(*) AS n FROM silver.sales
`;

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({ sales: schema(1) });
  await lake.ingest('sales', await lake.file('a.csv', 'id,kind,amount\n1,x,10\n2,y,5\n'));
});
afterAll(() => lake?.cleanup());

const totals = async () => ({
  byKind: await lake.query<{ kind: string; total: number }>('SELECT kind, CAST(total AS INT) AS total FROM gold.by_kind ORDER BY kind'),
  grand: await lake.query<{ total: number; kinds: number }>('SELECT CAST(total AS INT) AS total, CAST(kinds AS INT) AS kinds FROM gold.grand_total'),
  doubled: await lake.query<{ doubled: number }>('SELECT CAST(doubled AS INT) AS doubled FROM gold.grand_doubled'),
});

describe('gold tables that read a gold table', () => {
  it('strata refresh of it recomputes them, in order, and leaves the others alone', async () => {
    expect(await totals()).toEqual({ byKind: [{ kind: 'x', total: 10 }, { kind: 'y', total: 5 }], grand: [{ total: 15, kinds: 2 }], doubled: [{ doubled: 30 }] });
    await writeFile(join(lake.root, 'schemas', 'sales.yaml'), schema(10));
    const l2 = await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') });
    const r = await refresh(l2, 'by_kind', true);
    expect(r.dependents.map((d) => [d.table, d.status])).toEqual([['grand_total', 'published'], ['grand_doubled', 'published']]);
    expect(await totals()).toEqual({ byKind: [{ kind: 'x', total: 100 }, { kind: 'y', total: 50 }], grand: [{ total: 150, kinds: 2 }], doubled: [{ doubled: 300 }] });
  });

  it('the command says what it recomputed after the table itself', async () => {
    const r = await runCommand(refreshCommand, { lake: lake.dir, schemas: join(lake.root, 'schemas') }, ['grand_total']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gold\.grand_total: published, .*\nthen gold\.grand_doubled \(reads gold\.grand_total\): published, 1 partition, 1 row, 0 removed/m);
    // A reader through another names the one it reads.
    const all = await runCommand(refreshCommand, { lake: lake.dir, schemas: join(lake.root, 'schemas') }, ['by_kind']);
    expect(all.stdout).toMatch(/\nthen gold\.grand_total \(reads gold\.by_kind\): .*\nthen gold\.grand_doubled \(reads gold\.grand_total\): /);
  });

  it('strata refresh of a dataset\'s name says it is one, and names the gold tables (newcomer\'s trial, stop 50)', async () => {
    await expect(runCommand(refreshCommand, { lake: lake.dir, schemas: join(lake.root, 'schemas') }, ['sales']))
      .rejects.toThrow(/^"sales" is a dataset, not a gold table: strata refresh recomputes a gold table \(by_kind, grand_total, grand_doubled, unrelated\); silver\.sales changes through strata ingest/);
  });

  it('a rollback to a run that never changed the table says where to find those that did (newcomer\'s trial, stop 50)', async () => {
    const l2 = await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') });
    await expect(rollback(l2, 'sales', 'nope')).rejects.toThrow(/^run nope never changed table sales \(or its history was collected\); strata runs --dataset sales lists the runs that did$/);
    // A gold table's: its history, not runs --dataset <table> (an attack: that named no dataset).
    await expect(rollback(l2, 'grand_total', 'nope')).rejects.toThrow(/^run nope never changed table grand_total \(or its history was collected\); strata history of gold\.grand_total \(strata query "select \* from strata\.history where table_name = 'grand_total'"\) lists the runs that did$/);
  });

  it('a rollback of it recomputes them from the rows it holds again', async () => {
    const runs = await lake.query<{ run_id: string }>("SELECT run_id FROM strata.history WHERE layer = 'gold' AND table_name = 'by_kind' ORDER BY version");
    const first = runs[0]!.run_id;
    const l2 = await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') });
    const r = await rollback(l2, 'by_kind', first);
    expect(r.refreshed.map((d) => d.table)).toEqual(['grand_total', 'grand_doubled']);
    expect(await totals()).toEqual({ byKind: [{ kind: 'x', total: 10 }, { kind: 'y', total: 5 }], grand: [{ total: 15, kinds: 2 }], doubled: [{ doubled: 30 }] });
  });
});

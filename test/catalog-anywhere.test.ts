// catalog.duckdb is for other tools too (issue 15, item 5): opened from any folder, with no setting of strata's, its
// views read the lake's files; a lake moved to another folder shows its tables again from there.
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOG_FILE, LocalCatalog } from '../runtime/catalog/local.ts';
import { Duck } from '../runtime/engine/duckdb.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterAll(() => lake?.cleanup());

/** Open catalog.duckdb as another tool would: a plain DuckDB, this process's folder (not the lake) as its cwd. */
async function openDirectly<T extends object>(file: string, sql: string): Promise<T[]> {
  const db = await Duck.open({ path: file, readOnly: true });
  try {
    return await db.all<T>(sql);
  } finally {
    db.close();
  }
}

describe('catalog.duckdb opened directly', () => {
  it('reads silver, quarantine and strata.runs from any folder, and again after the lake moved', async () => {
    lake = await makeLake({ orders: ordersSchema() });
    const file = await lake.file('o.csv', `${ORDERS_HEADER}\n1,Ann,NEW,1.50,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bob,LOST,2.00,Jun 12 2025,2025-06-12T11:00:00Z\n`);
    expect((await lake.ingest('orders', file)).record).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1, rowsQuarantined: 1 });
    expect(process.cwd()).not.toBe(lake.dir);
    const sql = `SELECT (SELECT count(*) FROM silver.orders) AS silver, (SELECT count(*) FROM quarantine.orders) AS quarantined,
      (SELECT count(*) FROM strata.runs) AS runs`;
    expect(await openDirectly(join(lake.dir, CATALOG_FILE), sql)).toEqual([{ silver: 1, quarantined: 1, runs: 1 }]);
    // Moved: the next reader (strata query, any command) shows every table from the new folder.
    const moved = join(lake.root, 'moved');
    await rename(lake.dir, moved);
    await new LocalCatalog(moved).materialize();
    expect(await openDirectly(join(moved, CATALOG_FILE), sql)).toEqual([{ silver: 1, quarantined: 1, runs: 1 }]);
  });
});

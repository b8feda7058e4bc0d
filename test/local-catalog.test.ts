// The local catalog: a publish writes the table's entry (one small file, swapped by rename); catalog.duckdb is the
// readers' materialisation of the entries, rebuilt by copy-and-swap only when an entry changed.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { doctor } from '../cli/commands/doctor.ts';
import { runCommand } from './helpers/cli.ts';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOG_BLOCK_SIZE } from '../runtime/catalog/local.ts';
import { pathLit, withDuck } from '../runtime/engine/duckdb.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

const line = (id: number, day: string) => `${id},C${id},NEW,10.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z`;

async function twoDays(): Promise<{ l: TestLake; m: TableManifest }> {
  const l = await makeLake({ orders: ordersSchema({ maxRatio: 1 }) });
  lakes.push(l);
  const r = await l.ingest('orders', await l.file('a.csv', `${ORDERS_HEADER}\n${line(1, '12')}\n${line(2, '13')}\n${line(3, '13')}\n`));
  expect(r.record.status).toBe('SUCCEEDED');
  const m: TableManifest = JSON.parse(readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8'));
  expect(Object.keys(m.partitions)).toHaveLength(2);
  return { l, m };
}

const catalogFile = (l: TestLake) => join(l.dir, 'catalog.duckdb');
/** Identity of the catalog file: a copy-and-swap gives a new inode. */
const fileId = (l: TestLake) => { const s = statSync(catalogFile(l)); return `${s.ino}:${s.mtimeMs}`; };
const silverTable = (l: TestLake) => ({ layer: 'silver' as const, name: 'orders', glue: l.plans[0]!.tables.silver });

describe('local catalog', () => {
  it('a registration writes the entry only; the next reader materialises it once, and an older manifest never wins', async () => {
    const { l, m } = await twoDays();
    const before = fileId(l);
    await l.catalog.materialize();
    expect(fileId(l)).toBe(before); // the run already materialised what it registered: nothing to do

    // A newer manifest that keeps only the first day (what a rollback or a removal publishes).
    const first = Object.keys(m.partitions).sort()[0]!;
    const next: TableManifest = { ...m, version: m.version + 1, partitions: { [first]: m.partitions[first]! } };
    expect(await l.catalog.syncTable(silverTable(l), next)).toEqual({ created: 0, updated: 0, deleted: 1 });
    expect(fileId(l)).toBe(before); // registering did not touch catalog.duckdb
    const entry = JSON.parse(readFileSync(join(l.dir, '_strata/catalog/tables/silver.orders.json'), 'utf8'));
    expect(entry.table.version).toBe(m.version + 1);

    expect(await l.query('SELECT order_id FROM silver.orders ORDER BY 1')).toEqual([{ order_id: 1 }]);
    expect(await l.query(`SELECT version, partitions FROM strata.tables WHERE layer = 'silver'`)).toEqual([{ version: m.version + 1, partitions: 1 }]);
    const after = fileId(l);
    expect(after).not.toBe(before);

    // A register that read the older manifest (a concurrent run) arrives late: ignored.
    expect(await l.catalog.syncTable(silverTable(l), m)).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await l.query('SELECT order_id FROM silver.orders ORDER BY 1')).toEqual([{ order_id: 1 }]);
    expect(fileId(l)).toBe(after);
  });

  it('strata.partitions and strata.tables read each table\'s partition lines: an entry without them (written by a strata before them, or deleted) gets them at the next read, from the entry', async () => {
    const { l, m } = await twoDays();
    const lines = join(l.dir, '_strata/catalog/partitions/silver.orders.jsonl');
    const shown = () => l.query<{ path: string; rows: number }>(`SELECT path, "rows"::INT AS "rows" FROM strata.partitions WHERE table_name = 'orders' ORDER BY 1`);
    const want = Object.values(m.partitions).map((p) => ({ path: p.path, rows: p.rows })).sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(await shown()).toEqual(want);
    const text = readFileSync(lines, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(2);
    rmSync(lines);
    expect(await shown()).toEqual(want);
    expect(readFileSync(lines, 'utf8')).toBe(text);
    expect(await l.query(`SELECT partitions::INT AS p, "rows"::INT AS r FROM strata.tables WHERE table_name = 'orders'`)).toEqual([{ p: 2, r: 3 }]);
  });

  it('a damaged or stale partition-lines file is written again from its entry before the next read; other tables never fail with it (an attack, stop 51)', async () => {
    const { l, m } = await twoDays();
    const lines = join(l.dir, '_strata/catalog/partitions/silver.orders.jsonl');
    const text = readFileSync(lines, 'utf8');
    const shown = () => l.query<{ n: number; r: number }>(`SELECT count(*)::INT AS n, sum("rows")::INT AS r FROM strata.partitions WHERE table_name = 'orders'`);
    const want = [{ n: 2, r: Object.values(m.partitions).reduce((a, p) => a + p.rows, 0) }];
    writeFileSync(lines, text.slice(0, 30)); // truncated
    expect(await shown()).toEqual(want);
    expect(readFileSync(lines, 'utf8')).toBe(text);
    writeFileSync(lines, text.split('\n')[0] + '\n'); // one partition short: as a registration stopped between its writes leaves it
    expect(await shown()).toEqual(want);
    expect(await l.query(`SELECT partitions::INT AS p FROM strata.tables WHERE table_name = 'orders'`)).toEqual([{ p: 2 }]);
  });

  it('a folder where a partition-lines file belongs is kept aside and the file written; strata doctor does not call catalog.duckdb damaged for lines missing (a second attack, stop 51)', async () => {
    const { l, m } = await twoDays();
    const lines = join(l.dir, '_strata/catalog/partitions/silver.orders.jsonl');
    rmSync(lines);
    const g = { lake: l.dir, schemas: join(l.root, 'schemas') };
    const examined = await runCommand(doctor, g, []);
    expect(examined.stdout).not.toMatch(/cannot be read/);
    expect(examined.code, examined.stdout).toBe(0);
    rmSync(lines, { force: true });
    mkdirSync(lines);
    writeFileSync(join(lines, 'x'), 'a file of someone else');
    expect(await l.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await l.query(`SELECT count(*)::INT AS n FROM strata.partitions WHERE table_name = 'orders'`)).toEqual([{ n: Object.keys(m.partitions).length }]);
    const aside = readdirSync(join(l.dir, '_strata/catalog/partitions')).filter((f) => f.startsWith('silver.orders.jsonl.aside-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(l.dir, '_strata/catalog/partitions', aside[0]!, 'x'), 'utf8')).toBe('a file of someone else');
    expect(readdirSync(l.dir).filter((f) => f.startsWith('catalog.duckdb.damaged'))).toEqual([]);
  });

  it('catalog.duckdb is derived: deleted, it is rebuilt from the entries with the same tables, partitions and history', async () => {
    const { l } = await twoDays();
    const everything = async () => ({
      rows: await l.query('SELECT order_id FROM silver.orders ORDER BY 1'),
      tables: await l.query('SELECT layer, table_name, version, partitions, "rows" FROM strata.tables ORDER BY ALL'),
      partitions: await l.query('SELECT layer, table_name, path, location, "rows" FROM strata.partitions ORDER BY ALL'),
      history: await l.query('SELECT layer, table_name, version, run_id, kind FROM strata.history ORDER BY ALL'),
      quarantine: await l.query('SELECT count(*) AS n FROM quarantine.orders'),
      runs: await l.query('SELECT run_id, status, rows_in FROM strata.runs'),
    });
    const was = await everything();
    expect(was.partitions).toHaveLength(2);
    expect(was.runs).toHaveLength(1);
    rmSync(catalogFile(l));
    expect(await everything()).toEqual(was);
  });

  it('catalog.duckdb is written with 16 KiB blocks; one of DuckDB\'s default 256 KiB (as written before) is rebuilt with them at the next write, nothing else changed', async () => {
    const { l } = await twoDays();
    const blockSize = () => withDuck(async (db) => {
      await db.run(`ATTACH ${pathLit(catalogFile(l))} AS c (READ_ONLY)`);
      return Number((await db.one<{ b: number }>(`SELECT block_size AS b FROM pragma_database_size() WHERE database_name = 'c'`)).b);
    });
    expect(await blockSize()).toBe(CATALOG_BLOCK_SIZE);
    // The same catalog in a file of DuckDB's default block size, swapped in as an older strata would have left it.
    const old = `${catalogFile(l)}.old`;
    await withDuck(async (db) => { await db.run(`ATTACH ${pathLit(catalogFile(l))} AS c (READ_ONLY); ATTACH ${pathLit(old)} AS o; COPY FROM DATABASE c TO o; DETACH o; DETACH c`); });
    renameSync(old, catalogFile(l));
    expect(await blockSize()).toBe(262_144);
    const was = await l.query('SELECT layer, table_name, path, "rows" FROM strata.partitions ORDER BY ALL');
    expect(was).toHaveLength(2);
    const r = await l.ingest('orders', await l.file('b.csv', `${ORDERS_HEADER}\n${line(4, '14')}\n`));
    expect(r.record.status).toBe('SUCCEEDED');
    expect(await blockSize()).toBe(CATALOG_BLOCK_SIZE);
    expect(await l.query('SELECT layer, table_name, path, "rows" FROM strata.partitions ORDER BY ALL')).toEqual([...was, { layer: 'silver', table_name: 'orders', path: 'dt=2025-06-14', rows: 1 }]);
    expect(existsSync(`${catalogFile(l)}.damaged`)).toBe(false); // whole: not called damaged
    expect(existsSync(`${catalogFile(l)}.replaced`)).toBe(true); // but kept: when in doubt, keep
  });

  it('a write-ahead log another program left beside catalog.duckdb is kept aside (.wal.stale-<time>) at the next write, never replayed onto the new file', async () => {
    const { l } = await twoDays();
    // A DuckDB session that opened catalog.duckdb read-write, changed it and exited without a checkpoint.
    await withDuck(async (db) => {
      await db.run(`ATTACH ${pathLit(catalogFile(l))} AS c; SET checkpoint_threshold = '1GB'`);
      await db.run(`CREATE TABLE c.strata.ghost AS SELECT 'dt=ghost' AS path`);
      await db.run('PRAGMA disable_checkpoint_on_shutdown');
    }, { path: join(l.root, 'other.duckdb') });
    expect(existsSync(`${catalogFile(l)}.wal`)).toBe(true);
    const r = await l.ingest('orders', await l.file('b.csv', `${ORDERS_HEADER}\n${line(4, '14')}\n`));
    expect(r.record.status).toBe('SUCCEEDED');
    expect(existsSync(`${catalogFile(l)}.wal`)).toBe(false);
    expect(readdirSync(l.dir).filter((f) => /^catalog\.duckdb\.wal\.stale-\d{8}T\d{9}Z$/.test(f))).toHaveLength(1);
    expect(await l.query('SELECT path FROM strata.partitions ORDER BY ALL')).toEqual([{ path: 'dt=2025-06-12' }, { path: 'dt=2025-06-13' }, { path: 'dt=2025-06-14' }]);
    expect(await l.query("SELECT count(*)::INT AS n FROM duckdb_tables() WHERE table_name = 'ghost'")).toEqual([{ n: 0 }]);
  });

  it('a damaged entry is an error naming the file, not a table silently left out of catalog.duckdb', async () => {
    const { l } = await twoDays();
    const entry = join(l.dir, '_strata/catalog/tables/silver.orders.json');
    writeFileSync(entry, readFileSync(entry, 'utf8').slice(0, 100));
    rmSync(catalogFile(l));
    // The table raises the reason when read (test/damage.test.ts: the other tables are not affected).
    await expect(l.query('SELECT count(*) AS n FROM silver.orders')).rejects.toMatchObject({
      message: expect.stringContaining(`catalog entry ${entry} is not valid JSON`),
    });
  });
});

// Damaged files: the damage stays inside its table (other tables keep their queries, ingests and gc; `select 1` works),
// and every error names the file and the way back. Damaged data files are shared by the versions that hold them
// (hard links), which the errors say.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryLocal } from '../cli/commands/query.ts';
import { out } from '../cli/output.ts';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); vi.restoreAllMocks(); });

const notes = `dataset: notes
source: { format: jsonl }
columns:
  - { name: id, type: bigint, required: true }
  - { name: topic, type: string }
gold:
  - table: by_topic
    refresh: full
    sql: SELECT topic, count(*) AS n FROM silver.notes GROUP BY 1
    partitionBy: [topic]
`;
async function lake(): Promise<TestLake> {
  const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }), notes });
  lakes.push(l);
  return l;
}
const line = (id: number, day = '12', amount = '10.00') => `${id},C${id},NEW,${amount},Jun ${day} 2025,2025-06-${day}T10:00:00Z`;
const orders = (l: TestLake, name: string, ...rows: string[]) => l.file(name, `${ORDERS_HEADER}\n${rows.join('\n')}\n`).then((f) => l.ingest('orders', f)).then((r) => r.record);
const note = (l: TestLake, name: string, ...rows: object[]) => l.file(name, rows.map((r) => JSON.stringify(r)).join('\n') + '\n').then((f) => l.ingest('notes', f)).then((r) => r.record);
const failure = (l: TestLake, sql: string) => l.query(sql).then(() => 'no error', (e: Error) => e.message);

describe('damage stays inside its table', () => {
  it('a truncated manifest: its table\'s ingest fails naming the file and the way back; other tables ingest, query and gc', async () => {
    const l = await lake();
    expect((await orders(l, 'a.csv', line(1))).status).toBe('SUCCEEDED');
    expect((await note(l, 'n.jsonl', { id: 1, topic: 'x' })).status).toBe('SUCCEEDED');
    const manifest = join(l.dir, 'silver/notes/_strata/manifest.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').slice(0, 60));
    const r = await note(l, 'n2.jsonl', { id: 2, topic: 'y' });
    expect(r).toMatchObject({ status: 'FAILED', error: { name: 'Strata.UnreadableFile' } });
    expect(r.error!.message).toMatch(new RegExp(`^the manifest of silver.notes \\(file://${l.dir}/silver/notes/_strata/manifest.json\\) is damaged \\(.*JSON.*\\); nothing was changed. The way back: strata doctor --repair restores it from the table's manifest history \\(file://${l.dir}/silver/notes/_strata/history/\\); only silver.notes is affected.$`));
    expect((await orders(l, 'b.csv', line(2))).status).toBe('SUCCEEDED');
    expect(await l.query('SELECT count(*) AS n FROM silver.orders')).toEqual([{ n: 2 }]);
    expect(await l.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const gc = await garbageCollect(l);
    // A table in doubt is kept whole and reported with the reason.
    expect(gc.tables.find((t) => t.table === 'silver.notes')?.kept).toContain('silver/notes/_strata/manifest.json) is damaged');
    expect(gc.tables.filter((t) => t.kept || t.error).map((t) => t.table)).toEqual(['silver.notes']);
    expect(gc.tables.map((t) => t.table).sort()).toEqual(['gold.by_topic', 'silver.notes', 'silver.orders']);
  });

  it('a damaged catalog entry: its table raises the reason, naming the entry; the others and select 1 work; the next registration mends it', async () => {
    const l = await lake();
    await orders(l, 'a.csv', line(1));
    await note(l, 'n.jsonl', { id: 1, topic: 'x' });
    const entry = join(l.dir, '_strata/catalog/tables/silver.orders.json');
    writeFileSync(entry, readFileSync(entry, 'utf8').slice(0, 100));
    expect(await l.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await l.query('SELECT id, topic FROM silver.notes')).toEqual([{ id: 1, topic: 'x' }]);
    for (const sql of ['SELECT count(*) FROM silver.orders', 'SELECT order_id FROM silver.orders WHERE order_id = 1']) {
      expect(await failure(l, sql)).toContain(`catalog entry ${entry} is not valid JSON`);
    }
    expect((await orders(l, 'b.csv', line(2))).status).toBe('SUCCEEDED');
    expect(await l.query('SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ ids: [1, 2] }]);
  });

  it('files in the catalog\'s tables folder that are no entries (a stray notes.json, an entry\'s shape gone, one named for another table): the others and select 1 work; one named <layer>.<name>.json is that table\'s damaged entry (an attack, stop 53: every query failed with "Cannot read properties of undefined")', async () => {
    const l = await lake();
    await orders(l, 'a.csv', line(1));
    await note(l, 'n.jsonl', { id: 1, topic: 'x' });
    const dir = join(l.dir, '_strata/catalog/tables');
    const orderEntry = readFileSync(join(dir, 'silver.orders.json'), 'utf8');
    writeFileSync(join(dir, 'notes.json'), '{"hello": 1}');
    writeFileSync(join(dir, 'backup.silver.orders.json'), orderEntry);
    writeFileSync(join(dir, 'silver.notes.json'), '[1, 2, 3]');
    writeFileSync(join(dir, 'gold.x.json'), 'null');
    // A folder named like an entry, a definition without columns (EISDIR, "reading 'Columns'": every query failed).
    mkdirSync(join(dir, 'silver.zz.json'));
    writeFileSync(join(dir, 'gold.zz.json'), JSON.stringify({ stamp: 's', layer: 'gold', name: 'zz', glue: {}, files: [] }));
    expect(await l.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await l.query('SELECT count(*) AS n FROM silver.orders')).toEqual([{ n: 1 }]);
    expect(await l.query('SELECT topic FROM gold.by_topic')).toEqual([{ topic: 'x' }]);
    expect(await failure(l, 'SELECT * FROM silver.notes')).toContain(`catalog entry ${join(dir, 'silver.notes.json')} is no strata catalog entry`);
    expect(await failure(l, 'SELECT * FROM gold.x')).toContain(`catalog entry ${join(dir, 'gold.x.json')} is no strata catalog entry`);
    expect(await failure(l, 'SELECT * FROM silver.zz')).toContain(`catalog entry ${join(dir, 'silver.zz.json')} cannot be read (EISDIR`);
    expect(await failure(l, 'SELECT * FROM gold.zz')).toContain(`catalog entry ${join(dir, 'gold.zz.json')} is no strata catalog entry (it has no stamp or table definition)`);
    expect((await note(l, 'n2.jsonl', { id: 2, topic: 'y' })).status).toBe('SUCCEEDED');
    expect(await l.query('SELECT list(id ORDER BY id) AS ids FROM silver.notes')).toEqual([{ ids: [1, 2] }]);
    expect((await orders(l, 'b.csv', line(2))).status).toBe('SUCCEEDED');
    expect(await l.query('SELECT count(*) AS n FROM silver.orders')).toEqual([{ n: 2 }]);
    // A table entry whose partitions are not a manifest's: that table's reads fail naming it; the next registration mends it.
    const entry = JSON.parse(readFileSync(join(dir, 'silver.orders.json'), 'utf8')) as { table: { partitions: Record<string, unknown> } };
    writeFileSync(join(dir, 'silver.orders.json'), JSON.stringify({ ...entry, table: { ...entry.table, partitions: { x: 5 } } }));
    expect(await failure(l, 'SELECT * FROM silver.orders')).toContain('is no strata catalog entry (its table is not a manifest\'s)');
    expect(await l.query('SELECT count(*) AS n FROM silver.notes')).toEqual([{ n: 2 }]);
    expect((await orders(l, 'c.csv', line(3))).status).toBe('SUCCEEDED');
    expect(await l.query('SELECT count(*) AS n FROM silver.orders')).toEqual([{ n: 3 }]);
    // Never deleted: strata did not write them.
    expect(readFileSync(join(dir, 'notes.json'), 'utf8')).toBe('{"hello": 1}');
    expect(readFileSync(join(dir, 'backup.silver.orders.json'), 'utf8')).toBe(orderEntry);
  });

  it('a NUL in a gold partition value: the catalog shows it exactly; every other query still works', async () => {
    const l = await lake();
    const r = await note(l, 'n.jsonl', { id: 1, topic: 'a\u0000b' }, { id: 2, topic: 'c' });
    expect(r.status).toBe('SUCCEEDED');
    expect(await l.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await l.query(`SELECT "values"[1] AS v FROM strata.partitions WHERE table_name = 'by_topic' ORDER BY 1`)).toEqual([{ v: 'a\u0000b' }, { v: 'c' }]);
    expect((await orders(l, 'a.csv', line(1))).status).toBe('SUCCEEDED');
  });

  it('a data file DuckDB cannot open while catalog.duckdb is built: that table alone raises the reason, naming the file', async () => {
    const l = await lake();
    await orders(l, 'a.csv', line(1), line(2, '12', 'abc'));
    const [q] = readdirSync(join(l.dir, 'quarantine/orders'));
    writeFileSync(join(l.dir, 'quarantine/orders', q!), 'not parquet');
    rmSync(join(l.dir, 'catalog.duckdb'));
    expect(await l.query('SELECT count(*) AS n FROM silver.orders')).toEqual([{ n: 1 }]);
    expect(await failure(l, 'SELECT * FROM quarantine.orders')).toContain(`quarantine/orders/${q} of quarantine.orders is damaged (`);
    expect(await failure(l, 'SELECT * FROM quarantine.orders')).toContain('The way back: restore the file from a backup');
  });

  it('a damaged catalog.duckdb is rebuilt from the entries (kept aside as catalog.duckdb.damaged); reads and ingests go on', async () => {
    const l = await lake();
    await orders(l, 'a.csv', line(1));
    writeFileSync(join(l.dir, 'catalog.duckdb'), Buffer.alloc(8192, 7));
    expect(await l.query('SELECT count(*) AS n FROM silver.orders')).toEqual([{ n: 1 }]);
    expect(readFileSync(join(l.dir, 'catalog.duckdb.damaged'))).toEqual(Buffer.alloc(8192, 7));
    writeFileSync(join(l.dir, 'catalog.duckdb'), Buffer.alloc(8192, 9));
    expect((await orders(l, 'b.csv', line(2))).status).toBe('SUCCEEDED');
    expect(await l.query('SELECT count(*) AS n FROM silver.orders')).toEqual([{ n: 2 }]);
    // Truncated, the file opens; its rows do not read: found when a run brings it up to date, and rebuilt.
    truncateSync(join(l.dir, 'catalog.duckdb'), Math.floor(statSync(join(l.dir, 'catalog.duckdb')).size / 2));
    expect((await orders(l, 'c.csv', line(3))).status).toBe('SUCCEEDED');
    expect(await l.query('SELECT count(*) AS n FROM silver.orders')).toEqual([{ n: 3 }]);
    expect(await l.query(`SELECT count(*) AS n FROM strata.runs`)).toEqual([{ n: 3 }]);
  });
});

describe('damaged data files are shared by the versions that hold them', () => {
  async function truncatedFirstFile(): Promise<{ l: TestLake; first: string; second: string; file: string }> {
    const l = await lake();
    const first = (await orders(l, 'a.csv', line(1), line(2))).runId;
    const second = (await orders(l, 'b.csv', line(3))).runId;
    // Run b's version of the partition shares run a's file (a hard link): truncating one truncates both.
    const file = join(l.dir, 'silver/orders/dt=2025-06-12', readdirSync(join(l.dir, 'silver/orders/dt=2025-06-12')).find((v) => v.endsWith(second))!, `part-${first}-0.parquet`);
    expect(statSync(file).nlink).toBe(2);
    truncateSync(file, statSync(file).size - 20);
    return { l, first, second, file };
  }

  it('a query names the file, says the versions share it, and gives the way back', async () => {
    const { l, first, file } = await truncatedFirstFile();
    const errors: string[] = [];
    vi.spyOn(out, 'error').mockImplementation((t: string) => { errors.push(t); });
    expect(await queryLocal(l.dir, 'SELECT count(*) FROM silver.orders')).toBeUndefined();
    const key = file.slice(l.dir.length + 1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^query failed: ${key} of silver.orders is damaged \\(No magic bytes found at end of file .*\\)\\. Versions of a partition share the files they did not change \\(hard links\\), so every version since run ${first} holds these same damaged bytes and a rollback to any of them brings nothing back\\. The way back is bronze: run ${first} made the table, so move silver/orders/ aside and ingest its bronze objects again \\(strata runs --dataset orders lists them; leave out the runs it shows as rolled back\\)$`));
    expect(JSON.stringify((await queryLocal(l.dir, 'SELECT 1 AS one'))?.rows)).toBe('[{"one":1}]'); // query output keeps numbers exact
  });

  it('a rollback to a version holding the damaged file is refused before anything changes; after a run before it, it names that run', async () => {
    const { l, first, second } = await truncatedFirstFile();
    const before = readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8');
    await expect(rollback(l, 'orders', first)).rejects.toMatchObject({
      name: 'Strata.UnreadableFile',
      message: expect.stringMatching(new RegExp(`^silver\\.orders was not rolled back to run ${first}: the version it left holds a damaged file\\. silver/orders/dt=2025-06-12/v-${first}/part-${first}-0\\.parquet of silver\\.orders is damaged .* every version since run ${first} holds these same damaged bytes`)),
    });
    expect(readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8')).toBe(before);
    // The append after it also refuses to build on the damaged file (its keys are held against silver's), and says why.
    const next = await orders(l, 'c.csv', line(4));
    expect(next).toMatchObject({ status: 'FAILED', error: { name: 'Strata.UnreadableFile' } });
    expect(next.error!.message).toContain(`every version since run ${first} holds these same damaged bytes`);
    void second;
  });

  it('with a run before the damaged file, the way back names it; rolling back to it restores a readable table', async () => {
    const l = await lake();
    const zero = (await orders(l, 'z.csv', line(9, '13'))).runId;
    const first = (await orders(l, 'a.csv', line(1), line(2))).runId;
    const second = (await orders(l, 'b.csv', line(3))).runId;
    const dir = join(l.dir, 'silver/orders/dt=2025-06-12');
    const file = join(dir, readdirSync(dir).find((v) => v.endsWith(second))!, `part-${first}-0.parquet`);
    truncateSync(file, 10);
    await expect(rollback(l, 'orders', first)).rejects.toMatchObject({
      message: expect.stringContaining(`The way back is bronze: strata rollback orders --to ${zero} (the last run before ${first}), then ingest again the bronze objects of run ${first} and of the runs after it`),
    });
    await rollback(l, 'orders', zero);
    expect(await l.query('SELECT list(order_id) AS ids FROM silver.orders')).toEqual([{ ids: [9] }]);
    expect(existsSync(file)).toBe(true); // nothing is deleted by a rollback
  });
});

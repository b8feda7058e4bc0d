// Compaction and damaged data files it cannot tell by their footers (an attack, stop 55): a file replaced by another
// valid Parquet file holding fewer or more rows, and a file whose data page is damaged under an intact footer. The
// partition is left as it is, reported Strata.UnreadableFile with the way back, and the table's other partitions are
// compacted; nothing is published as "identical" that does not hold the rows the manifest says (before: the fewer
// rows were published, doctor went quiet and gold kept the old rows for good; the damaged page failed the whole table
// with the engine's raw error, taken for a transient one).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { doctor } from '../cli/commands/doctor.ts';
import { query } from '../cli/commands/query.ts';
import { refresh } from '../cli/commands/refresh.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { withDuck } from '../runtime/engine/duckdb.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { runCommand } from './helpers/cli.ts';
import { batch, EVENTS } from './helpers/events.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });
const [DAMAGED, OTHER] = ['dt=2025-06-15', 'dt=2025-06-16'];
const manifest = (l: TestLake): TableManifest => JSON.parse(readFileSync(join(l.dir, 'silver/events/_strata/manifest.json'), 'utf8'));

/** Two days of events, two files of 100 rows each (a partition of 2 files is compacted by hand). */
async function lakeWithSmallFiles(): Promise<TestLake> {
  const l = await makeLake({ events: EVENTS() });
  lakes.push(l);
  for (let b = 0; b < 2; b++) {
    for (const day of [15, 16]) expect((await l.ingest('events', await l.file(`b${b}-${day}.jsonl`, batch(day * 1000 + b * 100, 100, day)))).record.status).toBe('SUCCEEDED');
  }
  return l;
}

/** Damage `file`'s bytes [from, to) in place (a data page under its intact footer). */
function damagePage(file: string, from: number, to: number): void {
  const b = readFileSync(file);
  for (let i = from; i < to; i++) b[i] = b[i]! ^ 0x5a;
  writeFileSync(file, b);
}

/** Replace `file` by a valid Parquet file of the rows `select` picks from it (over `f`). */
async function rewrite(file: string, select: string): Promise<void> {
  await withDuck((db) => db.run(`COPY (${select.replaceAll('f', `read_parquet('${file}')`)}) TO '${file}.new' (FORMAT parquet)`));
  rmSync(file);
  writeFileSync(file, readFileSync(`${file}.new`));
  rmSync(`${file}.new`);
}

/**
 * A lake of small files whose second file of DAMAGED `damage` changes (given its path), compacted: that partition is
 * left as it is, the other compacted, and the execution fails Strata.UnreadableFile. Its lake, the damaged file's key
 * and the error's cause.
 */
async function compactAroundDamage(damage: (file: string) => unknown): Promise<{ l: TestLake; key: string; cause: string }> {
  const l = await lakeWithSmallFiles();
  const before = manifest(l);
  const key = before.partitions[DAMAGED]!.files[1]!;
  await damage(join(l.dir, key));
  const [c] = await compactLocal(l, ['events']);
  const after = manifest(l);
  expect(after.partitions[DAMAGED]).toEqual(before.partitions[DAMAGED]);
  expect(after.partitions[OTHER]).toMatchObject({ rows: 200, files: [expect.any(String)] });
  expect(c!.execution.error?.name).toBe('Strata.UnreadableFile');
  return { l, key, cause: String(c!.execution.error?.cause) };
}

describe('compaction of a partition whose files are damaged past their footers', () => {
  for (const [what, select, held] of [
    ['fewer rows', 'SELECT * FROM f LIMIT 10', 110],
    ['more rows', 'SELECT * FROM f UNION ALL SELECT * FROM f', 300],
  ] as const) {
    it(`a file replaced by a valid one of ${what}: left as it is, reported with the way back; the other partition is compacted`, async () => {
      const { l, cause } = await compactAroundDamage((file) => rewrite(file, select));
      expect(cause).toContain(`silver.events: ${DAMAGED} was not compacted: its files hold ${held} rows, the manifest of silver.events says 200. `
        + 'The way back: strata rollback events --to <an earlier run> brings back an earlier version');
      expect(cause).toContain('Compacted meanwhile, rows unchanged: silver.events.');
      // doctor still sees it (it did not after the compaction published the rows as they were).
      const d = await runCommand(doctor, { lake: l.dir, schemas: join(l.root, 'schemas') }, []);
      expect(d.stdout).toContain(`its files hold ${held} rows, the manifest says 200`);
    });
  }

  for (const [what, select, problem] of [
    ['lacks a column', 'SELECT * EXCLUDE (kind) FROM f', 'it does not hold column "kind", which every file of this version was written with'],
    ['holds a column of another type', `SELECT * REPLACE ('abc' AS amount) FROM f`, 'Could not convert string "abc" to DECIMAL(12,2)'],
  ] as const) {
    it(`a file replaced by a valid one of the same rows that ${what}: named, left as it is; the other partition is compacted`, async () => {
      // (Before: the missing column was read as NULL and published, its values lost with no word; the other type failed
      // the whole table with the engine's error.)
      const { key, cause } = await compactAroundDamage((file) => rewrite(file, select));
      expect(cause).toContain(`silver.events: ${DAMAGED} was not compacted: ${key} of silver.events is damaged (`);
      expect(cause).toContain(problem);
    });
  }

  it('a file whose data page is damaged under an intact footer: named, left as it is; the other partition is compacted', async () => {
    const { key, cause } = await compactAroundDamage((file) => damagePage(file, 60, 300));
    expect(cause).toContain(`silver.events: ${DAMAGED} was not compacted: ${key} of silver.events is damaged (`);
  });

  it('a damaged data page is named by a gold refresh (not its SQL) and by a query that reads it', async () => {
    const l = await makeLake({ events: EVENTS(`gold:
  - table: events_daily
    sql: SELECT dt, count(*) AS n, max(event_id) AS last_event, sum(amount) AS amount FROM silver.events GROUP BY dt
`) });
    lakes.push(l);
    for (const day of [15, 16]) expect((await l.ingest('events', await l.file(`b-${day}.jsonl`, batch(day * 1000, 100, day)))).record.status).toBe('SUCCEEDED');
    const key = manifest(l).partitions[DAMAGED]!.files[0]!;
    damagePage(join(l.dir, key), 60, 300);
    const args = { lake: l.dir, schemas: join(l.root, 'schemas') };
    const refreshed = await runCommand(refresh, args, ['events_daily'], { full: true }).catch((e: Error) => ({ code: 1, stdout: '', stderr: `${e.name}: ${e.message}` }));
    expect(refreshed.stderr).toContain(`Strata.UnreadableFile: gold table events_daily could not be computed: ${key} of silver.events is damaged (`);
    expect(refreshed.stderr).not.toContain('its SQL failed');
    const queried = await runCommand(query, args, ['SELECT * FROM silver.events']).catch((e: Error) => ({ code: 1, stdout: '', stderr: `${e.name}: ${e.message}` }));
    expect(queried.stderr).toContain(`${key} of silver.events is damaged (`);
  });
});

describe('a gold refresh over a silver file replaced by one of another type', () => {
  it('names the file and the way back, not the SQL (the engine names only the column)', async () => {
    const l = await makeLake({ events: EVENTS(`gold:
  - table: events_daily
    sql: SELECT dt, count(*) AS n, sum(amount) AS amount FROM silver.events GROUP BY dt
`) });
    lakes.push(l);
    for (const day of [15, 16]) expect((await l.ingest('events', await l.file(`b-${day}.jsonl`, batch(day * 1000, 100, day)))).record.status).toBe('SUCCEEDED');
    const key = manifest(l).partitions[DAMAGED]!.files[0]!;
    await rewrite(join(l.dir, key), `SELECT * REPLACE ('abc' AS amount) FROM f`);
    const refreshed = await runCommand(refresh, { lake: l.dir, schemas: join(l.root, 'schemas') }, ['events_daily'], { full: true })
      .catch((e: Error) => ({ code: 1, stdout: '', stderr: `${e.name}: ${e.message}` }));
    expect(refreshed.stderr).toContain(`Strata.UnreadableFile: gold table events_daily could not be computed: ${key} of silver.events is damaged (Could not convert string "abc" to DECIMAL(12,2)`);
  });
});

describe('an upsert into a partition whose file was replaced by another', () => {
  for (const [what, select, problem] of [
    ['lacks a column', 'SELECT * EXCLUDE (status) FROM f', 'it does not hold column "status", which every file of this version was written with'],
    ['holds a column of another type', `SELECT * REPLACE ('abc' AS amount) FROM f`, 'Could not convert string "abc" to DECIMAL(12,2)'],
  ] as const) {
    it(`one that ${what}: the run fails naming the file and the way back; nothing is committed (before: the column read as NULL was committed for every row)`, async () => {
      const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'upsert' }) });
      lakes.push(l);
      const rows = (ids: number[]) => `${ORDERS_HEADER}\n${ids.map((id) => `${id},c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z`).join('\n')}\n`;
      expect((await l.ingest('orders', await l.file('a.csv', rows([1, 2, 3])))).record.status).toBe('SUCCEEDED');
      const m = JSON.parse(readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8')) as TableManifest;
      const key = m.partitions['dt=2025-06-12']!.files[0]!;
      await rewrite(join(l.dir, key), select);
      const { record } = await l.ingest('orders', await l.file('b.csv', rows([3, 4])));
      expect(record.status).toBe('FAILED');
      expect(record.error?.name).toBe('Strata.UnreadableFile');
      expect(record.error?.message).toContain(`silver.orders partition dt=2025-06-12 was not rewritten: ${key} of silver.orders is damaged (${problem}`);
      expect(JSON.parse(readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8'))).toMatchObject({ version: m.version });
    });
  }
});

describe('an append with a primary key into a table with a damaged data page', () => {
  it('fails its run naming the file and the way back (before: Strata.Internal with the engine\'s words)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    const rows = (ids: number[]) => `${ORDERS_HEADER}\n${ids.map((id) => `${id},c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z`).join('\n')}\n`;
    expect((await l.ingest('orders', await l.file('a.csv', rows(Array.from({ length: 500 }, (_, i) => i + 1))))).record.status).toBe('SUCCEEDED');
    const m = JSON.parse(readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8')) as TableManifest;
    const key = m.partitions['dt=2025-06-12']!.files[0]!;
    // The first data page (the key column's): the bytes after the file's magic number.
    damagePage(join(l.dir, key), 8, 200);
    // A key within the file's range of keys (one outside it is ruled out by its statistics, nothing read).
    const { record } = await l.ingest('orders', await l.file('b.csv', rows([250])));
    expect(record.status).toBe('FAILED');
    expect(record.error?.name).toBe('Strata.UnreadableFile');
    expect(record.error?.message).toContain(`${key} of silver.orders is damaged (`);
  });
});

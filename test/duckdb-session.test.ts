// Sessions on the shared DuckDB instance: what a gold refresh creates (schemas, views, temp tables) is its own,
// concurrent sessions do not see each other, and a released session leaves nothing behind.
import { describe, expect, it } from 'vitest';
import { Duck, withDuckSession } from '../runtime/engine/duckdb.ts';

describe('DuckDB sessions', () => {
  it('concurrent sessions each see only their own silver schema and temp tables; released ones are detached', { timeout: 30_000 }, async () => {
    // Both sessions have created their objects before either reads: they overlap by construction, not by timing.
    // (Sessions that could not be open at once would never meet here, and the test would fail on its timeout.)
    let arrived = 0;
    let release!: () => void;
    const bothCreated = new Promise<void>((r) => { release = r; });
    const inSession = (n: number) => withDuckSession(async (db) => {
      await db.run(`CREATE SCHEMA silver; CREATE VIEW silver.orders AS SELECT ${n} AS n; CREATE TEMP TABLE gold_batch AS SELECT ${n} * 10 AS m`);
      if (++arrived === 2) release();
      await bothCreated;
      return { view: await db.all('SELECT n FROM silver.orders'), temp: await db.all('SELECT m FROM gold_batch'), db: (await db.one<{ d: string }>('SELECT current_database() AS d')).d };
    });
    const [a, b] = await Promise.all([inSession(1), inSession(2)]);
    expect(a).toMatchObject({ view: [{ n: 1 }], temp: [{ m: 10 }] });
    expect(b).toMatchObject({ view: [{ n: 2 }], temp: [{ m: 20 }] });
    expect(a.db).not.toBe(b.db);

    const after = await Duck.session();
    try {
      const dbs = (await after.all<{ name: string }>('SELECT database_name AS name FROM duckdb_databases()')).map((r) => r.name);
      expect(dbs).not.toContain(a.db);
      expect(dbs).not.toContain(b.db);
      await expect(after.all('SELECT * FROM silver.orders')).rejects.toThrow(/does not exist/);
      expect(await after.one('SELECT current_setting(\'TimeZone\') AS tz')).toEqual({ tz: 'UTC' });
    } finally {
      await after.release();
    }
  });
});

// Sessions on the shared DuckDB instance: what a gold refresh creates (schemas, views, temp tables) is its own,
// concurrent sessions do not see each other, and a released session leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Duck, leavesInstance, withDuck, withDuckSession } from '../runtime/engine/duckdb.ts';

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

describe('a database whose write failed', () => {
  it('is detached all the same (from another connection), and the shared instance keeps working', { timeout: 60_000 }, async () => {
    // A checkpoint that cannot write (the file-size limit of the process stands in for a full disk) leaves DuckDB's
    // database invalidated: the connection it is the default of can neither leave nor detach it. Run in a process of
    // its own, whose file-size limit (ulimit -f, 2 MiB) only it pays; Node ignores SIGXFSZ, so the write fails (EFBIG).
    const dir = await mkdtemp(join(tmpdir(), 'strata-detach-'));
    try {
      const script = join(dir, 'child.ts');
      await writeFile(script, `import { Duck } from ${JSON.stringify(resolve('runtime/engine/duckdb.ts'))};
const dir = process.argv[2];
const db = await Duck.session({ memoryLimit: '256MB', threads: 1, tempDirectory: dir });
await db.run(\`ATTACH '\${dir}/c.duckdb' AS c1; USE c1; CREATE TABLE t (x BIGINT)\`);
let failed = '';
try {
  for (let i = 0; i < 100; i++) await db.run('INSERT INTO t SELECT (random() * 9e18)::BIGINT FROM range(10000)');
  await db.run('CHECKPOINT c1');
} catch (e) { failed = String(e).split('\\\\n')[0]; }
let detachError = '';
await db.detach('c1').catch((e) => { detachError = String(e); });
await db.release();
const other = await Duck.session({ memoryLimit: '256MB', threads: 1, tempDirectory: dir });
const dbs = (await other.all('SELECT database_name AS n FROM duckdb_databases()')).map((r) => r.n);
const columns = await other.all('SELECT count(*) AS n FROM duckdb_columns()').then(() => 'ok', (e) => String(e));
console.log(JSON.stringify({ failed, detachError, dbs, columns }));
`);
      const out = spawnSync('sh', ['-c', `ulimit -f 2048; exec "${process.execPath}" "${script}" "${dir}"`], { encoding: 'utf8', env: { ...process.env, STRATA_LOG_LEVEL: 'SILENT' } });
      expect(out.status, out.stderr).toBe(0);
      const r = JSON.parse(out.stdout.trim().split('\n').pop()!) as { failed: string; detachError: string; dbs: string[]; columns: string };
      expect(r.failed).not.toBe(''); // the write did fail: otherwise this test shows nothing
      expect(r).toMatchObject({ detachError: '', columns: 'ok' });
      expect(r.dbs).not.toContain('c1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('withDuck: an idle instance for the next unit of work', () => {
  /** What a unit of work may do to its database; the dirty ones change the instance itself, not only its own database. */
  const ACTIONS = {
    nothing: { sql: [], clean: true },
    table: { sql: ['CREATE TABLE t AS SELECT 1 AS x', 'CREATE SCHEMA s; CREATE VIEW s.v AS SELECT 2 AS y'], clean: true },
    temp: { sql: ['CREATE TEMP TABLE tt AS SELECT 1 AS x'], clean: true },
    // A setting of the unit's session (as LocalCatalog.attachTo sets file_search_path) goes with its connection.
    session: { sql: ["SET SESSION file_search_path = '/tmp'"], clean: true },
    setGlobal: { sql: ['SET preserve_insertion_order = false'], clean: false },
    threads: { sql: ['SET threads = 1'], clean: false },
    attach: { sql: [`ATTACH ':memory:' AS extra; CREATE TABLE extra.t AS SELECT 1 AS x`], clean: false },
    instanceDb: { sql: ['CREATE TABLE memory.main.left AS SELECT 1 AS x'], clean: false },
    instanceSchema: { sql: ['CREATE SCHEMA memory.s'], clean: false },
    instanceSequence: { sql: ['USE memory; CREATE SEQUENCE sq'], clean: false },
    instanceType: { sql: ['CREATE TYPE memory.main.ty AS INTEGER'], clean: false },
    lockdown: { sql: [], clean: false },
    fails: { sql: ['CREATE TABLE t AS SELECT 1 AS x', 'SELECT * FROM no_such_table'], clean: false },
    // Units of only these statements are not looked at (leavesInstance); the rest of this list is.
    query: { sql: ['SELECT 42 AS x', 'WITH a AS (SELECT 1 AS x) SELECT * FROM a', 'FROM range(3)', 'DESCRIBE SELECT 1 AS x'], clean: true },
    copy: { sql: [`COPY (SELECT 1 AS x) TO '${join(tmpdir(), `strata-lease-copy-${process.pid}.parquet`)}' (FORMAT parquet)`], clean: true },
    tempView: { sql: ['CREATE OR REPLACE TEMP VIEW tv AS SELECT 1 AS x', 'CREATE TEMPORARY TABLE tt2 AS SELECT * FROM tv'], clean: true },
    // ... and these, which begin as they do, are.
    queryThenSet: { sql: ['SELECT 1 AS x; SET threads = 1'], clean: false },
    commentedSet: { sql: ['/* a query */ SET threads = 1'], clean: false },
    tempThenAttach: { sql: [`CREATE TEMP TABLE t3 AS SELECT 1 AS x; ATTACH ':memory:' AS extra2`], clean: false },
    copyThenSet: { sql: [`COPY (SELECT 1 AS x) TO '${join(tmpdir(), `strata-lease-copy-${process.pid}.csv`)}'; SET GLOBAL preserve_insertion_order = false`], clean: false },
    // Queries that call a function changing the instance (an attack, stop 56: logging stayed on for the next unit).
    logging: { sql: ['SELECT * FROM enable_logging()'], clean: false },
    parser: { sql: ['FROM enable_peg_parser()'], clean: false },
  } as const;
  type Action = keyof typeof ACTIONS;
  // Options of their own: no other test's units share these instances.
  const OPTS = { memoryLimit: '123MB', threads: 2 };
  afterAll(() => Promise.all(['parquet', 'csv'].map((x) => rm(join(tmpdir(), `strata-lease-copy-${process.pid}.${x}`), { force: true }))));

  it('sees nothing a unit before it left; gets that unit\'s instance only when it succeeded and left the instance as it was created', async () => {
    const fc = await import('fast-check');
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(...(Object.keys(ACTIONS) as Action[])), { minLength: 1, maxLength: 8 }), async (actions) => {
      let previous: { folder: string; clean: boolean } | undefined;
      for (const action of actions) {
        let folder = '';
        const ran = withDuck(async (db) => {
          // What a fresh database shows: no tables or views, no temp tables, default settings, no other database.
          const seen = await db.one<{ tables: number; dbs: string; order: string; threads: string }>(`SELECT
            (SELECT count(*) FROM duckdb_tables() WHERE NOT internal) + (SELECT count(*) FROM duckdb_views() WHERE NOT internal)
              + (SELECT count(*) FROM duckdb_schemas() WHERE NOT internal AND database_name <> 'temp')
              + (SELECT count(*) FROM duckdb_sequences()) + (SELECT count(*) FROM duckdb_types() WHERE NOT internal) AS tables,
            (SELECT string_agg(database_name, ',' ORDER BY database_name) FROM duckdb_databases() WHERE database_name <> current_database()) AS dbs,
            current_setting('preserve_insertion_order')::VARCHAR AS "order", current_setting('threads')::VARCHAR AS threads,
            current_setting('enable_external_file_cache')::VARCHAR AS "fileCache", current_setting('file_search_path')::VARCHAR AS "searchPath"`);
          // No file cache: a file read by a unit before is read again, as a fresh instance reads it.
          expect(seen).toEqual({ tables: 0, dbs: 'memory,system,temp', order: 'true', threads: '2', fileCache: 'false', searchPath: '' });
          folder = String((await db.one<{ f: string }>(`SELECT current_setting('temp_directory') AS f`)).f);
          for (const sql of ACTIONS[action].sql) await db.run(sql);
          if (action === 'lockdown') await db.lockdown({ readable: [], timeoutMs: 10_000 }); // this unit's alone: closed after
        }, OPTS);
        if (action === 'fails') await expect(ran).rejects.toThrow(/no_such_table/);
        else await ran;
        if (previous) expect({ action, reused: folder === previous.folder }).toEqual({ action, reused: previous.clean });
        previous = { folder, clean: ACTIONS[action].clean };
      }
    }), { numRuns: 25 });
  });

  it('every table function of this DuckDB is either one that only reads or one leavesInstance sends to the look (STATEFUL_FUNCTIONS)', async () => {
    const READS = new Set(['arrow_scan', 'arrow_scan_dumb', 'duckdb_approx_database_count', 'duckdb_columns', 'duckdb_connection_count', 'duckdb_constraints',
      'duckdb_coordinate_systems', 'duckdb_databases', 'duckdb_dependencies', 'duckdb_extensions', 'duckdb_external_file_cache', 'duckdb_functions',
      'duckdb_indexes', 'duckdb_keywords', 'duckdb_log_contexts', 'duckdb_logs', 'duckdb_memory', 'duckdb_optimizers', 'duckdb_prepared_statements',
      'duckdb_schemas', 'duckdb_secret_types', 'duckdb_secrets', 'duckdb_sequences', 'duckdb_settings', 'duckdb_table_sample', 'duckdb_tables',
      'duckdb_temporary_files', 'duckdb_types', 'duckdb_variables', 'duckdb_views', 'generate_series', 'glob', 'icu_calendar_names', 'json_each',
      'json_tree', 'parquet_bloom_probe', 'parquet_file_metadata', 'parquet_full_metadata', 'parquet_kv_metadata', 'parquet_metadata', 'parquet_scan',
      'parquet_schema', 'pg_timezone_names', 'pragma_collations', 'pragma_database_size', 'pragma_metadata_info', 'pragma_platform', 'pragma_show',
      'pragma_storage_info', 'pragma_table_info', 'pragma_user_agent', 'pragma_version', 'range', 'read_blob', 'read_csv', 'read_csv_auto', 'read_json',
      'read_json_auto', 'read_json_objects', 'read_json_objects_auto', 'read_ndjson', 'read_ndjson_auto', 'read_ndjson_objects', 'read_parquet',
      'read_text', 'repeat', 'repeat_row', 'seq_scan', 'sniff_csv', 'summary', 'test_all_types', 'test_vector_types', 'unnest', 'which_secret']);
    const names = await withDuck(async (db) => (await db.all<{ n: string }>("SELECT DISTINCT function_name AS n FROM duckdb_functions() WHERE function_type = 'table' ORDER BY 1")).map((r) => r.n));
    const unplaced = names.filter((n) => !READS.has(n) && leavesInstance(`SELECT * FROM ${n}()`));
    expect(unplaced).toEqual([]);
    // And the reading ones are not sent to the look for nothing.
    expect(names.filter((n) => READS.has(n) && !leavesInstance(`SELECT * FROM ${n}()`))).toEqual([]);
  });

  it('is closed after a second of idleness: a unit after that gets a new instance', async () => {
    const folder = () => withDuck(async (db) => String((await db.one<{ f: string }>(`SELECT current_setting('temp_directory') AS f`)).f), OPTS);
    const first = await folder();
    expect(await folder()).toBe(first); // back to back: the same instance
    await new Promise((r) => setTimeout(r, 1_300));
    expect(await folder()).not.toBe(first);
  });
});

// User-written SQL reaches nothing beyond its data. An injection corpus of DQDL rules — statement splicing with ")"
// and ";", comments, COPY, ATTACH, INSTALL/LOAD, SET/PRAGMA, every read_* and glob, settings and environment, URLs
// and files as tables, query/query_table, the engine's catalog, a recursive CTE that never ends — each of them:
//   * refused by strata check at the rule's line and column;
//   * harmless when it reaches run time anyway (strata check bypassed): the rule is an ERROR, nothing runs, no file
//     is written, no byte of a file reaches the run record or the metrics, the run ends;
//   * harmless even with the parser's vetting bypassed too: the locked engine opens no file but the batch's, writes
//     none, keeps its configuration, stops a statement past its time budget and bounds its memory.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkProjectAsync } from '../core/project.ts';
import { compileRules } from '../core/dqdl/compile.ts';
import { interpretResults } from '../core/dqdl/interpret.ts';
import { parseRules } from '../core/dqdl/parse.ts';
import type { QueryOutput, RuleContext, RuleResult, SqlVerdicts } from '../core/dqdl/types.ts';
import { withBinder } from '../core/sql/binder.ts';
import { userSqlMessage } from '../core/sql/engine-message.ts';
import { vetCondition, vetQuery } from '../core/sql/sandbox.ts';
import { Duck, FUNCTION_START_MB } from '../runtime/engine/duckdb.ts';
import { refreshGold } from '../runtime/gold/refresh.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const SECRET = `strata-secret-${randomUUID()}`;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-sandbox-'));
  await writeFile(join(dir, 'secret.csv'), `token\n${SECRET}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Payload {
  rule: string;
  /** Where strata check must point: the first occurrence of this text in the rule (the last one with `last`). */
  at: string;
  last?: boolean;
}

/** The corpus. `d` is a folder whose secret.csv holds SECRET, and where the payloads try to write. */
function corpus(d: string): Payload[] {
  const secret = `${d}/secret.csv`;
  const reads = ['read_csv', 'read_csv_auto', 'read_json', 'read_json_auto', 'read_ndjson', 'read_parquet', 'read_text', 'read_blob', 'parquet_scan', 'sniff_csv']
    .map((fn): Payload => ({ rule: `CustomSql "select count(*) from primary, ${fn}('${secret}')" > 0`, at: `${fn}(` }));
  return [
    // Statement splicing: the issue's payload, and the same with ";" alone and inside a where clause.
    { rule: `CustomSql "select count(*) from primary) AS x; COPY (select 42) TO '${d}/out1.csv'; SELECT * FROM (select count(*) from primary" > 0`, at: ') AS x' },
    { rule: `CustomSql "select count(*) from primary; COPY (select 42) TO '${d}/out2.csv'" > 0`, at: 'select count(*) from primary;' },
    { rule: `RowCount > 0 where "true) AS m0 FROM __batch; COPY (SELECT 42) TO '${d}/out3.csv'; SELECT count(*) FILTER (WHERE (true"`, at: ') AS m0' },
    { rule: `IsComplete "status" where "status = 'NEW') OR (true"`, at: ') OR (' },
    // Comments that would eat what the compiler writes after the fragment.
    { rule: 'Mean "amount" > 0 where "amount > 0 --"', at: '--' },
    { rule: 'RowCount > 0 where "amount > 0 /* "', at: '/*' },
    { rule: 'CustomSql "select count(*) from primary /* " > 0', at: '/*' },
    // Statements that are not a SELECT.
    { rule: `CustomSql "COPY (select 42) TO '${d}/out4.csv'" > 0`, at: 'COPY' },
    { rule: `CustomSql "ATTACH '${d}/evil.db' AS evil" > 0`, at: 'ATTACH' },
    { rule: 'CustomSql "INSTALL httpfs" > 0', at: 'INSTALL' },
    { rule: 'CustomSql "LOAD httpfs" > 0', at: 'LOAD' },
    { rule: 'CustomSql "SET enable_external_access = true" > 0', at: 'SET' },
    { rule: 'CustomSql "PRAGMA version" > 0', at: 'PRAGMA' },
    // Every reader of files, and glob; as a scalar subquery in a where clause; a failing cast of a file's content.
    ...reads,
    { rule: `CustomSql "select count(*) from glob('${d}/*')" > 0`, at: 'glob(' },
    { rule: `RowCount > 0 where "amount > (select count(*) from read_text('${secret}'))"`, at: 'read_text(' },
    { rule: `CustomSql "select cast(content as int) from read_text('${secret}')" > 0`, at: 'read_text(' },
    // Files and URLs as tables (DuckDB's replacement scans).
    { rule: `CustomSql "select count(*) from '${secret}'" > 0`, at: `'${secret}'` },
    { rule: `CustomSql "select count(*) from 's3://strata-lake/_strata/runs/x.json'" > 0`, at: "'s3://" },
    { rule: `CustomSql "select count(*) from 'https://example.com/x.csv'" > 0`, at: "'https://" },
    // Settings, environment, the engine's catalog, other relations.
    { rule: `CustomSql "select length(current_setting('temp_directory')) from primary" > 0`, at: 'current_setting(' },
    { rule: `CustomSql "select length(getenv('AWS_SECRET_ACCESS_KEY')) from primary" > 0`, at: 'getenv(' },
    { rule: 'CustomSql "select count(*) from duckdb_settings()" > 0', at: 'duckdb_settings(' },
    { rule: 'CustomSql "select count(*) from information_schema.tables" > 0', at: 'information_schema' },
    { rule: 'CustomSql "select count(*) from query_table(\'__batch\')" > 0', at: 'query_table(' },
    { rule: "CustomSql \"select count(*) from query('select 42')\" > 0", at: 'query(' },
    { rule: 'CustomSql "select count(*) from __batch" > 0', at: '__batch' },
    // A CTE name used outside its scope binds to whatever relation of that name the engine has.
    { rule: 'CustomSql "select count(*) from (with duckdb_tables as (select 1) select 1), duckdb_tables" > 0', at: 'duckdb_tables', last: true },
    // Work without end: bounded by time and memory if it ever ran; refused before.
    { rule: 'CustomSql "with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) from r" > 0', at: 'with recursive' },
  ];
}

const gate = (warn: string[]) => `quality:\n  silver:\n    halt:\n      - RowCount > 0\n    warn:\n${warn.map((r) => `      - ${r}\n`).join('')}`;

describe('the injection corpus', () => {
  it('has at least 20 payloads, each a rule DQDL parses (what strata check sees is the SQL)', () => {
    const payloads = corpus('/tmp/x');
    expect(payloads.length).toBeGreaterThanOrEqual(20);
    expect(parseRules(payloads.map((p) => p.rule)).errors).toEqual([]);
  });

  it('strata check refuses every payload at the rule\'s line and the column of the offending SQL', async () => {
    const payloads = corpus(dir);
    const text = ordersSchema({ extra: gate(payloads.map((p) => p.rule)) });
    const project = await checkProjectAsync([{ file: 'schemas/orders.yaml', text }]);
    const lines = text.split('\n');
    // Expected positions from the file as written: the entry's line, and the marker's column in it.
    const expected = payloads.map((p) => {
      const line = lines.findIndex((l) => l === `      - ${p.rule}`) + 1;
      const column = (p.last ? lines[line - 1]!.lastIndexOf(p.at) : lines[line - 1]!.indexOf(p.at)) + 1;
      return `${line}:${column}`;
    });
    const errors = project.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.line}:${d.column}`)).toEqual(expected);
    for (const [i, d] of errors.entries()) expect(d.message).toContain(`quality rule "${payloads[i]!.rule}": `);
  });
});

describe('a payload that reaches run time (strata check bypassed)', () => {
  let lake: TestLake | undefined;
  afterAll(() => lake?.cleanup());

  it('is an ERROR that runs nothing: no file written, no file content in the record or the metrics, the run ends', async () => {
    const customers = `dataset: customers
source: { format: csv }
columns:
  - { name: customer_id, type: bigint, required: true }
  - { name: name, type: string }
`;
    lake = await makeLake({ orders: ordersSchema({ extra: gate(['Completeness "status" > 0']) }), customers });
    // A reference dataset whose values are not the batch's: a failing cast of one of them must not be quoted.
    expect((await lake.ingest('customers', await lake.file('c.csv', `customer_id,name\n1,${SECRET}\n`))).record.status).toBe('SUCCEEDED');
    const payloads = corpus(dir);
    const leak = 'CustomSql "select cast(max(name) as int) from customers" > 0';
    // What strata check would have refused goes straight into the compiled plan's gate.
    lake.ctx.plans.get('orders').quality.silver.warn = [...payloads.map((p) => p.rule), 'ReferentialIntegrity "order_id" "customers.customer_id" >= 0', leak];
    // A short time budget, so that if the recursive CTE ever ran, the run would still end (and this test fail).
    lake.ctx.duck = { ...lake.ctx.duck, statementTimeoutMs: 3000 };
    const started = Date.now();
    const r = await lake.ingest('orders', await lake.file('o.csv', `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`));
    expect(Date.now() - started).toBeLessThan(60_000);

    expect(r.record.status).toBe('SUCCEEDED'); // warn rules: recorded, never blocking
    const results = (r.record.quality as { results: Array<{ rule: string; outcome: string; message: string }> }).results;
    const byRule = new Map(results.map((x) => [x.rule, x]));
    for (const p of payloads) {
      expect(byRule.get(p.rule), p.rule).toMatchObject({ outcome: 'ERROR', message: expect.stringMatching(/^the rule's SQL is refused: /) });
    }
    // The cast of a reference value fails; its message says what failed, not the value.
    expect(byRule.get(leak)).toMatchObject({ outcome: 'ERROR', message: expect.stringContaining("Could not convert string '…' to INT32") });

    expect(readdirSync(dir).sort()).toEqual(['secret.csv']);
    const metrics = join(lake.dir, '_strata/metrics/silver/orders');
    const written = readdirSync(metrics).map((f) => readFileSync(join(metrics, f), 'utf8')).join('\n');
    expect(written).toContain('the rule'); // the evaluation was recorded…
    expect(written).not.toContain(SECRET); // …without the secret
    expect(JSON.stringify(r.record)).not.toContain(SECRET);
    expect(JSON.stringify(r.execution)).not.toContain(SECRET);
  });
});

describe('a payload that reaches the engine (the parser\'s vetting bypassed too)', () => {
  /** Verdicts that let every rule's SQL through: what a bug in the vetting would do. */
  const allowAll: SqlVerdicts = { of: () => ({ ok: true, references: [] }) };

  it('meets a locked engine: no file opened but the batch\'s, none written, configuration kept, time and memory bounded', async () => {
    const db = await Duck.open({ memoryLimit: '256MB', threads: 1 });
    try {
      const batch = join(dir, 'batch.parquet');
      await db.run(`COPY (SELECT 1::BIGINT AS order_id, 'NEW' AS status, 10.0 AS amount) TO '${batch}' (FORMAT parquet)`);
      await db.run(`CREATE VIEW __batch AS SELECT * FROM read_parquet('${batch}')`);
      await db.lockdown({ readable: [batch], timeoutMs: 2000 });
      const payloads = corpus(dir);
      const runaway = 'CustomSql "with recursive r(s) as (select \'x\' union all select s || s from r) select count(*) from r" > 0';
      const rules = parseRules([...payloads.map((p) => p.rule), runaway]).rules;
      const ctx: RuleContext = { dialect: 'duckdb', batch: '__batch', columns: await db.columns('__batch'), now: '2025-06-15T00:00:00Z', sql: allowAll };
      const results: RuleResult[] = [];
      const started = Date.now();
      for (const rule of rules) { // one by one: a statement that fails to parse as a whole must not hide the others
        const compiled = compileRules([rule], ctx);
        const outputs: QueryOutput[] = [];
        for (const q of compiled.queries) outputs.push(await db.all(q.sql).catch((e: unknown) => ({ error: userSqlMessage(e, q.sql) })));
        results.push(...interpretResults(compiled, outputs).results);
      }
      expect(Date.now() - started).toBeLessThan(60_000);
      const outcome = (rule: string) => results.find((x) => x.rule === rule);

      // No file but the batch's was opened, none was written, nothing of the secret came back.
      expect(readdirSync(dir).sort()).toEqual(['batch.parquet', 'secret.csv']);
      expect(JSON.stringify(results)).not.toContain(SECRET);
      for (const p of payloads.filter((x) => /read_|parquet_scan|sniff_csv|glob|secret\.csv|COPY|ATTACH|INSTALL|LOAD/.test(x.rule))) {
        expect(outcome(p.rule)?.outcome, p.rule).toBe('ERROR');
      }
      // Text after a ";" never runs: the locked database prepares exactly one statement, and it must be a SELECT.
      expect(outcome(payloads[0]!.rule)?.message).toContain('Cannot prepare multiple statements at once');
      expect(outcome(payloads.find((p) => p.rule.includes('read_text'))!.rule)?.message).toMatch(/Cannot access file .*secret\.csv.* disabled by configuration/);
      // The configuration is as it was locked.
      expect(await db.all(`SELECT current_setting('enable_external_access') AS e, current_setting('lock_configuration') AS l`)).toEqual([{ e: false, l: true }]);
      // A recursive CTE that never ends is stopped at its time budget; one that grows hits the memory limit.
      // Which bound trips first depends on the machine's speed: both are bounds, either is the right outcome.
      expect(outcome(payloads.at(-1)!.rule)).toMatchObject({ outcome: 'ERROR', message: expect.stringMatching(/longer than its time budget \(2 s\)|Out of Memory|could not allocate block/) });
      expect(outcome(runaway)).toMatchObject({ outcome: 'ERROR', message: expect.stringMatching(/Out of Memory|could not allocate block|time budget/) });
      // And the connection still answers after an interrupt.
      expect(await db.all('SELECT count(*) AS n FROM __batch')).toEqual([{ n: 1 }]);
    } finally {
      db.close();
    }
  });
});

describe('memory a statement builds outside DuckDB\'s memory limit (strings from lpad, repeat, ||: first attack, stop 36)', () => {
  it('a locked statement that grows the process past its function\'s memory is stopped with the limit named; one within it runs', async () => {
    const db = await Duck.open({ memoryLimit: '128MB', threads: 1 });
    try {
      await db.lockdown({ readable: [], timeoutMs: 60_000, memoryMb: FUNCTION_START_MB + 200 });
      // Ten strings of 60 MB built at once: 600 MB beyond a 128 MB memory limit, which does not count them.
      await expect(db.all(`SELECT max(length(repeat(CAST(i AS VARCHAR), 60000000))) AS n FROM range(10) t(i)`)).rejects.toMatchObject({
        name: 'Strata.InvalidInput',
        message: expect.stringMatching(/^the statement grew the process by [\d,]+ MB, more than the 200 MB its function has beyond its own start, and was stopped: in AWS Lambda it would end the function \(Runtime\.OutOfMemory\)/),
      });
      // Within the budget: 10 strings of 5 MB.
      expect(await db.all(`SELECT max(length(repeat(CAST(i AS VARCHAR), 5000000))) AS n FROM range(10) t(i)`)).toEqual([{ n: 5_000_000 }]);
    } finally {
      db.close();
    }
  });

  it('a growth between two looks is still seen: with no look during the statement, its peak fails it when it ends (stop 52: a CI run missed one)', async () => {
    // The watch looks every 20 ms; a statement whose strings live between two looks escaped it. With the looks
    // stopped (setInterval never fires), only the look at the end can see it: the kernel's peak (VmHWM) keeps it.
    const db = await Duck.open({ memoryLimit: '128MB', threads: 1 });
    vi.useFakeTimers({ toFake: ['setInterval'] });
    try {
      await db.lockdown({ readable: [], timeoutMs: 60_000, memoryMb: FUNCTION_START_MB + 200 });
      // One string of 400 MB, built and dropped within the statement: its result is one number.
      await expect(db.all(`SELECT length(repeat('x', 400000000)) AS n`)).rejects.toMatchObject({
        name: 'Strata.InvalidInput',
        message: expect.stringMatching(/^the statement grew the process by [\d,]+ MB, more than the 200 MB its function has beyond its own start/),
      });
      // The next statement is looked at from its own start: a small one runs.
      expect(await db.all(`SELECT length(repeat('x', 1000)) AS n`)).toEqual([{ n: 1000 }]);
    } finally {
      vi.useRealTimers();
      db.close();
    }
  });

  it('a gold refresh whose SQL builds such strings fails its run with the memory limit and the setting that raises it, and publishes nothing', async () => {
    const lake = await makeLake({ orders: `${ordersSchema({ maxRatio: 1 })}lambda: { memory: 256 }
gold:
  - table: wide
    sql: |
      SELECT CAST(created_at AS DATE) AS day, max(length(replace(lpad(status, 10000, 'y'), 'y', '${'z'.repeat(16)}'))) AS n FROM silver.orders GROUP BY 1
    partitionBy: [day]
    refresh: full
` });
    try {
      // 2,100 rows of one day, each building a 160 KB string (the 'y's of its 10,000 characters replaced by 16 'z's,
      // the most lpad and replace may build: stop 50): 330 MB for a vector of 2,048 rows, beyond the 128 MB a 256 MB
      // function has; its DuckDB limit (115 MB) counts none of it. (With 384 MB, 256 MB beyond its start, the statement
      // outgrew the limit by 74 MB only, and in a worker whose earlier test files left freed memory in the process it
      // grew the process by less: the run SUCCEEDED, twice in a full suite, stop 54.)
      const rows = Array.from({ length: 2100 }, (_, i) => `${i + 1},Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z`).join('\n');
      const r = (await lake.ingest('orders', await lake.file('o.csv', `${ORDERS_HEADER}\n${rows}\n`))).record;
      expect(r.status).toBe('FAILED');
      expect(r.error?.message).toMatch(/gold table wide: its SQL failed: the statement grew the process by [\d,]+ MB, more than the 128 MB its function has beyond its own start/);
      expect(r.error?.message).toMatch(/a step ran out of memory .*raise lambda\.memory in \S*schemas\/orders\.yaml \(now 256/);
      expect((await lake.storage.list('gold/wide/')).filter((o) => !o.key.startsWith('gold/wide/_strata/'))).toEqual([]);
    } finally {
      await lake.cleanup();
    }
  });
});

describe('the locked engine', () => {
  it('reads the views created before the lock, writes only into its folders, and refuses every change of configuration', async () => {
    // Through the raw connection: DuckDB's own lock, without the one-SELECT-at-a-time rule of Duck.run and Duck.all.
    const db = await Duck.open({ memoryLimit: '256MB', threads: 2 });
    try {
      const file = join(dir, 'view.parquet');
      await db.run(`COPY (SELECT 42 AS answer) TO '${file}' (FORMAT parquet)`);
      await db.run(`CREATE VIEW v AS SELECT * FROM read_parquet('${file}')`);
      const out = await mkdtemp(join(dir, 'out-'));
      await db.lockdown({ readable: [file], writable: [out], timeoutMs: 60_000 });
      // DuckDB 1.5 opens a view's file when the view is queried: allowed_paths is what keeps it readable.
      expect(await db.all('SELECT answer FROM v')).toEqual([{ answer: 42 }]);
      await expect(db.all(`SELECT * FROM read_csv('${dir}/secret.csv')`)).rejects.toThrow(/disabled by configuration/);
      await db.conn.run(`COPY (SELECT 1 AS x) TO '${out}/ok.parquet' (FORMAT parquet)`);
      expect(existsSync(join(out, 'ok.parquet'))).toBe(true);
      await expect(db.conn.run(`COPY (SELECT 1 AS x) TO '${dir}/not-ok.csv'`)).rejects.toThrow(/disabled by configuration/);
      expect(existsSync(join(dir, 'not-ok.csv'))).toBe(false);
      for (const change of ["SET memory_limit = '10GB'", 'SET threads = 64', "SET allowed_directories = ['/']", 'SET enable_external_access = true', 'RESET lock_configuration']) {
        await expect(db.conn.run(change), change).rejects.toThrow(/locked|Cannot change|Cannot enable/);
        await expect(db.run(change), change).rejects.toThrow(/runs SELECT statements only; this is a (SET|VARIABLE_SET) statement/);
      }
      await expect(db.conn.run(`ATTACH '${dir}/x.db' AS x`)).rejects.toThrow(/disabled by configuration/);
      await expect(db.run('SELECT 1; SELECT 2')).rejects.toThrow(/Cannot prepare multiple statements/);
      expect(await db.own(`COPY (SELECT 2 AS x) TO '${out}/own.parquet' (FORMAT parquet)`, 'COPY')).toEqual([{ Count: 1 }]);
      expect(await db.all(`SELECT current_setting('threads') AS t, current_setting('memory_limit') AS m`)).toEqual([{ t: 2, m: '244.1 MiB' }]);
    } finally {
      db.close();
    }
  });
});

describe('the shared instance locked to a folder (gold refreshes)', () => {
  it('serves sessions that read and write only under its folder, one SELECT at a time, and cannot be unlocked', async () => {
    const root = await mkdtemp(join(dir, 'lake-'));
    const file = join(root, 'silver.parquet');
    await (await Duck.open()).use((db) => db.run(`COPY (SELECT 7 AS n) TO '${file}' (FORMAT parquet)`));
    const session = async () => {
      const db = await Duck.lockedSession(root, { memoryLimit: '128MB', threads: 1 });
      await db.run(`CREATE VIEW v AS SELECT * FROM read_parquet('${file}')`);
      await db.lockdown({ readable: [file], writable: [root], timeoutMs: 60_000 });
      return db;
    };
    const db = await session();
    try {
      expect(await db.all('SELECT n FROM v')).toEqual([{ n: 7 }]);
      await expect(db.all(`SELECT * FROM read_csv('${dir}/secret.csv')`)).rejects.toThrow(/disabled by configuration/);
      await expect(db.conn.run(`COPY (SELECT 1 AS x) TO '${dir}/outside.csv'`)).rejects.toThrow(/disabled by configuration/);
      await expect(db.conn.run('SET enable_external_access = true')).rejects.toThrow(/Cannot enable|locked/);
      await expect(db.run('SELECT 1; SELECT 2')).rejects.toThrow(/Cannot prepare multiple statements/);
      expect(await db.own(`COPY (SELECT 1 AS x) TO '${root}/inside.parquet' (FORMAT parquet)`, 'COPY')).toEqual([{ Count: 1 }]);
      // A second session shares the instance, and sees nothing of the first one's database.
      const other = await session();
      try {
        expect(await other.all(`SELECT current_setting('enable_external_access') AS e, current_setting('TimeZone') AS tz`)).toEqual([{ e: false, tz: 'UTC' }]);
      } finally {
        await other.release();
      }
      await expect(db.lockdown({ readable: [`${dir}/secret.csv`], timeoutMs: 1 })).rejects.toThrow(/outside/);
    } finally {
      await db.release();
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('outside'))).toEqual([]);
  });
});

describe('the silver gate\'s session', () => {
  let lake: TestLake | undefined;
  afterAll(() => lake?.cleanup());

  it('is on the shared instance locked to the lake folder, which the next gate reuses: the batch is read, nothing outside the lake is, one SELECT at a time, configuration locked', async () => {
    lake = await makeLake({ orders: ordersSchema({ extra: gate(['Completeness "status" > 0']) }) });
    const sessions: Array<{ root: string; db: Duck; batch?: unknown; probes: Record<string, string> }> = [];
    const lockedSession = Duck.lockedSession.bind(Duck);
    // What SQL past the vetting would meet in the gate's session, probed right after the step locks it.
    const spy = vi.spyOn(Duck, 'lockedSession').mockImplementation(async (root, opts) => {
      const db = await lockedSession(root, opts);
      const seen: (typeof sessions)[number] = { root, db, probes: {} };
      sessions.push(seen);
      const lockdown = db.lockdown.bind(db);
      db.lockdown = async (l) => {
        await lockdown(l);
        seen.batch = await db.all('SELECT count(*) AS n FROM __batch');
        const input = join(lake!.root, 'in', 'o1.csv'); // the ingested file, outside the lake folder
        for (const [name, run] of Object.entries({
          secret: () => db.all(`SELECT * FROM read_csv('${dir}/secret.csv')`),
          input: () => db.all(`SELECT * FROM read_csv('${input}')`),
          // Inside the lake folder DuckDB's lock would let a COPY write: the one-SELECT rule is what stops it.
          copy: () => db.all(`COPY (SELECT 1 AS x) TO '${lake!.storage.localRoot}/gate.csv'`),
          rawCopy: () => db.conn.run(`COPY (SELECT 1 AS x) TO '${dir}/gate.csv'`),
          set: () => db.conn.run('SET enable_external_access = true'),
          two: () => db.all('SELECT 1; SELECT 2'),
        })) seen.probes[name] = await run().then(() => 'ran', (e: Error) => e.message);
      };
      return db;
    });
    try {
      for (const i of [1, 2]) {
        const r = await lake.ingest('orders', await lake.file(`o${i}.csv`, `${ORDERS_HEADER}\n${i},Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`));
        expect(r.record.status).toBe('SUCCEEDED');
      }
    } finally {
      spy.mockRestore();
    }
    expect(sessions.map((s) => s.root)).toEqual([lake.storage.localRoot, lake.storage.localRoot]);
    expect(lake.storage.localRoot).toBe(join(lake.root, 'lake'));
    // One instance for both gates: its memory is warm for the second (a database of its own per gate cost the most).
    expect((sessions[1]!.db as unknown as { instance: unknown }).instance).toBe((sessions[0]!.db as unknown as { instance: unknown }).instance);
    for (const s of sessions) {
      expect(s.batch).toEqual([{ n: 1 }]);
      expect(s.probes.secret).toMatch(/Cannot access file .*secret\.csv.* disabled by configuration/);
      expect(s.probes.input).toMatch(/Cannot access file .*o1\.csv.* disabled by configuration/);
      expect(s.probes.copy).toMatch(/runs SELECT statements only; this is a COPY statement/);
      expect(s.probes.rawCopy).toMatch(/disabled by configuration/);
      expect(s.probes.set).toMatch(/Cannot enable|locked/);
      expect(s.probes.two).toMatch(/Cannot prepare multiple statements/);
    }
    expect([existsSync(join(dir, 'gate.csv')), existsSync(join(lake.storage.localRoot, 'gate.csv'))]).toEqual([false, false]);
  });
});

describe('what the vetting lets through', () => {
  it('SELECTs over primary and declared references with CTEs, joins, subqueries, windows, set operations and the listed functions', async () => {
    const relations = ({ catalog, schema, table }: { catalog: string; schema: string; table: string }) =>
      (!catalog && !schema && ['primary', 'customers'].includes(table.toLowerCase()) ? undefined : { message: `no ${table}`, fix: '' });
    const statements = [
      'select count(*) from "primary"',
      'select count(*) from "primary" -- the batch',
      'with big as (select * from "primary" where amount > 10), bigger as (select * from big where amount > 100) select count(*) from bigger',
      'select count(*) from "primary" p join customers c on p.customer_id = c.id where c.region in (\'eu\', \'us\')',
      'select sum(case when status = \'NEW\' then 1 else 0 end) from "primary" where id in (select id from customers)',
      'select max(n) from (select row_number() over (partition by status order by amount) as n from "primary") t',
      'select count(*) from (select id from "primary" union all select id from customers)',
      'select count(*) from "primary" where coalesce(lower(trim(status)), \'\') ~~ \'n%\' and amount between 0 and 10 and created_at >= date \'2025-01-01\'',
      'select avg(cast(amount as double)) / nullif(count(*), 0) from "primary" /* ratio */',
    ];
    const conditions = ["status <> 'CANCELLED'", 'amount > 0 AND (status IS NULL OR length(status) = 3)', "lower(s) LIKE 'a%' /* prefix */", 'id NOT IN (1, 2, 3)'];
    await withBinder(async (db) => {
      for (const sql of statements) expect((await vetQuery(db, sql, relations)).findings, sql).toEqual([]);
      for (const sql of conditions) expect((await vetCondition(db, sql)).findings, sql).toEqual([]);
    });
  });
});

describe('gold SQL', () => {
  let lake: TestLake | undefined;
  afterAll(() => lake?.cleanup());

  it('is refused by strata check and gets no plan; a plan whose SQL was changed after the check is refused before it runs', async () => {
    const gold = (sql: string) => `gold:\n  - table: by_status\n    refresh: full\n    sql: |\n      ${sql.split('\n').join('\n      ')}\n`;
    const bad = `SELECT status, count(*) AS n\n  FROM silver.orders, read_text('${dir}/secret.csv')\nGROUP BY 1`;
    const text = ordersSchema({ extra: gold(bad) });
    const project = await checkProjectAsync([{ file: 'schemas/orders.yaml', text }]);
    const line = text.split('\n').findIndex((l) => l.includes('read_text')) + 1;
    expect(project.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual([
      `${line}:${text.split('\n')[line - 1]!.indexOf('read_text') + 1}: gold table by_status: read_text() is a table function: user SQL reads no files, URLs or engine state`,
    ]);

    lake = await makeLake({ orders: ordersSchema({ extra: gold('SELECT status, count(*) AS n FROM silver.orders GROUP BY 1') }) });
    const plan = lake.ctx.gold.get('by_status');
    const checked = plan.sql;
    const forged = `SELECT status, count(*) AS n FROM silver.orders, read_text('${dir}/secret.csv') GROUP BY 1`;
    // Refused before the table's first manifest is created: a refused SQL leaves no trace in the lake.
    plan.sql = forged;
    await expect(refreshGold(lake.ctx, { table: 'by_status', dataset: 'orders', runId: 'r-first', now: '2025-06-15T00:00:00Z', partitions: [] }))
      .rejects.toThrow(/gold table by_status: its SQL is refused/);
    expect(existsSync(join(lake.dir, 'gold/by_status'))).toBe(false);
    plan.sql = checked;
    expect((await lake.ingest('orders', await lake.file('o.csv', `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`))).record.status).toBe('SUCCEEDED');
    plan.sql = forged;
    await expect(refreshGold(lake.ctx, { table: 'by_status', dataset: 'orders', runId: 'r-forged', now: '2025-06-15T00:00:00Z', partitions: [] }))
      .rejects.toThrow(/gold table by_status: its SQL is refused: read_text\(\) is a table function/);
  });
});

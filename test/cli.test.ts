// The strata command as a user runs it. The calls that are about the process itself (its exit status; stdout and stderr
// kept apart, --json errors on stdout only; an ingest's summary and records) start cli/strata.js as a child process on
// the project's Node; the others run the same main in this process (test/helpers/cli.ts), which saves a process start
// and strata's imports per call. Real files, real lakes, exit codes either way.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strataMain, type Ran } from './helpers/cli.ts';
import { ORDERS_HEADER, ordersSchema } from './helpers/lake.ts';
import { armFaults } from '../runtime/util/fault.ts';

const exec = promisify(execFile);
const CLI = resolve('cli/strata.js');
let dir: string;
/** The lake every test reads: good.csv ingested (human output), then bad.csv (--json), in this order, before any test. */
let ingested: { good: Ran; bad: Ran };

/** strata in the project beforeAll built, in this process. */
async function strata(...args: string[]): Promise<Ran> {
  return strataMain(dir, ...args);
}

/** strata in a folder of its own (a project with its own schemas and lake), in this process. */
const strataIn = strataMain;

/** strata as its own process (cli/strata.js on the project's Node) in the project beforeAll built: exit status, stdout, stderr. */
async function strataProcess(...args: string[]): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd: dir, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-cli-'));
  await mkdir(join(dir, 'schemas'));
  await writeFile(join(dir, 'schemas', 'orders.yaml'), ordersSchema({ maxRatio: 0.5 }));
  await writeFile(join(dir, 'good.csv'), `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bob,SHIPPED,5.50,Jun 13 2025,2025-06-13T11:00:00Z\n3,Cy,NEW,-1,Jun 13 2025,2025-06-13T12:00:00Z\n`);
  await writeFile(join(dir, 'bad.csv'), `${ORDERS_HEADER}\nx,Ann,NEW,10.00,Jun 12 2025,\n`);
  ingested = { good: await strataProcess('ingest', 'orders', 'good.csv'), bad: await strataProcess('ingest', 'orders', 'bad.csv', '--json') };
});
afterAll(async () => {
  for (const d of [dir, ...copies]) await rm(d, { recursive: true, force: true });
});

const copies: string[] = [];
/** A copy of the project beforeAll built (schemas, files, lake), for a test that writes: the others' lake stays as built. */
async function ownCopy(): Promise<string> {
  const own = await mkdtemp(join(tmpdir(), 'strata-cli-copy-'));
  copies.push(own);
  await cp(dir, own, { recursive: true });
  return own;
}

describe('strata', () => {
  it('check: exit 0 on clean schemas, exit 1 with file:line: message (fix) on errors', async () => {
    const ok = await strata('check');
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/^ok: 1 dataset \(orders\)/);
    await writeFile(join(dir, 'schemas', 'broken.yaml'), 'dataset: broken\nsource: { format: csv }\ncolumns:\n  - { name: id, type: integr }\n');
    try {
      const bad = await strataProcess('check');
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain('schemas/broken.yaml:4:23: unknown type "integr": did you mean "int"?');
      const json = JSON.parse((await strata('check', '--json')).stdout);
      expect(json).toMatchObject({ ok: false, diagnostics: [expect.objectContaining({ file: 'schemas/broken.yaml', line: 4 })] });
    } finally {
      await rm(join(dir, 'schemas', 'broken.yaml'));
    }
  });

  it('ingest: a summary per file; --json prints only the run records; exit 1 when a file is rejected', async () => {
    const human = ingested.good;
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/✓ SUCCEEDED orders {2}bronze\/orders\/_objects\/[0-9a-f]{32}\/good\.csv/);
    expect(human.stdout).toContain('3 rows in · 2 valid · 1 quarantined · 2 partitions written');
    expect(human.stdout).toContain('1 × amount min: -1 is below min 0 (first at line 4)');
    // The query it suggests runs as printed: on the default lake as is; on another, with that --lake, shell-quoted.
    const see = /see: (npx strata query .*)$/m.exec(human.stdout)![1]!;
    expect(see).toMatch(/^npx strata query "select \* from quarantine\.orders where run_id = '[^']+'"$/);
    const own = await ownCopy();
    const other = await strataIn(own, 'ingest', 'orders', 'good.csv', '--lake', 'my lake');
    expect(/see: (.*)$/m.exec(other.stdout)?.[1]).toMatch(/^npx strata query --lake 'my lake' "select \* from quarantine\.orders where run_id = '[^']+'"$/);
    const bad = ingested.bad;
    expect(bad.code).toBe(1);
    const records = JSON.parse(bad.stdout);
    expect(records).toEqual([expect.objectContaining({ status: 'REJECTED', rowsIn: 1, rowsQuarantined: 1, error: expect.objectContaining({ name: 'Strata.RejectedFile' }) })]);
  });

  it('ingest: bad arguments get a one-line message, not a stack trace', async () => {
    const r = await strataProcess('ingest', 'orders', 'missing.csv');
    expect(r).toMatchObject({ code: 2, stderr: 'missing.csv: no such file\n' });
    const u = await strata('ingest', 'nosuch', 'good.csv');
    expect(u.code).toBe(1);
    expect(u.stderr).toBe('Strata.UnknownDataset: no schema defines dataset "nosuch" (known: orders)\n');
    expect(await strataProcess('frobnicate')).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/unknown command "frobnicate"/) });
  });

  it('a full disk or a dropped connection in a command\'s own work says the way back with the system\'s words (an attack, stop 57: "error: read ECONNRESET" alone)', async () => {
    for (const [fault, way] of [['enospc', /^the disk is full: free space on the file system of the lake/], ['econnreset', /^a connection failed \(ECONNRESET\): run the command again/]] as const) {
      armFaults(`bronze.copied:${fault}`);
      try {
        const r = await strata('ingest', 'orders', 'good.csv');
        const [first, second] = r.stderr.split('\n');
        expect({ code: r.code, first }).toEqual({ code: 1, first: expect.stringMatching(/^error: (ENOSPC|read ECONNRESET)/) });
        expect(second).toMatch(way);
        expect(second).toMatch(/strata doctor --repair brings the catalog and gold up to date$/);
      } finally {
        armFaults(undefined);
      }
    }
  });

  it('doctor, gc and runs refuse a folder that holds no lake, naming it: a mistyped --lake is not "no problems" (newcomer trial, stop 35)', async () => {
    for (const [command, what] of [['doctor', 'examine'], ['gc', 'collect'], ['runs', 'list']] as const) {
      const r = await strata(command, '--lake', '.strata/lkae');
      expect(r.code, command).toBe(1);
      expect(r.stderr).toBe(`Strata.InvalidInput: no lake at ${join(dir, '.strata/lkae')} yet, so nothing to ${what}: ingest something first (strata ingest <dataset> <file>, or strata demo), or name the lake with --lake <dir>\n`);
    }
    expect(existsSync(join(dir, '.strata/lkae'))).toBe(false);
    // Run from a folder inside the project, naming no lake: the project's lake above is named, and how to reach it
    // (newcomer's trial, stop 57: only "no lake at …/docs/.strata/lake").
    await mkdir(join(dir, 'docs', 'notes'), { recursive: true });
    const inside = await strataIn(join(dir, 'docs', 'notes'), 'runs');
    expect(inside).toMatchObject({ code: 1, stderr: `Strata.InvalidInput: no lake at ${join(dir, 'docs', 'notes', '.strata', 'lake')} yet, so nothing to list: there is one at ${join(dir, '.strata', 'lake')}: run the command from ${dir}, or name it with --lake ${join(dir, '.strata', 'lake')}\n` });
  });

  it('a schema file with errors keeps out its own dataset only: the others plan and run, and it is named', async () => {
    await writeFile(join(dir, 'schemas', 'weather.yaml'), 'dataset: weather\nsource: { format: csv }\ncolumns:\n  - { name: id, type: integr }\n');
    try {
      const ok = await strata('plan', 'orders', '--json');
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ dataset: 'orders' });
      expect(ok.stderr).toMatch(/^warning: left out dataset "weather": schemas\/weather\.yaml has an error \(run strata check\), the first: schemas\/weather\.yaml:4:23: unknown type "integr"/);
      const bad = await strata('plan', 'weather');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('Strata.InvalidInput: dataset "weather" cannot run: schemas/weather.yaml has errors (run strata check):\nschemas/weather.yaml:4:23: unknown type "integr"');
    } finally {
      await rm(join(dir, 'schemas', 'weather.yaml'));
    }
    const typo = await strata('ingest', 'ordrs', 'good.csv');
    expect(typo).toMatchObject({ code: 1, stderr: 'Strata.UnknownDataset: no schema defines dataset "ordrs": did you mean "orders"? (known: orders)\n' });
  });

  it('query: table, csv and json over silver, quarantine and strata.runs', async () => {
    const t = await strata('query', 'select order_id, status from silver.orders order by 1');
    expect(t.code).toBe(0);
    expect(t.stdout).toBe('order_id  status\n────────  ───────\n1         NEW\n2         SHIPPED\n');
    const c = await strata('query', '--format', 'csv', 'select order_id, customer_name from silver.orders order by 1');
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('order_id,customer_name\n1,Ann\n2,Bob\n');
    const j = JSON.parse((await strata('query', '--json', "select reasons[1].rule as rule, line from quarantine.orders where source like 'bronze/orders/_objects/%/good.csv'")).stdout);
    expect(j).toEqual([{ rule: 'min', line: 4 }]);
    const runs = JSON.parse((await strata('query', '--json', 'select status, count(*) as n from strata.runs group by 1 order by 1')).stdout);
    expect(runs).toEqual([{ status: 'REJECTED', n: 1 }, { status: 'SUCCEEDED', n: 1 }]);
    const err = await strata('query', 'select * from silver.nope');
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/^query failed: Table with name nope does not exist/);
  });

  it('query reads the lake and nothing else, and changes nothing: a SELECT or an EXPLAIN of one (an attack, stop 50: a COPY over a silver file changed its values unseen)', async () => {
    const before = (await strata('query', '--json', 'select sum(amount) as s, count(*) as n from silver.orders')).stdout;
    const silver = join(dir, '.strata/lake/silver/orders');
    const f = join(silver, (readdirSync(silver, { recursive: true }) as string[]).find((p) => p.endsWith('.parquet'))!);
    for (const [sql, said] of [
      [`COPY (select * replace (amount * 2 as amount) from read_parquet('${f}')) TO '${f}' (FORMAT parquet)`, /^strata query reads the lake: it runs a SELECT \(or EXPLAIN of one, without ANALYZE or options\); this is a COPY statement: nothing was run\n/],
      ["ATTACH 'other.duckdb' AS o", /this is an ATTACH statement: nothing was run/],
      ['SET enable_external_access = true', /this is a SET statement: nothing was run/],
      // EXPLAIN ANALYZE runs what it explains, in every spelling an attack found (ANALYZE after two blanks, a tab or a
      // comment, or among options).
      ...[`EXPLAIN ANALYZE COPY`, `EXPLAIN  ANALYZE COPY`, `EXPLAIN\t ANALYZE COPY`, `EXPLAIN /*x*/ ANALYZE COPY`, `EXPLAIN (ANALYZE) COPY`, `EXPLAIN (FORMAT json, ANALYZE) COPY`, `/*x*/ EXPLAIN ANALYZE COPY`]
        .map((e) => [`${e} (select * replace (amount * 2 as amount) from read_parquet('${f}')) TO '${f}' (FORMAT parquet)`, /^strata query reads the lake: it runs a SELECT \(or EXPLAIN of one, without ANALYZE or options\); this is (not that|an EXPLAIN statement): nothing was run\n/] as const),
      ["select * from read_text('/etc/passwd')", /^query failed: Cannot access file "\/etc\/passwd" - file system operations are disabled by configuration/],
      ['INSTALL httpfs', /this is a LOAD statement: nothing was run/],
      // Writes that do not prepare (a view is no table; a file out of reach) are refused as writes too, not in DuckDB's
      // words (newcomer's trial, stop 57: "orders is not an table", "file system operations are disabled").
      ["insert into silver.orders select * from silver.orders", /^strata query reads the lake: .*; this is an INSERT statement: nothing was run\n/],
      ['update silver.orders set amount = 0', /this is an UPDATE statement: nothing was run/],
      ['/* x */ DELETE FROM silver.orders', /this is a DELETE statement: nothing was run/],
      ["COPY (select 1) TO '/tmp/strata-x.csv'", /this is a COPY statement: nothing was run/],
      // A SELECT of a table function that writes, anywhere in it (enable_logging wrote log files into bronze, which
      // strata doctor took for uploads: an attack, stop 58), or that runs SQL of its own.
      [`select count(*) from enable_logging(storage='file', storage_path='${join(dir, '.strata/lake/bronze/orders')}', level='trace', storage_buffer_size=1)`, /^enable_logging\(\) changes the engine or the files, or runs SQL of its own: strata query reads the lake: nothing was run\n/],
      ["SUMMARIZE FROM enable_profiling()", /^enable_profiling\(\) changes/],
      ["with x as (select * from query('select 1')) select * from x", /^query\(\) changes/],
      ['select 1e999 as x, * from checkpoint()', /^strata query could not check this statement \(the number 1e999 is beyond the range of a double/],
    ] as const) {
      const r = await strata('query', sql);
      expect(r.code, sql).toBe(1);
      expect(r.stderr, sql).toMatch(said);
    }
    expect((await strata('query', '--json', 'select sum(amount) as s, count(*) as n from silver.orders')).stdout).toBe(before);
    expect(existsSync(join(dir, 'other.duckdb'))).toBe(false);
    expect(readdirSync(join(dir, '.strata/lake/bronze/orders')).filter((n) => n.startsWith('duckdb_log'))).toEqual([]);
    // Table functions that read or generate still run.
    expect((await strata('query', '--json', 'select count(*) as n from range(3), (select count(*) from read_text(\'' + join(dir, '.strata/lake/_strata') + '/**/*.json\'))')).stdout).toMatch(/"n": 3/);
    // A PIVOT without IN is two statements to DuckDB: refused, with the form that runs (an attack, stop 50).
    const pivot = await strata('query', 'PIVOT silver.orders ON status USING count(*)');
    expect(pivot.stderr).toMatch(/^strata query runs one SQL statement; this text holds 2: nothing was run\nDuckDB makes a PIVOT without IN/);
    expect((await strata('query', "PIVOT silver.orders ON status IN ('NEW', 'SHIPPED') USING count(*)")).code).toBe(0);
    // An EXPLAIN of a SELECT with an error reports that error, not a refusal of EXPLAIN ANALYZE (an attack, stop 50).
    const typo = await strata('query', 'EXPLAIN select * from silver.ordrs');
    expect(typo).toMatchObject({ code: 1 });
    expect(typo.stderr).toMatch(/^query failed: Table with name ordrs does not exist!\nDid you mean "orders"\?/);
    const plan = await strata('query', 'EXPLAIN select count(*) from silver.orders');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/physical_plan/);
  });

  it('query errors keep DuckDB\'s help (did you mean, candidates, position); a table without its layer is named with it', async () => {
    const typo = await strata('query', 'select * from silver.ordrs');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe('query failed: Table with name ordrs does not exist!\nDid you mean "orders"?\n\nLINE 1: select * from silver.ordrs\n                      ^\n');
    const col = await strata('query', 'select amout from silver.orders');
    expect(col.stderr).toMatch(/^query failed: Referenced column "amout" not found in FROM clause!\nCandidate bindings: "amount"/);
    const bare = await strata('query', 'select * from orders');
    expect(bare.stderr).toMatch(/^query failed: Table with name orders does not exist!\n[\s\S]*\ntables are named with their layer: quarantine\.orders, silver\.orders\n$/);
    const json = await strata('query', '--json', 'select * from silver.ordrs');
    expect(json).toMatchObject({ code: 1, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({ name: 'Strata.InvalidInput', message: 'query failed: Table with name ordrs does not exist!', hint: 'Did you mean "orders"?\n\nLINE 1: select * from silver.ordrs\n                      ^' });
  });

  it('strata runs --dataset of a dataset without runs says so, with a guess (newcomer\'s trial, stop 49: no rows, exit 0)', async () => {
    const r = await strata('runs', '--dataset', 'ordrs');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no run of dataset ordrs is recorded in this lake: did you mean orders? (datasets with runs: orders)');
    expect((await strata('runs', '--dataset', 'orders')).code).toBe(0);
  });

  it('a query of several statements is refused before any runs, as Athena refuses it (an attack, stop 49: all ran, one result shown, a COPY written)', async () => {
    const side = join(dir, 'side.csv');
    const r = await strata('query', `select count(*) as n from silver.orders; copy (select 2 as y) to '${side}'; select 42 as second_result`);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('strata query runs one SQL statement; this text holds 3: nothing was run\nrun each with its own strata query (a view or a CTE can put several steps into one SELECT)\n');
    expect(existsSync(side)).toBe(false);
    // One statement with its semicolon is one; SQL that begins with a comment is SQL, not an option (a second attack,
    // stop 49: "strata query has no option --").
    expect(await strata('query', '--format', 'csv', 'select 42 as answer;')).toMatchObject({ code: 0, stdout: 'answer\n42\n' });
    expect(await strata('query', '--format', 'csv', '-- the answer\nselect 42 as answer')).toMatchObject({ code: 0, stdout: 'answer\n42\n' });
    expect(await strata('query', '--formt', 'csv', 'select 1')).toMatchObject({ code: 2, stderr: expect.stringContaining('strata query has no option --formt: did you mean --format?') });
  });

  it('a query of a table its schema file defines but the lake does not hold yet says so, not DuckDB\'s nearest name (newcomer trial, stop 35)', async () => {
    await writeFile(join(dir, 'schemas', 'returns.yaml'), 'dataset: returns\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int }\n'
      + 'gold:\n  - table: return_counts\n    sql: SELECT count(*) AS n FROM silver.returns\n');
    try {
      const silver = await strata('query', 'select * from silver.returns');
      expect(silver.code).toBe(1);
      expect(silver.stderr).toBe('query failed: Table with name returns does not exist!\nLINE 1: select * from silver.returns\n                      ^\n'
        + 'schemas/returns.yaml defines dataset returns, but no run of it has committed yet, so silver.returns does not exist yet: strata ingest returns <file>\n');
      // The layer named is the one meant (third attack, stop 36): no dataset hint for gold, no gold hint for silver;
      // upper case is the same name.
      expect((await strata('query', 'select * from QUARANTINE.Returns')).stderr).toMatch(/\nschemas\/returns\.yaml defines dataset returns, but no run of it has quarantined rows yet, so quarantine\.returns does not exist yet\n$/);
      expect((await strata('query', 'select * from gold.returns')).stderr).not.toMatch(/defines/);
      expect((await strata('query', 'select * from silver.return_counts')).stderr).not.toMatch(/defines/);
      // A table of another layer by that name is no hint when the query named its layer.
      expect((await strata('query', 'select * from gold.orders')).stderr).not.toMatch(/tables are named with their layer/);
      const gold = await strata('query', 'select * from gold.return_counts');
      expect(gold.stderr).toMatch(/\nschemas\/returns\.yaml defines gold table return_counts, but it has not been published yet: it is refreshed by each run of dataset returns \(strata ingest returns <file>\), or by strata refresh return_counts\n$/);
      // Nothing defines it: no suggestion of DuckDB's own system views (it had offered "pg_catalog.pg_enum").
      const nothing = await strata('query', 'select * from gold.nope');
      expect(nothing.stderr).toBe('query failed: Table with name nope does not exist!\nLINE 1: select * from gold.nope\n                      ^\n');
    } finally {
      await rm(join(dir, 'schemas', 'returns.yaml'));
    }
  });

  it('error shapes: --json errors are one JSON object on stdout; options and arguments get strata\'s own messages', async () => {
    const unknown = await strataProcess('ingest', 'nosuch', 'good.csv', '--json');
    expect(unknown).toMatchObject({ code: 1, stderr: '' });
    expect(JSON.parse(unknown.stdout)).toEqual({ name: 'Strata.UnknownDataset', message: 'no schema defines dataset "nosuch" (known: orders)' });
    const bogus = await strata('check', '--bogus');
    expect(bogus).toMatchObject({ code: 2, stdout: '' });
    expect(bogus.stderr).toMatch(/^strata check has no option --bogus\nusage: strata check /);
    expect((await strata('check', '--jsn')).stderr).toMatch(/^strata check has no option --jsn: did you mean --json\?\n/);
    // A file whose name begins with a dash: the way to name it (an attack, stop 58).
    await writeFile(join(dir, '-x.csv'), 'order_id\n1\n');
    expect((await strataProcess('ingest', 'orders', '-x.csv')).stderr).toMatch(/^strata ingest has no option -x: for the file -x\.csv, write \.\/-x\.csv \(or put -- before the files\)\n/);
    const bogusJson = await strataProcess('check', '--bogus', '--json');
    expect(bogusJson.code).toBe(2);
    expect(JSON.parse(bogusJson.stdout)).toMatchObject({ name: 'Strata.Usage', message: 'strata check has no option --bogus', hint: expect.stringMatching(/^usage: strata check/) });
    expect(await strata('gc', '--retention-days', '-3')).toMatchObject({ code: 2, stderr: '--retention-days must be a number of days ≥ 0\n' });
    expect(await strata('runs', '--limit', 'abc')).toMatchObject({ code: 2, stderr: '--limit must be a whole number of runs ≥ 1, not "abc"\n' });
    expect((await strata('runs', '--limit')).stderr).toMatch(/^--limit needs a value\nusage: strata runs/);
    await mkdir(join(dir, 'drop'), { recursive: true });
    expect(await strata('ingest', 'orders', 'drop/')).toMatchObject({ code: 2, stderr: 'drop/ is a folder: strata ingest takes files (e.g. drop/*), each one a run\n' });
    expect(await strata('quary')).toMatchObject({ code: 2, stderr: 'unknown command "quary": did you mean "query"?\nrun strata --help\n' });
    // No lake yet: what is wrong, then the way out, each said once.
    const nowhere = join(dir, 'no-lake-here');
    expect(await strata('query', 'select 1', '--lake', nowhere)).toMatchObject({ code: 1,
      stderr: `no lake at ${nowhere} yet\ningest something first (strata ingest <dataset> <file>, or strata demo), or name the lake with --lake <dir>\n` });
    // --verbose adds the stack's frames under the message, which is printed once.
    const verbose = await strataProcess('plan', 'nosuch', '--verbose');
    expect(verbose.code).toBe(1);
    expect(verbose.stderr.split('\n').filter((l) => l.includes('no schema defines dataset "nosuch"'))).toEqual(['Strata.UnknownDataset: no schema defines dataset "nosuch" (known: orders)']);
    expect(verbose.stderr).toMatch(/\n\s+at .*core\/plan\/sets\.ts:\d+:\d+/);
  });

  it('demo --help names demo\'s own default lake (.strata/demo), not the default of the other commands', async () => {
    const help = await strataProcess('demo', '--help');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    const lake = help.stdout.split('\n').filter((l) => l.trimStart().startsWith('--lake'));
    expect(lake).toEqual([expect.stringMatching(/^ {2}--lake +the demo lake's folder \(default \.strata\/demo; not STRATA_LAKE\)/)]);
  });

  it('runs: history, and one run with its execution path and per-state timings', async () => {
    const list = await strata('runs', '--json');
    expect(list.code).toBe(0);
    const records = JSON.parse(list.stdout) as Array<{ runId: string; status: string }>;
    expect(records.map((r) => r.status)).toEqual(['REJECTED', 'SUCCEEDED']);
    const one = await strata('runs', records[1]!.runId);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/execution .* \(local\): Stage → Route → SilverQuality → CommitSilver → RegisterSilver → Gold → RecordRun → Finish → Succeeded/);
    expect(one.stdout).toMatch(/CommitSilver\s+\d+\s+0/);
  });

  it('plan: the plan, its SQL, and the state machine', async () => {
    const [asl, sql, json] = [await strata('plan', 'orders', '--asl'), await strata('plan', 'orders', '--sql'), await strata('plan', 'orders', '--json')];
    expect([asl.code, sql.code, json.code]).toEqual([0, 0, 0]);
    expect(JSON.parse(asl.stdout).StartAt).toBe('Stage');
    expect(sql.stdout).toMatch(/TRY_CAST\(NULLIF\(__s0, ''\) AS BIGINT\) AS __d0/);
    expect(JSON.parse(json.stdout)).toMatchObject({ dataset: 'orders', mode: 'upsert', primaryKey: ['order_id'] });
    expect(await strata('plan', 'nosuch')).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse((await strata('plan', 'orders', '--sql', '--json')).stdout)).toMatchObject({ dataset: 'orders', typedSql: expect.stringMatching(/TRY_CAST\(NULLIF\(__s0, ''\) AS BIGINT\) AS __d0/) });
  });

  it('init: drafts a schema from a sample that checks and ingests as written', async () => {
    // A project of its own: its schema and lake stay out of the other tests' way.
    const own = join(dir, 'init');
    await mkdir(join(own, 'schemas'), { recursive: true });
    const strata = (...args: string[]) => strataIn(own, ...args);
    const sample = join(own, 'stations.csv');
    await writeFile(sample, 'Station ID,Station Name,Opened On,Elevation (m),Last Reading\n00101,North Point,2001-03-04,12.5,2025-06-01 10:00:00\n00102,South Gate,1999-12-31,,2025-06-01 11:30:00\n');
    const r = await strata('init', 'stations', '--from', 'stations.csv');
    expect(r.code).toBe(0);
    const yaml = await readFile(join(own, 'schemas', 'stations.yaml'), 'utf8');
    // The editor's schema, as found from the schema file's folder (the draft named ../core/… from any folder).
    const jsonSchema = /# yaml-language-server: \$schema=(\S+)/.exec(yaml)?.[1];
    expect(readFileSync(join(own, 'schemas', jsonSchema!), 'utf8')).toBe(readFileSync(join(import.meta.dirname, '..', 'core', 'schema', 'dataset.schema.json'), 'utf8'));
    expect(yaml).toContain('- { name: station_id, type: string, from: Station ID, required: true }');
    // 12.5 as written: a decimal of its places, with a note saying when a double is the better draft.
    expect(yaml).toContain('- { name: elevation_m, type: "decimal(18,1)", from: Elevation (m) } # the sample\'s values are decimals of at most 1 place');
    // Two sample rows: the coarsest grain (the finest would make a partition per handful of rows).
    expect(yaml).toMatch(/partitionBy:\n {2}# year: 1 partition of about 2 rows in the sample[^\n]*\n {2}- name: dt\n {4}column: last_reading\n {4}transform: year/);
    // The draft checks (exit 0), with a warning for each placeholder strata init left to fill in.
    const checked = await strata('check');
    expect(checked.code).toBe(0);
    expect(checked.stdout + checked.stderr).toMatch(/schemas\/stations\.yaml:\d+:\d+: warning: description is still the draft's placeholder "TODO: what stations holds"/);
    expect(checked.stdout + checked.stderr).toMatch(/warning: owner is still the draft's placeholder "TODO: team or e-mail"/);
    const ing = await strata('ingest', 'stations', 'stations.csv', '--json');
    expect(JSON.parse(ing.stdout)[0]).toMatchObject({ status: 'SUCCEEDED', rowsIn: 2, rowsValid: 2 });
    expect((await strata('init', 'stations', '--from', 'stations.csv')).code).toBe(1); // no silent overwrite
    const named = await strata('init', 'Weather-Stations', '--from', 'stations.csv', '--schemas', 'drafts');
    expect(named.stdout).toMatch(/^dataset "Weather-Stations" is named weather_stations \(dataset names are lower_snake_case\)\nwrote .*drafts\/weather_stations\.yaml/);
    // The next line names the folders given, so that it runs as printed (newcomer's trial, stop 50).
    expect(named.stdout).toMatch(/\nnext: edit it, then strata check --schemas drafts && strata ingest weather_stations stations\.csv --schemas drafts$/m);
    const spaced = await strata('init', 'spaced', '--from', 'stations.csv', '--schemas', 'my drafts', '--lake', 'a lake');
    expect(spaced.stdout).toMatch(/\nnext: edit it, then strata check --schemas 'my drafts' --lake 'a lake' && strata ingest spaced stations\.csv --schemas 'my drafts' --lake 'a lake'$/m);
  });

  it('ingest --json shows every quality rule with its outcome and metrics; --now sets the clock; a halt exits 1', async () => {
    const schema = ordersSchema({ maxRatio: 0.5 }).replace('dataset: orders', 'dataset: gated') + `quality:
  silver:
    halt: ['RowCount > 0', 'DataFreshness "created_at" <= 2 days']
    warn: ['Completeness "customer_name" > 0.9', 'ColumnValues "status" in ["NEW", "SHIPPED"]']
`;
    // A project of its own, so its runs stay out of the other tests' lake.
    const own = join(dir, 'gated');
    await mkdir(join(own, 'schemas'), { recursive: true });
    const strata = (...args: string[]) => strataIn(own, ...args);
    await writeFile(join(own, 'schemas', 'gated.yaml'), schema);
    await writeFile(join(own, 'good.csv'), await readFile(join(dir, 'good.csv')));
    // strata check says what it checked, rules counted as DQDL reads them (newcomer's trial, stop 46).
    expect((await strata('check')).stdout).toMatch(/^ok: 1 dataset \(gated\), 4 quality rules\n/);
    expect(JSON.parse((await strata('check', '--json')).stdout)).toMatchObject({ ok: true, goldTables: 0, qualityRules: 4 });
    {
      const ok = await strata('ingest', 'gated', 'good.csv', '--json', '--now', '2025-06-14T00:00:00Z');
      expect(ok.code).toBe(0);
      const [record] = JSON.parse(ok.stdout);
      expect(record.quality).toMatchObject({ halted: false, score: 1, passed: 4, failed: 0, errors: 0 });
      expect(record.quality.results).toEqual([
        expect.objectContaining({ rule: 'RowCount > 0', severity: 'halt', outcome: 'PASS', metrics: { 'Dataset.*.RowCount': 2 } }),
        expect.objectContaining({ rule: 'DataFreshness "created_at" <= 2 days', outcome: 'PASS', metrics: expect.objectContaining({ 'Column.created_at.DataFreshness.Compliance': 1 }) }),
        expect.objectContaining({ rule: 'Completeness "customer_name" > 0.9', severity: 'warn', outcome: 'PASS', metrics: { 'Column.customer_name.Completeness': 1 } }),
        expect.objectContaining({ rule: 'ColumnValues "status" in ["NEW", "SHIPPED"]', outcome: 'PASS' }),
      ]);
      // The same file a week later is stale: the halt rule blocks it, with the rule named on the terminal.
      await writeFile(join(own, 'good-again.csv'), await readFile(join(own, 'good.csv')));
      const late = await strata('ingest', 'gated', 'good-again.csv', '--now', '2025-06-21T00:00:00Z');
      expect(late.code).toBe(1);
      expect(late.stdout).toMatch(/■ HALTED {4}gated/);
      expect(late.stdout).toContain('quality silver.gated: 3/4 rules passed (score 0.75), HALTED');
      expect(late.stdout).toMatch(/FAIL {2}halt DataFreshness "created_at" <= 2 days — /);
    }
  });
  it('runs shows rollbacks and the runs they undid; a skipped run shows no row counts; a rollback to where the table is changes nothing', async () => {
    const own = await ownCopy();
    const strata = (...args: string[]) => strataIn(own, ...args);
    const before = JSON.parse((await strata('runs', '--dataset', 'orders', '--json')).stdout) as Array<{ runId: string; status: string }>;
    const first = before.find((r) => r.status === 'SUCCEEDED')!.runId;
    expect(JSON.parse((await strata('ingest', 'orders', 'good.csv', '--json')).stdout)[0]).toMatchObject({ status: 'SKIPPED' });
    await writeFile(join(own, 'later.csv'), `${ORDERS_HEADER}\n9,Dee,NEW,1.00,Jun 14 2025,2025-06-14T10:00:00Z\n`);
    const later = JSON.parse((await strata('ingest', 'orders', 'later.csv', '--json')).stdout)[0] as { runId: string; status: string };
    expect(later.status).toBe('SUCCEEDED');
    const back = await strata('rollback', 'orders', '--to', first);
    expect(back.stdout).toMatch(new RegExp(`^rolled silver\\.orders back to run ${first}: 1 partition switched`));
    expect(back.stdout).toContain('\nthe source object committed after that run can be ingested again (the table no longer holds it)\n');
    const again = await strata('rollback', 'orders', '--to', first);
    expect(again).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^silver\\.orders already shows what run ${first} left: nothing changed`)) });
    const human = (await strata('runs', '--dataset', 'orders')).stdout.split('\n');
    expect(human.find((l) => l.includes('ROLLBACK'))).toMatch(new RegExp(`silver\\.orders\\s+ROLLBACK\\s+to run ${first}\\s+1\\s*$`));
    expect(human.filter((l) => l.includes('ROLLBACK'))).toHaveLength(1); // the second rollback made no version
    expect(human.find((l) => l.startsWith(later.runId))).toMatch(/SUCCEEDED, rolled back/);
    expect(human.find((l) => l.includes('SKIPPED'))).toMatch(/SKIPPED\s+good\.csv\s+\d+\.\d\s*$/);
    const json = JSON.parse((await strata('runs', '--dataset', 'orders', '--json')).stdout) as Array<{ runId: string; rolledBackBy?: string }>;
    expect(json.find((r) => r.runId === later.runId)!.rolledBackBy).toMatch(/^\d{8}T/);
    expect(json.find((r) => r.runId === first)!.rolledBackBy).toBeUndefined();
  });
});

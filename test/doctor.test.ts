// strata doctor on damaged lakes: per table what is wrong and the way back, exit 1 while something is wrong;
// --repair does what is derivable and loses nothing, after which the lake is clean (exit 0) and its data intact.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { rollback } from '../workflows/maintenance.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { armFaults } from '../runtime/util/fault.ts';
import { utimes } from 'node:fs/promises';
import { doctor as doctorCommand } from '../cli/commands/doctor.ts';
import { gc } from '../cli/commands/gc.ts';
import { refresh } from '../cli/commands/refresh.ts';
import { query } from '../cli/commands/query.ts';
import { gcStaging } from '../runtime/table/gc.ts';
import { runCommand } from './helpers/cli.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const GOLD = `gold:
  - table: daily_revenue
    sql: |
      SELECT CAST(created_at AS DATE) AS day, SUM(amount) AS revenue, COUNT(*) AS orders FROM silver.orders GROUP BY 1
    partitionBy: [day]
`;

let l: TestLake;
beforeAll(async () => {
  l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: GOLD }) });
  await l.ingest('orders', await l.file('a.csv', csv(1, '12')));
  await l.ingest('orders', await l.file('b.csv', csv(2, '13')));
});
afterAll(() => l?.cleanup());

const csv = (id: number, day: string) => `${ORDERS_HEADER}\n${id},c,NEW,1.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z\n`;

/** strata doctor as the command runs it (in this process), its output with the lake's path as <lake>. */
async function doctor(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => { out += chunk; return true; }) as typeof process.stdout.write;
  try {
    const code = await main(['doctor', ...args, '--lake', l.dir, '--schemas', join(l.root, 'schemas')]);
    return { code, out: out.replaceAll(l.dir, '<lake>') };
  } finally {
    process.stdout.write = write;
  }
}

/** Damage the lake, see doctor say what and where (exit 1), repair it (exit 0), and find the data intact. */
async function damagedThenRepaired(damage: () => void | Promise<void>, said: RegExp[]): Promise<string> {
  await damage();
  const seen = await doctor();
  expect(seen.code, seen.out).toBe(1);
  for (const s of said) expect(seen.out).toMatch(s);
  const fixed = await doctor('--repair');
  expect(fixed.code, fixed.out).toBe(0);
  expect(fixed.out).toMatch(/\nno problems\n$/);
  expect(await l.query(`SELECT order_id FROM silver.orders ORDER BY 1`)).toEqual([{ order_id: 1 }, { order_id: 2 }]);
  expect(await l.query(`SELECT CAST(day AS VARCHAR) AS day, orders FROM gold.daily_revenue ORDER BY 1`)).toEqual([{ day: '2025-06-12', orders: 1 }, { day: '2025-06-13', orders: 1 }]);
  return `${seen.out}\n$ strata doctor --repair\n${fixed.out}`;
}

const manifest = (table: string) => join(l.dir, table, '_strata/manifest.json');

describe('strata doctor', () => {
  it('a healthy lake: every table ok, exit 0', async () => {
    const r = await doctor();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^strata doctor: <lake>\n {2}silver\.orders +ok {2}version 2 · 2 partitions · 2 rows\n {2}gold\.daily_revenue +ok {2}version 2 · 2 partitions · 2 rows\n/);
    expect(r.out).toMatch(/\nno problems\n$/);
  });

  it('a deleted silver manifest: restored from its history', () => damagedThenRepaired(() => rmSync(manifest('silver/orders')), [
    /silver\.orders +PROBLEM {2}the manifest of silver\.orders \(file:\/\/<lake>\/silver\/orders\/_strata\/manifest\.json\) is missing, but the table has a manifest history/,
  ]));

  it('a truncated gold manifest: restored from its history, the damaged one kept aside', () => damagedThenRepaired(() => {
    writeFileSync(manifest('gold/daily_revenue'), readFileSync(manifest('gold/daily_revenue'), 'utf8').slice(0, 100));
  }, [/gold\.daily_revenue +PROBLEM {2}the manifest of gold\.daily_revenue \(file:\/\/<lake>\/gold\/daily_revenue\/_strata\/manifest\.json\) is damaged \(/]));

  it('a damaged catalog entry: rewritten from the manifest', () => damagedThenRepaired(() => {
    writeFileSync(join(l.dir, '_strata/catalog/tables/silver.orders.json'), '{"stamp": "v2');
  }, [/silver\.orders +PROBLEM {2}catalog entry <lake>\/_strata\/catalog\/tables\/silver\.orders\.json is not valid JSON/]));

  it('a damaged catalog.duckdb: rebuilt from the catalog entries', () => damagedThenRepaired(() => {
    writeFileSync(join(l.dir, 'catalog.duckdb'), 'not a database');
  }, [/catalog +PROBLEM {2}<lake>\/catalog\.duckdb cannot be read \(/, /way back: strata doctor --repair rebuilds it from the catalog entries/]));

  it('gold behind its silver (a run killed between its silver commit and gold): refreshed', () => damagedThenRepaired(async () => {
    const m = JSON.parse(readFileSync(manifest('gold/daily_revenue'), 'utf8')) as TableManifest;
    const silver = JSON.parse(readFileSync(manifest('silver/orders'), 'utf8')) as TableManifest;
    const first = silver.history.find((h) => h.version === 1)!.runId;
    writeFileSync(manifest('gold/daily_revenue'), JSON.stringify({ ...m, derivedFrom: { 'silver.orders': 1 }, derivedFromRuns: { 'silver.orders': { version: 1, runId: first } } }));
  }, [/gold\.daily_revenue +PROBLEM {2}behind silver\.orders \(it reflects version 1, silver\.orders is at version 2\)/,
    /way back: strata doctor --repair refreshes it \(so does the next run of orders\)/]));

  it('a lock left by a dead process: removed', () => damagedThenRepaired(() => {
    const lock = join(l.dir, 'silver/orders/_strata/manifest.json.lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), token: 't', at: new Date().toISOString() }));
  }, [/locks +PROBLEM {2}silver\/orders\/_strata\/manifest\.json\.lock: lock left by process 4194311 on .*, which is no longer running/]));

  it('what a killed process left of taking or releasing a lock: a note (it blocks nobody), even while young; --repair removes it (an attack, stop 50)', async () => {
    const owner = JSON.stringify({ pid: 2 ** 22 + 9, host: hostname(), token: 't2', at: new Date().toISOString() });
    const leftovers = ['silver/orders/_strata/manifest.json.lock.stale-done-t2', 'catalog.duckdb.lock.new-t3'];
    for (const f of leftovers) {
      mkdirSync(join(l.dir, f), { recursive: true });
      writeFileSync(join(l.dir, f, 'owner.json'), owner);
    }
    const seen = await doctor();
    expect(seen.code, seen.out).toBe(0);
    for (const f of leftovers) expect(seen.out).toContain(`note  ${f}: what remains of a lock left by process 4194313 on ${hostname()}, which is no longer running`);
    expect(seen.out).not.toMatch(/being taken by process 4194313/);
    expect((await doctor('--repair')).code).toBe(0);
    for (const f of leftovers) expect(existsSync(join(l.dir, f))).toBe(false);
  });

  it('run records that disagree with the manifest: a second SUCCEEDED run of one object becomes SKIPPED', () => damagedThenRepaired(() => {
    const dir = join(l.dir, '_strata/runs/orders');
    const name = readdirSync(dir).sort()[0]!;
    const r = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    writeFileSync(join(dir, 'zz-twin.json'), JSON.stringify({ ...r, runId: 'zz-twin' }));
  }, [/runs\.orders +PROBLEM {2}run zz-twin is recorded SUCCEEDED with 1 valid rows, but run .* committed bronze\/orders\/_objects\/[0-9a-f]+\/a\.csv; this run committed nothing/]));

  it('a damaged silver data file: named with the way back; not derivable, so --repair leaves it (exit 1)', async () => {
    const m = JSON.parse(readFileSync(manifest('silver/orders'), 'utf8')) as TableManifest;
    const file = join(l.dir, m.partitions['dt=2025-06-13']!.files[0]!);
    const keep = join(l.root, 'kept.parquet');
    cpSync(file, keep);
    try {
      writeFileSync(file, readFileSync(keep).subarray(0, 40));
      const r = await doctor('--repair');
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/silver\.orders +PROBLEM {2}silver\.orders partition dt=2025-06-13 \(file:\/\/<lake>\/silver\/orders\/dt=2025-06-13\/v-[^/]+\/\): file:\/\/<lake>\/silver\/orders\/dt=2025-06-13\/v-[^/]+\/part-[^ ]+\.parquet cannot be read \(/);
      expect(r.out).toMatch(/way back: strata rollback orders --to <an earlier run> brings back an earlier version, unless it shares the file/);
    } finally {
      rmSync(file);
      cpSync(keep, file);
    }
    expect((await doctor()).code).toBe(0);
  });
});

describe('a lake whose first run was killed after its Stage step (nothing of it but its bronze object and its staging)', () => {
  it('is a lake: strata doctor reports the staging and gc collects it a day later; a folder with only a staging/ folder is not one', async () => {
    // A dataset named runs too: strata.runs is not it (its hint won over strata's own views').
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }), runs: 'dataset: runs\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int }\n' });
    try {
      const file = await k.file('a.csv', csv(1, '12'));
      const killed = spawnSync(process.execPath, ['cli/strata.ts', 'ingest', 'orders', file, '--lake', k.dir, '--schemas', join(k.root, 'schemas')],
        { env: { ...process.env, STRATA_FAULT: 'step.stage.after' } });
      expect(killed.signal).toBe('SIGKILL');
      // Before: "no lake at … yet, so nothing to examine" from doctor, gc and runs alike, and the staging stayed for good.
      expect(readdirSync(k.dir).sort()).toEqual(['bronze', 'staging']);
      const run = (command: 'doctor' | 'gc') => runCommand(command === 'doctor' ? doctorCommand : gc, { lake: k.dir, schemas: join(k.root, 'schemas') }, []);
      const examined = await run('doctor');
      expect(examined.code, examined.stderr).toBe(0);
      expect(examined.stdout).toMatch(/staging +note {2}1 staging folder of runs that are running or were killed, e.g. staging\/orders\/[^/]+\/\n +way back: strata gc removes those older than a day/);
      // strata.runs does not exist yet: the query says why (it gave DuckDB's bare "does not exist").
      const runs = await runCommand(query, { lake: k.dir, schemas: join(k.root, 'schemas') }, ['select * from strata.runs']);
      expect(runs.stderr).toMatch(/does not exist!\n[^]*\nstrata\.runs shows the run records, and this lake has none yet: no run has recorded itself \(a run killed before its record leaves none: strata doctor names its staging\)\n$/);
      // strata gc now: a staging folder of the last day may be a running run's, so it stays.
      const collected = await run('gc');
      expect(collected.code, collected.stderr).toBe(0);
      expect(collected.stdout).toContain('staging: deleted 0 old run folders');
      // A day later (gc's clock, on the files' change times), gc's staging step removes it.
      expect(await gcStaging(k.storage, new Date(Date.now() + 2 * 86_400_000))).toMatchObject({ folders: 1 });
      expect((await run('doctor')).stdout).not.toContain('staging folder');
      // strata's own marks are what make a lake: a staging/ folder alone is not one (gc would delete what is in it).
      const other = join(k.root, 'other');
      mkdirSync(join(other, 'staging', 'x', 'y'), { recursive: true });
      await expect(runCommand(doctorCommand, { lake: other, schemas: join(k.root, 'schemas') }, [])).rejects.toThrow(`no lake at ${other} yet, so nothing to examine`);
    } finally {
      await k.cleanup();
    }
  });
});

describe('a gold table its quality gate halted', () => {
  it('is named with the rule and the way back (fix, then strata refresh), not offered to --repair; strata refresh shows the rule; an SQL change is named as such', async () => {
    const schema = (sql: string) => `dataset: sh\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: price, type: "decimal(10,2)" }\n`
      + `  - { name: day, type: date, required: true }\npartitionBy:\n  - { name: dt, column: day, transform: day }\ngold:\n  - table: daily_sh\n    sql: ${sql}\n`
      + `    partitionBy: [day]\n    quality:\n      halt:\n        - ColumnValues "revenue" >= 0\n`;
    const k = await makeLake({ sh: schema('SELECT day, sum(price) AS revenue FROM silver.sh GROUP BY day') });
    try {
      const g = { lake: k.dir, schemas: join(k.root, 'schemas') };
      await k.ingest('sh', await k.file('a.csv', 'id,price,day\n1,2.00,2025-01-01\n'));
      const halted = (await k.ingest('sh', await k.file('b.csv', 'id,price,day\n2,,2025-01-02\n'))).record;
      expect(halted.status).toBe('HALTED');
      const examined = await runCommand(doctorCommand, g, []);
      expect(examined.code).toBe(1);
      expect(examined.stdout).toContain(`gold.daily_sh  PROBLEM  behind silver.sh (it reflects version 1, silver.sh is at version 2): quality gate halted its last refresh: ColumnValues "revenue" >= 0 → FAIL (1 of 1 rows fail (0 pass), expected all rows to pass) (run ${halted.runId})`);
      expect(examined.stdout).toMatch(/way back: fix the data \(strata rollback, or ingest a correction\) or the rule in \S*schemas\/sh\.yaml, then strata refresh daily_sh\n/);
      expect(examined.stdout).toMatch(/\n1 problem\n$/);
      // Its results file damaged: doctor goes on, without the halt's words.
      const results = join(k.dir, '_strata', 'quality', 'gold', 'daily_sh');
      const file = join(results, readdirSync(results).filter((f) => f.endsWith('.json')).sort().at(-1)!);
      const kept = readFileSync(file);
      writeFileSync(file, '{"halted": tr');
      const damaged = await runCommand(doctorCommand, g, []);
      expect(damaged.stdout).toContain('gold.daily_sh  PROBLEM  behind silver.sh (it reflects version 1, silver.sh is at version 2)\n');
      writeFileSync(file, kept);
      // --repair: nothing it could do (before: listed under "repaired:", and its way back was --repair again).
      const repaired = await runCommand(doctorCommand, g, [], { repair: true });
      expect(repaired.stdout).toContain('nothing to repair\nthen:\n');
      expect(repaired.stdout).not.toContain('repaired:');
      const refreshed = await runCommand(refresh, g, ['daily_sh']);
      expect(refreshed.code).toBe(1);
      expect(refreshed.stdout).toMatch(/^gold\.daily_sh: halted by its quality gate: nothing was published \(2 rows computed and held back; \d+ ms\)\. The way back: fix the rows the failing rule names \(strata query\) or the rule, then strata refresh daily_sh again; strata\.quality_metrics holds every rule's outcome\n {4}quality gold\.daily_sh: 0\/1 rules passed \(score 0\.00\), HALTED\n {6}FAIL {2}halt ColumnValues "revenue" >= 0 — /);
      // The SQL changed (and the gate halts it still): said as such, not as versions that are equal.
      writeFileSync(join(k.root, 'schemas', 'sh.yaml'), schema('SELECT day, sum(price) AS revenue, count(*) AS n FROM silver.sh GROUP BY day'));
      const changed = await runCommand(doctorCommand, g, []);
      expect(changed.stdout).toMatch(/gold\.daily_sh {2}PROBLEM {2}behind silver\.sh \(it reflects version 1, silver\.sh is at version 2\); its SQL \(\S*schemas\/sh\.yaml\), or the schema of a table it reads, changed since its last publish: every partition is to be computed again: quality gate halted/);
      // The rule removed: the old halt is not blamed, and --repair refreshes it (an attack, stop 44: the halt stayed).
      writeFileSync(join(k.root, 'schemas', 'sh.yaml'), schema('SELECT day, sum(price) AS revenue FROM silver.sh GROUP BY day').replace(/ {4}quality:\n.*\n.*\n$/, ''));
      const ungated = await runCommand(doctorCommand, g, []);
      expect(ungated.stdout).not.toContain('quality gate halted');
      expect(ungated.stdout).toContain('way back: strata doctor --repair refreshes it');
      const fixed = await runCommand(doctorCommand, g, [], { repair: true });
      expect(fixed.stdout).toMatch(/repaired:\n {2}gold\.daily_sh: caught up with silver\.sh/);
      expect(fixed.code, fixed.stdout).toBe(0);
    } finally {
      await k.cleanup();
    }
  });
});

describe('a gold table defined after its silver table was committed (newcomer\'s trial, stop 45)', () => {
  it('is behind until its first refresh: a problem, not "ok, empty", and --repair builds it', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    try {
      await k.ingest('orders', await k.file('a.csv', csv(1, '12')));
      const file = join(k.root, 'schemas', 'orders.yaml');
      writeFileSync(file, `${readFileSync(file, 'utf8')}gold:\n  - table: daily\n    sql: SELECT CAST(created_at AS DATE) AS day, count(*) AS n FROM silver.orders GROUP BY 1\n    partitionBy: [day]\n`);
      const g = { lake: k.dir, schemas: join(k.root, 'schemas') };
      const examined = await runCommand(doctorCommand, g, []);
      expect(examined.stdout).toMatch(/gold\.daily +PROBLEM +never published: no refresh has written it yet, though silver\.orders has been committed \(it was defined after, or its refreshes failed: strata runs shows why\)/);
      expect(examined.code).not.toBe(0);
      expect((await runCommand(doctorCommand, g, [], { repair: true })).code).toBe(0);
      expect((await runCommand(doctorCommand, g, [])).stdout).toMatch(/gold\.daily +ok/);
      // A schema file with errors leaves its dataset out: not examined is a problem, not "no problems" and exit 0.
      writeFileSync(join(k.root, 'schemas', 'bad.yaml'), 'dataset: bad\nsource: { format: csv }\ncolumns:\n  - { name: x, type: nope }\n');
      const leftOut = await runCommand(doctorCommand, g, []);
      expect(leftOut.code).toBe(1);
      expect(leftOut.stdout).toMatch(/dataset bad +PROBLEM +not examined: \S*schemas\/bad\.yaml has 1 error, so its tables were left out\n +way back: strata check shows them; fix the file, then strata doctor again\n1 problem\n?$/);
    } finally {
      await k.cleanup();
    }
  });
});

describe('a gold table rolled back on purpose (newcomer\'s trial, stop 46)', () => {
  it('is a note naming the run it holds and the way up to date, not a problem ("not known which versions"), exit 0', async () => {
    // (Its SQL fails on an order_id above 2: a refresh after the rollback that cannot publish.)
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: 'gold:\n  - table: daily\n    sql: SELECT CAST(created_at AS DATE) AS day, count(*) AS n, sum(CASE WHEN order_id > 2 THEN CAST(status AS BIGINT) ELSE 0 END) AS bad FROM silver.orders GROUP BY 1\n    partitionBy: [day]\n' }) });
    try {
      const first = (await k.ingest('orders', await k.file('a.csv', csv(1, '12')))).record;
      await k.ingest('orders', await k.file('b.csv', csv(2, '13')));
      const g = { lake: k.dir, schemas: join(k.root, 'schemas') };
      await rollback(k, 'daily', first.runId);
      const examined = await runCommand(doctorCommand, g, []);
      expect(examined.stdout).toMatch(new RegExp(`gold\\.daily +note +rolled back to run ${first.runId} \\(by \\S+\\): it holds that run's rows, not its SQL over silver\\.orders as they are now; strata refresh daily brings it up to date, and so does the next run of orders`));
      expect(examined.code).toBe(0);
      // Silver committed after the rollback and the refresh failed: behind it, a problem (an attack: the note hid it).
      const failed = (await k.ingest('orders', await k.file('c.csv', csv(3, '14')))).record;
      expect(failed.status).toBe('FAILED');
      const stale = await runCommand(doctorCommand, g, []);
      expect(stale.stdout).toMatch(/gold\.daily +PROBLEM/);
      expect(stale.code).toBe(1);
    } finally {
      await k.cleanup();
    }
  });
});

describe('an object in bronze that no run has read (an attack, stop 47)', () => {
  it('is not one whose commit gc moved into a marker, though its run left no record (an attack, stop 50: its rows were said to be nowhere)', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    try {
      await k.ingest('orders', await k.file('a.csv', csv(1, '12')));
      const b = (await k.ingest('orders', await k.file('b.csv', csv(2, '12')))).record;
      await k.ingest('orders', await k.file('c.csv', csv(3, '12')));
      // b's run died after its commit: no record (as a kill leaves it); its object over an hour old.
      const records = (await k.storage.list('_strata/runs/orders/')).map((o) => o.key).filter((key) => key.includes(b.runId));
      await k.storage.delete(records);
      const [object] = (await k.storage.list('bronze/orders/')).map((o) => o.key).filter((key) => key.endsWith('/b.csv'));
      const hoursAgo = new Date(Date.now() - 2 * 3600_000);
      for (const f of [object!, object!.slice(0, object!.lastIndexOf('/'))]) await utimes(join(k.dir, f), hoursAgo, hoursAgo);
      const g = { lake: k.dir, schemas: join(k.root, 'schemas') };
      expect((await runCommand(gc, g, [], { 'retention-days': '0' })).code).toBe(0);
      const m = JSON.parse((await k.storage.readText('silver/orders/_strata/manifest.json'))!) as TableManifest;
      expect(Object.values(m.sources).map((x) => x.key)).not.toContain(b.source.key); // moved into a marker
      const r = await runCommand(doctorCommand, g, []);
      expect(r.stdout).not.toMatch(/no run has read/);
      expect(await k.query(`SELECT order_id FROM silver.orders ORDER BY 1`)).toEqual([{ order_id: 1 }, { order_id: 2 }, { order_id: 3 }]);
    } finally {
      await k.cleanup();
    }
  });

  it('is a note while young, a problem after an hour naming it and the way back; ingesting it makes the lake whole', async () => {
    // A put or an upload stopped between keeping the object and its run's start (the fault point bronze.copied).
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    try {
      await k.ingest('orders', await k.file('a.csv', csv(1, '12')));
      armFaults('bronze.copied:error');
      await expect(ingestFile(k, 'orders', await k.file('b.csv', csv(2, '13')))).rejects.toThrow();
      armFaults(undefined);
      const [object] = (await k.storage.list('bronze/orders/')).map((o) => o.key).filter((key) => key.endsWith('/b.csv'));
      const g = { lake: k.dir, schemas: join(k.root, 'schemas') };
      const young = await runCommand(doctorCommand, g, []);
      expect(young.stdout).toMatch(/runs\.orders +note +1 object in bronze that no run has read yet \(written in the last hour: a run may still be going\), e\.g\. \S+\/bronze\/orders\/_objects\/[0-9a-f]{32}\/b\.csv\n +way back: if no run is going, ingest it: strata ingest orders \S+\/b\.csv/);
      expect(young.code).toBe(0);
      const hoursAgo = new Date(Date.now() - 2 * 3600_000);
      // (LocalStorage.list takes the newer of a file's time and its folder's.)
      for (const f of [object!, object!.slice(0, object!.lastIndexOf('/'))]) await utimes(join(k.dir, f), hoursAgo, hoursAgo);
      const old = await runCommand(doctorCommand, g, []);
      expect(old.stdout).toMatch(/runs\.orders +PROBLEM +1 object in bronze that no run has read, over an hour old \(a put or an upload stopped before its run started\): its rows are in neither silver nor quarantine/);
      expect(old.code).toBe(1);
      const path = /ingest it: strata ingest orders (\S+)/.exec(old.stdout)![1]!;
      expect((await k.ingest('orders', path)).record.status).toBe('SUCCEEDED');
      const whole = await runCommand(doctorCommand, g, []);
      expect(whole.stdout).not.toMatch(/no run has read/);
      expect(whole.code).toBe(0);
      expect(await k.query(`SELECT order_id FROM silver.orders ORDER BY 1`)).toEqual([{ order_id: 1 }, { order_id: 2 }]);
    } finally {
      armFaults(undefined);
      await k.cleanup();
    }
  });
});

// strata doctor on a table whose folder was deleted (as the way back of a table started over says, "delete that
// folder"): the catalog still showed its files, every query of it failed on a missing file, and doctor said "ok empty"
// (newcomer's trial, stop 48). Now a problem; --repair takes the table out of the catalog (its entry kept aside), and
// the next ingest starts it over; the run before is a note (doctor --repair relabelled it SKIPPED).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { doctor } from '../cli/commands/doctor.ts';
import { runCommand } from './helpers/cli.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterEach(async () => { await lake?.cleanup(); lake = undefined; });

const SCHEMA = 'dataset: v\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n';

/** A lake of dataset v (and `gold`) with one run of two rows, then `folder` deleted: the doctor's options and its first look. */
async function deleted(folder: string, gold = '') {
  lake = await makeLake({ v: SCHEMA + gold });
  await lake.ingest('v', await lake.file('a.csv', 'id\n1\n2\n'));
  rmSync(join(lake.dir, folder), { recursive: true });
  const g = { lake: lake.dir, schemas: join(lake.root, 'schemas') };
  return { l: lake, g, found: await runCommand(doctor, g, []) };
}

describe('strata doctor: a table whose folder is gone', () => {
  it('is a problem while the catalog shows it; --repair takes it out of the catalog, and the next ingest starts it over', async () => {
    const { l, g, found } = await deleted('silver/v');
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/silver\.v .*the catalog shows 1 partition of it \(version 1\), but its folder .* holds neither a manifest nor data: it was deleted or moved/);
    const repaired = await runCommand(doctor, g, [], { repair: true });
    expect(repaired.stdout).toMatch(/took silver\.v out of the catalog \(its entry is .*silver\.v\.json\.gone-\d{8}T\d{9}Z\)/);
    expect(readdirSync(join(l.dir, '_strata', 'catalog', 'tables')).some((f) => f.startsWith('silver.v.json.gone-'))).toBe(true);
    expect((await runCommand(doctor, g, [])).code).toBe(0);
    // catalog.duckdb no longer shows it either, before the next ingest: a query says the table is not there, never a
    // missing file, and strata.* hold none of it (newcomer's trial, stop 49: the view over the deleted files stayed,
    // every query failed on a missing file, and doctor said "no problems").
    await expect(l.query('SELECT count(*) FROM silver.v')).rejects.toThrow(/Table with name v does not exist/);
    for (const t of ['tables', 'partitions', 'history', 'schema_history']) {
      expect(await l.query(`SELECT count(*)::INT AS n FROM strata.${t} WHERE layer = 'silver' AND table_name = 'v'`), t).toEqual([{ n: 0 }]);
    }
    expect(await l.catalog.pending()).toEqual([]);

    // Started over: the same object again is a new commit, and the table reads.
    expect((await l.ingest('v', await l.file('a.csv', 'id\n1\n2\n'))).record.status).toBe('SUCCEEDED');
    expect(existsSync(join(l.dir, 'silver', 'v'))).toBe(true);
    expect(await l.query('SELECT count(*)::INT AS n FROM silver.v')).toEqual([{ n: 2 }]);
    // The first run committed to the table before it started over: a note, not a run that "committed nothing".
    const after = await runCommand(doctor, g, []);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/1 run recorded SUCCEEDED before silver\.v started over at run \S+ \(its folder deleted or moved\)/);
  });
  it('a table view no catalog entry names is dropped from catalog.duckdb even when materialized.json is lost (a second attack, stop 49)', async () => {
    const { l } = await deleted('silver/v');
    // Taken out of the catalog by hand (as --repair does), and the record of what catalog.duckdb shows lost with it.
    rmSync(join(l.dir, '_strata', 'catalog', 'tables', 'silver.v.json'));
    rmSync(join(l.dir, '_strata', 'catalog', 'materialized.json'));
    await expect(l.query('SELECT count(*) FROM silver.v')).rejects.toThrow(/Table with name v does not exist/);
    expect(await l.query(`SELECT count(*)::INT AS n FROM strata.tables WHERE table_name = 'v' AND layer = 'silver'`)).toEqual([{ n: 0 }]);
  });

  it('the same when materialized.json is older than catalog.duckdb (a writer stopped between its swap and writing it)', async () => {
    lake = await makeLake({ a: SCHEMA.replace('dataset: v', 'dataset: a'), v: SCHEMA });
    const l = lake;
    await l.ingest('a', await l.file('a.csv', 'id\n1\n'));
    const older = readFileSync(join(l.dir, '_strata', 'catalog', 'materialized.json'), 'utf8');
    await l.ingest('v', await l.file('v.csv', 'id\n1\n'));
    expect(await l.query('SELECT count(*)::INT AS n FROM silver.v')).toEqual([{ n: 1 }]);
    // The catch-up that showed silver.v swapped catalog.duckdb in and stopped before recording it; then v's entry went.
    writeFileSync(join(l.dir, '_strata', 'catalog', 'materialized.json'), older);
    rmSync(join(l.dir, '_strata', 'catalog', 'tables', 'silver.v.json'));
    await expect(l.query('SELECT count(*) FROM silver.v')).rejects.toThrow(/Table with name v does not exist/);
    expect(await l.query('SELECT count(*)::INT AS n FROM silver.a')).toEqual([{ n: 1 }]);
  });

  it('a gold table whose folder is gone is one problem, not also "never published" (an attack, stop 48: it was said twice)', async () => {
    const { l, g, found } = await deleted('gold/g', 'gold:\n  - table: g\n    sql: SELECT count(*) AS n FROM silver.v\n    refresh: full\n');
    expect(found.code).toBe(1);
    expect(found.stdout.split('\n').filter((l) => /^\s+gold\.g\s/.test(l))).toEqual([expect.stringMatching(/gold\.g\s+PROBLEM\s+the catalog shows 1 partition of it/)]);
    expect(found.stdout).not.toMatch(/never published/);
    await runCommand(doctor, g, [], { repair: true });
    expect(await l.query('SELECT n FROM gold.g')).toEqual([{ n: 2 }]);
  });
});

describe('strata doctor: a table no schema file defines any more (newcomer\'s trial, stop 50: "no problems" while it went stale)', () => {
  it('is a note naming it and the way back, with no repair (it may be another project\'s); nothing is said while a schema file has errors', async () => {
    const gold = 'gold:\n  - table: g\n    refresh: full\n    sql: SELECT count(*) AS n FROM silver.v\n';
    lake = await makeLake({ v: SCHEMA + gold });
    await lake.ingest('v', await lake.file('a.csv', 'id\n1\n2\n'));
    writeFileSync(join(lake.root, 'schemas', 'v.yaml'), SCHEMA); // the gold table removed from the schema file
    const g = { lake: lake.dir, schemas: join(lake.root, 'schemas') };
    const found = await runCommand(doctor, g, []);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/gold\.g +note +no schema file of this project defines it, yet the catalog shows it \(version 1\): readers see its last rows, and no run refreshes it, so it goes stale unseen/);
    const repaired = await runCommand(doctor, g, [], { repair: true });
    expect(repaired.stdout).not.toMatch(/took gold\.g/);
    expect(await lake.query('SELECT n FROM gold.g')).toEqual([{ n: 2 }]); // still shown: nothing taken away
    // A schema file with an error (an attack, stop 50: a repair took the live silver.v out of the catalog).
    writeFileSync(join(lake.root, 'schemas', 'v.yaml'), SCHEMA.replace('required: true', 'required: true, bogus: 1'));
    const typo = await runCommand(doctor, g, [], { repair: true });
    expect(typo.stdout).not.toMatch(/no schema file of this project defines it/);
    expect(await lake.query('SELECT count(*)::INT AS n FROM silver.v')).toEqual([{ n: 2 }]);
  });
});

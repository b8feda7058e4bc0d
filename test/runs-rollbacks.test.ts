// strata runs and rollbacks: a run shows as rolled back only when its dataset's silver table was rolled back past it;
// a gold table's rollback undoes what runs published to it, and their rows stay in silver (newcomer's trial, stop 48:
// such runs showed "SUCCEEDED, rolled back"). A rollback listed by strata runs is shown by strata runs <its id> (it
// said "no run … in this lake").
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runs } from '../cli/commands/runs.ts';
import { rollback } from '../workflows/maintenance.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { runCommand } from './helpers/cli.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterEach(async () => { await lake?.cleanup(); lake = undefined; });

const SCHEMA = 'dataset: s\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n'
  + 'gold:\n  - table: g\n    sql: SELECT count(*) AS n FROM silver.s\n    refresh: full\n';

describe('strata runs after rollbacks', () => {
  it('a gold rollback marks no run rolled back; a silver rollback marks the runs it undid; strata runs <rollback id> shows the rollback', async () => {
    lake = await makeLake({ s: SCHEMA });
    const r1 = (await lake.ingest('s', await lake.file('a.csv', 'id\n1\n'))).record.runId;
    const r2 = (await lake.ingest('s', await lake.file('b.csv', 'id\n2\n'))).record.runId;
    const opened = await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') });
    const g = await rollback(opened, 'g', r1);
    const list = async () => JSON.parse((await runCommand(runs, { lake: lake!.dir, schemas: join(lake!.root, 'schemas'), json: true }, [])).stdout) as Array<{ runId: string; rolledBackBy?: string }>;
    expect((await list()).find((r) => r.runId === r2)!.rolledBackBy).toBeUndefined(); // its row is still in silver.s
    expect(await lake.query('SELECT count(*)::INT AS n FROM silver.s')).toEqual([{ n: 2 }]);
    const shown = await runCommand(runs, { lake: lake.dir, schemas: join(lake.root, 'schemas') }, [g.runId]);
    expect(shown).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^ROLLBACK ${g.runId} of gold\\.g to run ${r1} at \\S+: 1 partition changed\\n$`)) });
    // A typo gets the nearest name, as ingest and refresh say it.
    await expect(rollback(opened, 'gg', r1)).rejects.toMatchObject({ name: 'Strata.UnknownDataset', message: 'no dataset or gold table named "gg": did you mean "g"?' });
    const s = await rollback(opened, 's', r1);
    expect((await list()).find((r) => r.runId === r2)!.rolledBackBy).toBe(s.runId);
    expect((await runCommand(runs, { lake: lake.dir, schemas: join(lake.root, 'schemas') }, [s.runId])).stdout).toMatch(new RegExp(`of silver\\.s to run ${r1} .*; it undid run ${r2}\\n$`));
  });
  it('a later rollback to a run after an earlier rollback\'s target brings the runs between back: they are not marked (an attack, stop 48)', async () => {
    lake = await makeLake({ s: SCHEMA });
    const ing = async (f: string, id: number) => (await lake!.ingest('s', await lake!.file(f, `id\n${id}\n`))).record.runId;
    const a = await ing('a.csv', 1);
    const b = await ing('b.csv', 2);
    const c = await ing('c.csv', 3);
    const opened = await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') });
    await rollback(opened, 's', a);
    const d = await ing('d.csv', 4);
    const back = await rollback(opened, 's', c);
    expect((await lake.query<{ id: number }>('SELECT id FROM silver.s ORDER BY id')).map((r) => r.id)).toEqual([1, 2, 3]);
    const json = JSON.parse((await runCommand(runs, { lake: lake.dir, schemas: join(lake.root, 'schemas'), json: true }, [])).stdout) as Array<{ runId: string; rolledBackBy?: string }>;
    const marked = Object.fromEntries(json.map((r) => [r.runId, r.rolledBackBy ?? null]));
    expect([marked[a], marked[b], marked[c], marked[d]]).toEqual([null, null, null, back.runId]);
  });
});

// strata demo --lake DIR deletes nothing strata did not create: it builds only in a new or empty folder or over a demo
// lake it marked, and in a demo lake it clears only what strata writes into a lake. Every folder here is a temporary
// one (a broken prepareDemoLake pointed at the project folder would empty it).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_MARKER, prepareDemoLake } from '../cli/commands/demo.ts';

const exec = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => { while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true }); });
async function folder(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'strata-demo-'));
  dirs.push(d);
  return d;
}

/** strata demo in `cwd`, with the project's example schemas. */
const demo = (cwd: string, lake: string) => exec(process.execPath, [resolve('cli/strata.ts'), 'demo', '--lake', lake, '--schemas', resolve('schemas')], { cwd }).then(
  (x) => ({ code: 0, ...x }), (e: { code: number; stdout: string; stderr: string }) => e);

describe('strata demo --lake', () => {
  it('a folder that is not empty and not a demo lake is refused, through the command, and nothing in it or beside it changes', async () => {
    const parent = await folder();
    const d = join(parent, 'lake');
    await mkdir(join(d, 'silver'), { recursive: true });
    await writeFile(join(d, 'notes.txt'), 'mine');
    await writeFile(join(d, 'silver', 'real.parquet'), 'a real lake');
    const r = await demo(parent, d);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${d} is not empty and is not a demo lake (those hold ${DEMO_MARKER})`);
    expect(readdirSync(d).sort()).toEqual(['notes.txt', 'silver']);
    expect(await readFile(join(d, 'silver', 'real.parquet'), 'utf8')).toBe('a real lake');
    expect(readdirSync(parent)).toEqual(['lake']); // no demo inputs written next to it
  });

  it('--lake . in a folder with files is refused; so is a file', async () => {
    const d = await folder();
    await writeFile(join(d, 'f'), 'x');
    const r = await demo(d, '.');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${d} is not empty and is not a demo lake`);
    expect(await prepareDemoLake(join(d, 'f'))).toEqual({ ok: false, reason: `${join(d, 'f')} is a file, not a folder: choose another --lake` });
    expect(readdirSync(d)).toEqual(['f']);
    expect(await readFile(join(d, 'f'), 'utf8')).toBe('x');
  });

  it('a new or empty folder is created and marked', async () => {
    const d = await folder();
    expect(await prepareDemoLake(join(d, 'new', 'lake'))).toEqual({ ok: true });
    expect(readdirSync(join(d, 'new', 'lake', '_strata'))).toEqual(['demo.json']);
    const empty = await folder();
    expect(await prepareDemoLake(empty)).toEqual({ ok: true });
    expect(existsSync(join(empty, DEMO_MARKER))).toBe(true);
  });

  it('a demo lake that holds a dataset the demo did not make is refused, and nothing in it changes (newcomer\'s trial, stop 48: the tour\'s STRATA_LAKE invites one, and the rebuild deleted it)', async () => {
    const d = await folder();
    expect(await prepareDemoLake(d)).toEqual({ ok: true });
    for (const f of ['bronze/flights/a', 'silver/flights/b', 'gold/daily/c', 'bronze/birds/d', 'silver/birds/e', '_strata/runs/birds/r.json']) {
      await mkdir(join(d, f, '..'), { recursive: true });
      await writeFile(join(d, f), 'x');
    }
    const r = await prepareDemoLake(d, { datasets: ['flights'], tables: ['daily'] });
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/is a demo lake that holds tables the demo did not make \(bronze\/birds, silver\/birds, _strata\/runs\/birds\): strata demo rebuilds its lake and would delete them\. Ingest birds into a lake of their own/) });
    expect(readdirSync(join(d, 'silver')).sort()).toEqual(['birds', 'flights']);
    // Its own tables alone: rebuilt.
    await rm(join(d, 'bronze', 'birds'), { recursive: true });
    await rm(join(d, 'silver', 'birds'), { recursive: true });
    await rm(join(d, '_strata', 'runs'), { recursive: true });
    // An empty folder of another dataset (strata dev makes bronze/<dataset>/ for each schema file, as the tour runs it)
    // holds nothing of the user's (an attack, stop 48: the tour's last strata demo was refused).
    await mkdir(join(d, 'bronze', 'birds'), { recursive: true });
    expect(await prepareDemoLake(d, { datasets: ['flights'], tables: ['daily'] })).toEqual({ ok: true });
    expect(existsSync(join(d, 'silver'))).toBe(false);
  });

  it('a demo lake loses only what strata writes into a lake; a file of the user\'s in it stays', async () => {
    const d = await folder();
    expect(await prepareDemoLake(d)).toEqual({ ok: true });
    for (const layer of ['bronze', 'silver', 'gold', 'quarantine', 'staging', '_strata/runs']) {
      await mkdir(join(d, layer), { recursive: true });
      await writeFile(join(d, layer, 'x'), 'strata');
    }
    for (const f of ['catalog.duckdb', 'catalog.duckdb.wal', 'catalog.duckdb.lock', 'mine.txt']) await writeFile(join(d, f), 'x');
    await mkdir(join(d, 'my-notes'));
    await writeFile(join(d, 'my-notes', 'a.md'), 'keep me');
    expect(await prepareDemoLake(d)).toEqual({ ok: true });
    expect(readdirSync(d).sort()).toEqual(['_strata', 'mine.txt', 'my-notes']);
    expect(readdirSync(join(d, '_strata'))).toEqual(['demo.json']);
    expect(await readFile(join(d, 'my-notes', 'a.md'), 'utf8')).toBe('keep me');
  });
});

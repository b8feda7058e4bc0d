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

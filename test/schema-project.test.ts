// A project of schema files, schema layer only (core/schema/project.ts, without the quality and gold checks that
// core/project.ts registers): file names, names unique across files, checks registered by later layers and how they
// see files with errors (drafts), the runnable part of a project. Pure apart from one temporary folder.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostic, type Diagnostic } from '../core/schema/diagnostics.ts';
import {
  checkProject, checkProjectAsync, loadProject, registerAsyncProjectCheck, registerProjectCheck, runnableProject, type LoadedSchema,
} from '../core/schema/project.ts';

const schema = (dataset: string, extra = '') => `dataset: ${dataset}\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint }\n${extra}`;
const gold = (table: string) => `gold:\n  - table: ${table}\n    sql: SELECT 1 AS x\n`;
const lines = (ds: readonly Diagnostic[]) => ds.map(formatDiagnostic);

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

describe('a project of schema files', () => {
  it('the file is named after its dataset', () => {
    const p = checkProject([{ file: 'schemas/a.yaml', text: schema('b') }, { file: 'schemas/c.yml', text: schema('c') }]);
    expect(lines(p.diagnostics)).toEqual(['schemas/a.yaml:1:10: dataset "b" is in a file named a.yaml (fix: rename the file to b.yaml or the dataset to a)']);
    expect(p.schemas.map((s) => [s.file, s.spec.dataset])).toEqual([['schemas/a.yaml', 'b'], ['schemas/c.yml', 'c']]);
  });

  it('a dataset and a gold table are defined once across files', () => {
    const p = checkProject([
      { file: 'x/orders.yaml', text: schema('orders', gold('daily')) },
      { file: 'y/orders.yaml', text: schema('orders') },
      { file: 'x/items.yaml', text: schema('items', gold('daily')) },
    ]);
    expect(lines(p.diagnostics)).toEqual([
      'y/orders.yaml:1:10: dataset "orders" is also defined in x/orders.yaml (fix: give each dataset its own name)',
      'x/items.yaml:6:12: gold table "daily" is also defined in x/orders.yaml (fix: give each gold table its own name)',
    ]);
    expect(p.files.map((f) => f.file)).toEqual(['x/orders.yaml', 'y/orders.yaml', 'x/items.yaml']);
  });

  it("a gold table twice in one file is that file's own error, not one across files", () => {
    const p = checkProject([{ file: 'a.yaml', text: schema('a', `${gold('g')}  - table: g\n    sql: SELECT 2 AS y\n`) }]);
    expect(lines(p.diagnostics)).toEqual(['a.yaml:8:12: duplicate gold table "g" (fix: give each gold table its own name)']);
  });

  it('a file with errors is not a schema, and its errors come first, in file order', () => {
    const p = checkProject([{ file: 'a.yaml', text: schema('a') }, { file: 'b.yaml', text: 'dataset: b\nsource: { format: csv }\ncolumns:\n  - { name: id, type: money }\n' }]);
    expect(p.schemas.map((s) => s.spec.dataset)).toEqual(['a']);
    expect(lines(p.diagnostics)).toEqual([expect.stringMatching(/^b\.yaml:4:23: unknown type "money"/)]);
    // YAML that does not parse has no draft: nothing but its syntax error
    const q = checkProject([{ file: 'c.yaml', text: 'dataset: [c\n' }]);
    expect(q.schemas).toEqual([]);
    expect(q.diagnostics).toHaveLength(1);
  });
});

describe('checks of later layers', () => {
  it('run once however often registered; see drafts; fall back to the valid files when a draft makes them throw', async () => {
    // registered for the rest of this file: active in this test only
    let active = true;
    const seen: string[][] = [];
    const check = (schemas: readonly LoadedSchema[]): Diagnostic[] => {
      if (!active) return [];
      seen.push(schemas.map((s) => s.spec.dataset));
      if (schemas.some((s) => s.spec.columns.some((c) => c.typeText === 'money'))) throw new Error('cannot plan a draft');
      return schemas.map((s) => s.source.diagnostic(['columns', 0, 'name'], `checked ${s.spec.dataset}`, undefined, { severity: 'warning' }));
    };
    registerProjectCheck(check);
    registerProjectCheck(check);
    const good = { file: 'a.yaml', text: schema('a') };
    const draft = { file: 'b.yaml', text: 'dataset: b\nsource: { format: csv }\ncolumns:\n  - { name: id, type: string, requried: true }\n' };
    const broken = { file: 'c.yaml', text: 'dataset: c\nsource: { format: csv }\ncolumns:\n  - { name: id, type: money }\n' };

    expect(lines(checkProject([good]).diagnostics)).toEqual(['a.yaml:4:13: warning: checked a']);
    expect(seen).toEqual([['a']]);
    seen.length = 0;
    // a draft (an unknown key) is checked with the rest
    expect(lines(checkProject([good, draft]).diagnostics)).toEqual([
      'b.yaml:4:31: unknown key "requried" in columns.0 (fix: did you mean "required"?)', 'a.yaml:4:13: warning: checked a', 'b.yaml:4:13: warning: checked b',
    ]);
    expect(seen).toEqual([['a', 'b']]);
    seen.length = 0;
    // a draft the check cannot handle: the check runs again over the valid files alone
    expect(lines(checkProject([good, broken]).diagnostics)).toEqual([expect.stringMatching(/^c\.yaml:4:23: unknown type "money"/), 'a.yaml:4:13: warning: checked a']);
    expect(seen).toEqual([['a', 'c'], ['a']]);

    const asyncSeen: string[][] = [];
    const asyncCheck = async (schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> => {
      if (!active) return [];
      asyncSeen.push(schemas.map((s) => s.spec.dataset));
      if (schemas.some((s) => s.spec.dataset === 'c')) throw new Error('no engine for a draft');
      return schemas.map((s) => s.source.diagnostic(['dataset'], `bound ${s.spec.dataset}`, 'nothing', { severity: 'warning' }));
    };
    registerAsyncProjectCheck(asyncCheck);
    registerAsyncProjectCheck(asyncCheck);
    seen.length = 0;
    const p = await checkProjectAsync([good, broken]);
    expect(asyncSeen).toEqual([['a', 'c'], ['a']]);
    expect(lines(p.diagnostics).slice(1)).toEqual(['a.yaml:4:13: warning: checked a', 'a.yaml:1:10: warning: bound a (fix: nothing)']);
    // the synchronous checkProject runs no async check
    asyncSeen.length = 0;
    checkProject([good]);
    expect(asyncSeen).toEqual([]);
    active = false;
  });
});

describe('loading a folder and the runnable part of a project', () => {
  it('loadProject reads the .yaml and .yml files of a folder in name order, named relative to cwd', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-schema-project-'));
    dirs.push(dir);
    await writeFile(join(dir, 'b.yml'), schema('b'));
    await writeFile(join(dir, 'a.yaml'), schema('a'));
    await writeFile(join(dir, 'notes.txt'), 'not a schema');
    await writeFile(join(dir, 'c.yaml.bak'), schema('c'));
    const p = await loadProject(dir, dir);
    expect(p.files.map((f) => f.file)).toEqual(['a.yaml', 'b.yml']);
    expect(p.schemas.map((s) => s.spec.dataset)).toEqual(['a', 'b']);
    const q = await loadProject(dir, tmpdir());
    expect(q.files.map((f) => f.file)).toEqual([relative(tmpdir(), join(dir, 'a.yaml')), relative(tmpdir(), join(dir, 'b.yml'))]);
  });

  it('a missing folder is one diagnostic naming it, with no place in a file; a folder of that name above is offered', async () => {
    const p = await loadProject('/no/such/schemas', '/no');
    expect(p).toEqual({ schemas: [], files: [], diagnostics: [{ file: 'such/schemas', line: 0, column: 0, severity: 'error',
      message: 'schema folder /no/such/schemas does not exist', fix: 'create it, or pass --schemas <folder>' }] });
    expect(formatDiagnostic(p.diagnostics[0]!)).toBe('such/schemas: schema folder /no/such/schemas does not exist (fix: create it, or pass --schemas <folder>)');
    expect((await loadProject('/no/such/schemas', '/no/such/schemas')).diagnostics[0]!.file).toBe('/no/such/schemas');
    // Run from below the project's folder (newcomer's trial, stop 50: "schemas:1:1: … does not exist" and no more).
    const project = await mkdtemp(join(tmpdir(), 'strata-above-'));
    await mkdir(join(project, 'schemas'));
    await mkdir(join(project, 'sub', 'deeper'), { recursive: true });
    const below = await loadProject(join(project, 'sub', 'deeper', 'schemas'), join(project, 'sub', 'deeper'));
    expect(below.diagnostics[0]!.fix).toBe(`run strata from ${project}, the folder holding schemas/, or pass --schemas ${join(project, 'schemas')}`);
    await rm(project, { recursive: true, force: true });
  });

  it('runnableProject leaves out the files with errors and says why; a project without errors is itself', async () => {
    const clean = await checkProjectAsync([{ file: 'a.yaml', text: schema('a') }]);
    const same = await runnableProject(clean);
    expect(same.project).toBe(clean);
    expect(same.excluded).toEqual([]);

    const p = await checkProjectAsync([
      { file: 's/a.yaml', text: schema('a') },
      { file: 's/b.yaml', text: 'dataset: b\nsource: { format: csv }\ncolumns:\n  - { name: id, type: money }\n' },
      { file: 's/c.yaml', text: schema('c', 'partitionBy:\n  - { name: p, column: id }\n') }, // a warning only
    ]);
    const r = await runnableProject(p);
    expect(r.project.schemas.map((s) => s.spec.dataset)).toEqual(['a', 'c']);
    expect(r.project.files.map((f) => f.file)).toEqual(['s/a.yaml', 's/c.yaml']);
    expect(r.excluded.map((x) => [x.dataset, x.file, lines(x.diagnostics)])).toEqual([
      ['b', 's/b.yaml', [expect.stringMatching(/^s\/b\.yaml:4:23: unknown type "money"/)]],
    ]);

    // two files with errors in one round: each is excluded with its own diagnostics only
    const two = await runnableProject(await checkProjectAsync([
      { file: 'a.yaml', text: schema('a') }, { file: 'b.yaml', text: 'dataset: b\ncolumns: []\n' }, { file: 'c.yaml', text: 'dataset: c\ncolumns: []\n' }]));
    expect(two.excluded.map((x) => [x.dataset, x.diagnostics.map((d) => d.file)])).toEqual([['b', ['b.yaml', 'b.yaml']], ['c', ['c.yaml', 'c.yaml']]]); // a missing source and an empty column list each
    // an error in no file of the project: nothing can be left out to fix it, so nothing runs
    const ghost = { file: 'ghost.yaml', line: 1, column: 1, severity: 'error' as const, message: 'elsewhere' };
    const stuck = await runnableProject({ schemas: clean.schemas, diagnostics: [ghost], files: clean.files });
    expect(stuck).toEqual({ project: { schemas: [], diagnostics: [ghost], files: [] }, excluded: [] });

    const none = await runnableProject(await checkProjectAsync([{ file: 'b.yaml', text: 'dataset: b\ncolumns: []\n' }]));
    expect(none.project.schemas).toEqual([]);
    expect(none.project.files).toEqual([]);
    expect(none.excluded.map((x) => x.dataset)).toEqual(['b']);
  });
});

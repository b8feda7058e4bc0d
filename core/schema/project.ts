// All schema files of a project: loaded, checked one by one, then checked against each other.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import type { Diagnostic } from './diagnostics.ts';
import { loadSchemaText, type LoadResult } from './load.ts';
import type { DatasetSpec } from './model.ts';
import type { YamlSource } from './yaml-source.ts';

export interface LoadedSchema {
  file: string;
  spec: DatasetSpec;
  source: YamlSource;
}

export interface Project {
  /** The files that load without an error of their own, as specs. */
  schemas: LoadedSchema[];
  /** Every problem of every file: each file's own, then those found across files (quality rules, gold SQL). */
  diagnostics: Diagnostic[];
  /** The files as read, so that a part of the project can be checked again (runnableProject). */
  files: Array<{ file: string; text: string }>;
}

/** A check that needs an engine (gold SQL is bound by DuckDB); runs after the synchronous ones pass. */
export type AsyncProjectCheck = (schemas: readonly LoadedSchema[]) => Promise<Diagnostic[]>;

const asyncChecks: AsyncProjectCheck[] = [];

export function registerAsyncProjectCheck(check: AsyncProjectCheck): void {
  if (!asyncChecks.includes(check)) asyncChecks.push(check);
}

/** A check that needs every schema at once (cross-dataset references, gold dependencies, rules). */
export type ProjectCheck = (schemas: readonly LoadedSchema[]) => Diagnostic[];

const projectChecks: ProjectCheck[] = [uniqueNames];

/** Later layers (quality rules, gold SQL) add their checks here so `strata check` runs them all. */
export function registerProjectCheck(check: ProjectCheck): void {
  if (!projectChecks.includes(check)) projectChecks.push(check);
}

/**
 * Check schema files one by one, then across files. A file with errors of its own still takes part in the later
 * checks through its draft (LoadResult.draft), so one run reports every problem of every file; a check that cannot
 * handle a draft falls back to the files without errors.
 */
export function checkProject(files: Array<{ file: string; text: string }>): Project {
  const { schemas, drafts, diagnostics } = loadFiles(files);
  for (const check of projectChecks) diagnostics.push(...withDrafts(schemas, drafts, check));
  return { schemas, diagnostics, files };
}

function loadFiles(files: Array<{ file: string; text: string }>): { schemas: LoadedSchema[]; drafts: LoadedSchema[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const schemas: LoadedSchema[] = [];
  const drafts: LoadedSchema[] = [];
  for (const { file, text } of files) {
    const r: LoadResult = loadSchemaText(file, text);
    diagnostics.push(...r.diagnostics);
    const spec = r.spec ?? r.draft;
    if (!spec) continue;
    const stem = basename(file, extname(file));
    if (stem !== spec.dataset) {
      diagnostics.push(r.source.diagnostic(['dataset'], `dataset "${spec.dataset}" is in a file named ${basename(file)}`,
        `rename the file to ${spec.dataset}${extname(file)} or the dataset to ${stem}`));
    }
    (r.spec ? schemas : drafts).push({ file, spec, source: r.source });
  }
  return { schemas, drafts, diagnostics };
}

/** A check over the valid schemas and the drafts; over the valid ones alone if a draft makes it throw. */
function withDrafts<T>(schemas: LoadedSchema[], drafts: LoadedSchema[], check: (s: readonly LoadedSchema[]) => T): T {
  if (!drafts.length) return check(schemas);
  try {
    const r = check([...schemas, ...drafts]);
    return r instanceof Promise ? (r.catch(() => check(schemas)) as T) : r;
  } catch {
    return check(schemas);
  }
}

export async function loadProject(dir: string, cwd = process.cwd()): Promise<Project> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    // No line or column (0): the folder is no file (it was said as "schemas:1:1:"). A schemas/ folder above, where
    // the command was run from below the project's folder, is named (newcomer's trial, stop 50).
    const above = await folderAbove(dirname(dir), basename(dir));
    return { schemas: [], diagnostics: [{ file: relative(cwd, dir) || dir, line: 0, column: 0, severity: 'error',
      message: `schema folder ${dir} does not exist`,
      fix: above ? `run strata from ${dirname(above)}, the folder holding ${basename(dir)}/, or pass --schemas ${above}` : 'create it, or pass --schemas <folder>' }], files: [] };
  }
  const files = await Promise.all(names.map(async (n) => ({ file: relative(cwd, join(dir, n)) || n, text: await readFile(join(dir, n), 'utf8') })));
  return checkProjectAsync(files);
}

export async function checkProjectAsync(files: Array<{ file: string; text: string }>): Promise<Project> {
  const { schemas, drafts, diagnostics } = loadFiles(files);
  for (const check of projectChecks) diagnostics.push(...withDrafts(schemas, drafts, check));
  for (const check of asyncChecks) diagnostics.push(...(await withDrafts(schemas, drafts, check)));
  return { schemas, diagnostics, files };
}

/** A dataset left out of a runnable project: its file, and the errors that keep it out. */
export interface Excluded {
  dataset: string;
  file: string;
  diagnostics: Diagnostic[];
}

/**
 * The part of a project that can run: the datasets whose own file, and everything it reads (the silver tables its
 * gold SQL and quality rules name), check without error. A file with errors is left out, then the rest is checked
 * again, since it may read a dataset that was left out; until nothing more is. With no errors, `project` itself.
 */
export async function runnableProject(project: Project): Promise<{ project: Project; excluded: Excluded[] }> {
  const excluded: Excluded[] = [];
  let current = project;
  let files = project.files;
  while (current.diagnostics.some((d) => d.severity === 'error')) {
    const errors = current.diagnostics.filter((d) => d.severity === 'error');
    const bad = new Set(errors.map((d) => d.file));
    const kept = files.filter((f) => !bad.has(f.file));
    for (const f of files.filter((x) => bad.has(x.file))) {
      excluded.push({ dataset: basename(f.file, extname(f.file)), file: f.file, diagnostics: errors.filter((d) => d.file === f.file) });
    }
    if (kept.length === files.length) return { project: { schemas: [], diagnostics: current.diagnostics, files: [] }, excluded };
    files = kept;
    current = await checkProjectAsync(files);
  }
  return { project: current, excluded };
}

function uniqueNames(schemas: readonly LoadedSchema[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const datasets = new Map<string, string>();
  const gold = new Map<string, string>();
  for (const s of schemas) {
    const prev = datasets.get(s.spec.dataset);
    if (prev) out.push(s.source.diagnostic(['dataset'], `dataset "${s.spec.dataset}" is also defined in ${prev}`, 'give each dataset its own name'));
    datasets.set(s.spec.dataset, s.file);
    s.spec.gold.forEach((g, i) => {
      const where = gold.get(g.table);
      if (where && where !== s.file) out.push(s.source.diagnostic(['gold', i, 'table'], `gold table "${g.table}" is also defined in ${where}`, 'give each gold table its own name'));
      gold.set(g.table, s.file);
    });
  }
  return out;
}

/** The nearest folder named `name` in `from` or a folder above it; undefined when there is none. */
async function folderAbove(from: string, name: string): Promise<string | undefined> {
  for (let d = from; ; d = dirname(d)) {
    const candidate = join(d, name);
    if (await stat(candidate).then((s) => s.isDirectory(), () => false)) return candidate;
    if (dirname(d) === d) return undefined;
  }
}

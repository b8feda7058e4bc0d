// All schema files of a project: loaded, checked one by one, then checked against each other.
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
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
  schemas: LoadedSchema[];
  diagnostics: Diagnostic[];
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

export function checkProject(files: Array<{ file: string; text: string }>): Project {
  const diagnostics: Diagnostic[] = [];
  const schemas: LoadedSchema[] = [];
  for (const { file, text } of files) {
    const r: LoadResult = loadSchemaText(file, text);
    diagnostics.push(...r.diagnostics);
    if (!r.spec) continue;
    const stem = basename(file, extname(file));
    if (stem !== r.spec.dataset) {
      diagnostics.push(r.source.diagnostic(['dataset'], `dataset "${r.spec.dataset}" is in a file named ${basename(file)}`,
        `rename the file to ${r.spec.dataset}${extname(file)} or the dataset to ${stem}`));
    }
    schemas.push({ file, spec: r.spec, source: r.source });
  }
  for (const check of projectChecks) diagnostics.push(...check(schemas));
  return { schemas, diagnostics };
}

export async function loadProject(dir: string, cwd = process.cwd()): Promise<Project> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    return { schemas: [], diagnostics: [{ file: relative(cwd, dir) || dir, line: 1, column: 1, severity: 'error',
      message: `schema folder ${dir} does not exist`, fix: 'create it, or pass --schemas <folder>' }] };
  }
  const files = await Promise.all(names.map(async (n) => ({ file: relative(cwd, join(dir, n)) || n, text: await readFile(join(dir, n), 'utf8') })));
  return checkProjectAsync(files);
}

export async function checkProjectAsync(files: Array<{ file: string; text: string }>): Promise<Project> {
  const project = checkProject(files);
  if (project.diagnostics.some((d) => d.severity === 'error')) return project;
  for (const check of asyncChecks) project.diagnostics.push(...(await check(project.schemas)));
  return project;
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

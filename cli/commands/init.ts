// strata init <dataset> --from <sample>: draft schemas/<dataset>.yaml from a sample file.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { findPackageJSON } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { withDuck } from '../../runtime/engine/duckdb.ts';
import { loadSchemaText } from '../../core/schema/load.ts';
import { formatDiagnostic } from '../../core/schema/diagnostics.ts';
import { inferSchema, leftOut, renderSchemaYaml } from '../../runtime/schema/infer.ts';
import { snakeCase } from '../../core/text.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import type { Command } from '../command.ts';
import { out, plural, shellWord, UsageError } from '../output.ts';

export const init: Command = {
  usage: 'strata init <dataset> --from <sample file> [--force]',
  options: {
    from: { type: 'string', description: 'sample file (csv, tsv, json, jsonl, parquet; .gz/.zst too)' },
    force: { type: 'boolean', description: 'overwrite an existing schema file' },
  },
  async run({ positionals, values, global }) {
    const given = positionals[0];
    const sample = values.from as string | undefined;
    if (!given || !sample) {
      throw new UsageError('usage: strata init <dataset> --from <sample file>');
    }
    // A name like la-riots or LaRiots is written as the lower_snake_case name a dataset must have, and said so.
    const dataset = /^[a-z][a-z0-9_]{0,62}$/.test(given) ? given : snakeCase(given);
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(dataset)) {
      throw new UsageError(`dataset "${given}" must be lower_snake_case (a lowercase letter, then lowercase letters, digits or _)`);
    }
    if (!existsSync(sample)) {
      throw new UsageError(`${sample}: no such file`);
    }
    const dir = resolve(global.schemas ?? 'schemas');
    const target = join(dir, `${dataset}.yaml`);
    if (existsSync(target) && !values.force) {
      throw new StrataError(ERRORS.InvalidInput, `${target} exists; pass --force to overwrite it`);
    }
    const inferred = await withDuck((db) => inferSchema(db, resolve(sample), dataset));
    // The editor's schema as found from where the draft is written (a project of its own has strata in node_modules).
    const jsonSchema = join(dirname(findPackageJSON(import.meta.url)!), 'core', 'schema', 'dataset.schema.json');
    const yaml = renderSchemaYaml(inferred, sample, relative(dir, jsonSchema).split(sep).join('/'));
    const check = loadSchemaText(target, yaml);
    await mkdir(dir, { recursive: true });
    await writeFile(target, yaml);
    const where = `${global.schemas ? ` --schemas ${shellWord(global.schemas)}` : ''}${global.lake ? ` --lake ${shellWord(global.lake)}` : ''}`;
    const human = [
      ...(dataset !== given ? [`dataset "${given}" is named ${dataset} (dataset names are lower_snake_case)`] : []),
      `wrote ${target}: ${plural(inferred.columns.filter((c) => !c.nested).length, 'column')} from ${plural(inferred.rows, 'sample row')} (${inferred.format})`,
      ...(inferred.note ? [`note: ${inferred.note}`] : []),
      ...leftOut(inferred).map((l) => `note: ${l}`),
      ...check.diagnostics.map(formatDiagnostic),
      // The folders given are given again (newcomer's trial, stop 50: the line, run as printed, found no schema).
      `next: edit it, then strata check${where} && strata ingest ${dataset} ${sample}${where}`,
    ].join('\n');
    out.result(human, { file: target, schema: inferred, diagnostics: check.diagnostics });
    return 0;
  },
};

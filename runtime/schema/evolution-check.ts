// strata check against a lake: each schema compared with the schema its silver table was last written with.
import type { Storage } from '../storage/port.ts';
import { compile } from '../../core/plan/compile.ts';
import { readManifest } from '../table/store.ts';
import type { Diagnostic } from '../../core/schema/diagnostics.ts';
import { compareSchemas, replay } from '../../core/schema/evolution.ts';
import { partitionValues } from '../table/manifest.ts';
import type { LoadedSchema } from '../../core/schema/project.ts';
import { plural } from '../../core/text.ts';
import { contradicted, silverContradictions, type SilverContradictions } from './silver-constraints.ts';

/**
 * Each schema against its silver table in the lake: a breaking change is an error, another change a warning; a new
 * column (no problem) is pushed to `notes`, if given, as what the next ingest applies (newcomer's trial, stop 46:
 * strata check said nothing of it). And what the schema file claims of the rows already there, counted with DuckDB
 * over the table's current files (silverContradictions): a required column holding NULLs (from the footers, whatever
 * was recorded), or a primary key held by more than one row (counted when the key claim changed since the table was
 * last written: narrowed, or upsert → append), is an error with the way back (an attack, stop 47: required: false →
 * true and a key narrowed from [id, region] to [id] checked clean); a repeated key in a table that recorded no key
 * claim, a warning. An unchanged key reads no data, only footers.
 */
export async function checkAgainstLake(schemas: readonly LoadedSchema[], storage: Storage, notes?: string[]): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const s of schemas) {
    const plan = compile(s.spec);
    // A manifest that cannot be read is this dataset's error; the other files are checked all the same.
    const read = await readManifest(storage, plan.prefixes.silver, plan).catch((e: unknown) => e as Error);
    if (read instanceof Error) {
      out.push(s.source.diagnostic(['dataset'], `silver.${plan.dataset}: its table in the lake cannot be compared: ${read.message.split('\n')[0]}`, 'strata doctor says what is wrong with it and the way back'));
      continue;
    }
    const { manifest } = read;
    if (!manifest.schema) continue;
    const required = new Set(s.spec.columns.filter((c) => c.required).map((c) => c.name));
    for (const change of compareSchemas(manifest.schema, plan.applied, required, partitionValues(manifest), plan.dataset)) {
      if (change.kind === 'added') {
        notes?.push(`silver.${plan.dataset}: ${change.message}, added at the next ingest (rows already in silver read it as NULL)`);
        continue;
      }
      const i = change.column ? s.spec.columns.findIndex((c) => c.name === change.column) : -1;
      const path = change.kind === 'repartitioned' ? ['partitionBy'] : change.kind === 'rekeyed' ? ['primaryKey'] : i >= 0 ? ['columns', i, change.kind === 'retyped' || change.kind === 'widened' ? 'type' : 'name'] : ['columns'];
      out.push(s.source.diagnostic(path, `silver.${plan.dataset}: ${change.message}`, change.migration, { severity: change.breaking ? 'error' : 'warning' }));
    }
    const found = await silverContradictions(storage, plan, manifest).catch((e: unknown) => e as Error);
    if (found instanceof Error) {
      out.push(s.source.diagnostic(['dataset'], `silver.${plan.dataset}: its rows cannot be checked against the schema file's required columns and primary key: ${found.message.split('\n')[0]}`, 'strata doctor says what is wrong with the table and the way back'));
    } else if (contradicted(found)) {
      out.push(...contradictionDiagnostics(s, found));
    }
  }
  return out;
}

/** The diagnostics of rows that contradict schema file `s`: at the column's required (or its key), at primaryKey. */
function contradictionDiagnostics(s: LoadedSchema, found: SilverContradictions): Diagnostic[] {
  const { dataset, columns, primaryKey, mode } = s.spec;
  const out: Diagnostic[] = [];
  // NULLs are counted from the files whatever was recorded (those of files written before a column was added are not
  // counted: compareSchemas allows them): an error. A key repeated in a table last written before it recorded its key
  // claim may be older than any edit: said, not refused.
  const severity = found.recorded ? 'error' as const : 'warning' as const;
  const older = found.recorded ? '' : ' (the table was last written before strata recorded its key, so this may predate the schema file\'s edit)';
  for (const n of found.nulls) {
    const i = columns.findIndex((c) => c.name === n.column);
    const inKey = primaryKey.includes(n.column);
    const was = `${plural(n.rows, 'row')} already in silver ${n.rows === 1 ? 'holds' : 'hold'} NULL in it (of ${plural(found.rows, 'row')})`;
    const back = inKey
      ? `take ${n.column} out of primaryKey (and keep required: false), or ${replay(dataset)} (rows without it go to quarantine)`
      : `keep required: false on ${n.column}${mode === 'upsert' ? `, or send those rows again with ${n.column} filled (an upsert replaces them by key) before requiring it` : ''}, or ${replay(dataset)} (rows without it go to quarantine)`;
    out.push(s.source.diagnostic(inKey && !s.source.doc.hasIn(['columns', i, 'required']) ? ['primaryKey', primaryKey.indexOf(n.column)] : ['columns', i, 'required'],
      `silver.${dataset}: column ${n.column} is ${inKey ? 'part of the primary key, so required' : 'required'}, but ${was}: readers would take the table for what its schema file says`, back, { severity: 'error' }));
  }
  const d = found.duplicates;
  if (d) {
    const within = mode === 'upsert' && s.spec.partitionBy.length ? ' within a partition' : '';
    out.push(s.source.diagnostic(['primaryKey'],
      `silver.${dataset}: primary key (${d.key.join(', ')}) is not unique in silver: ${plural(d.keys, 'key')}${within} ${d.keys === 1 ? 'is' : 'are'} held by more than one row (${plural(d.rows, 'row')} in all; e.g. ${d.example})`
      + (mode === 'upsert' ? ', and an upsert of such a key would replace all of its rows with one' : ', which every batch is checked against as unique')
      + older, `keep a primary key that tells those rows apart (such as the one they were written under), or ${replay(dataset)}`, { severity }));
  }
  return out;
}

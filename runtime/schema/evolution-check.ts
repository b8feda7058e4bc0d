// strata check against a lake: each schema compared with the schema its silver table was last written with.
import type { Storage } from '../storage/port.ts';
import { compile } from '../../core/plan/compile.ts';
import { readManifest } from '../table/store.ts';
import type { Diagnostic } from '../../core/schema/diagnostics.ts';
import { compareSchemas } from '../../core/schema/evolution.ts';
import { partitionValues } from '../table/manifest.ts';
import type { LoadedSchema } from '../../core/schema/project.ts';

/**
 * Each schema against its silver table in the lake: a breaking change is an error, another change a warning; a new
 * column (no problem) is pushed to `notes`, if given, as what the next ingest applies (newcomer's trial, stop 46:
 * strata check said nothing of it).
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
      const path = change.kind === 'repartitioned' ? ['partitionBy'] : i >= 0 ? ['columns', i, change.kind === 'retyped' || change.kind === 'widened' ? 'type' : 'name'] : ['columns'];
      out.push(s.source.diagnostic(path, `silver.${plan.dataset}: ${change.message}`, change.migration, { severity: change.breaking ? 'error' : 'warning' }));
    }
  }
  return out;
}

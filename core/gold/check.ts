// strata check for gold tables: analysis problems as file:line diagnostics pointing into the SQL block.
import { compile } from '../plan/compile.ts';
import type { Diagnostic } from '../schema/diagnostics.ts';
import { registerAsyncProjectCheck, type LoadedSchema } from '../schema/project.ts';
import { analyzeGold, type GoldIssue } from './analyze.ts';
import { at, checkGoldRules } from '../quality/check.ts';

export async function checkGold(schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> {
  if (!schemas.some((s) => s.spec.gold.length)) return [];
  const analysis = await analyzeGold(schemas.map((s) => compile(s.spec)));
  // A dataset whose partitionBy has errors of its own (reported at them) is loaded without partitions: a gold table
  // over it is not told "silver.x is not partitioned" besides (a misspelt partition column gave both: newcomer's
  // trial, stop 44).
  const lostPartitions = new Set(schemas.filter((s) => !s.spec.partitionBy.length && declaresPartitions(s)).map((s) => s.spec.dataset));
  const issues = analysis.issues.filter((i) => !(i.unpartitioned && lostPartitions.has(i.unpartitioned)));
  return [...issues.map((i) => toDiagnostic(schemas, i)), ...await checkGoldRules(schemas, analysis.plans)];
}

/** Whether the file declares partitions (partitionBy, a list with entries), whatever the loader kept of them. */
function declaresPartitions(s: LoadedSchema): boolean {
  const raw = s.source.toJS() as { partitionBy?: unknown } | null;
  return Array.isArray(raw?.partitionBy) && raw.partitionBy.length > 0;
}

function toDiagnostic(schemas: readonly LoadedSchema[], i: GoldIssue): Diagnostic {
  const s = schemas.find((x) => x.spec.dataset === i.owner)!;
  return at(s, ['gold', i.index, i.field], i.field === 'sql' ? i.offset : undefined, `gold table ${i.table}: ${i.message}`, i.fix);
}

registerAsyncProjectCheck(checkGold);

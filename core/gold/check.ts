// strata check for gold tables: analysis problems as file:line diagnostics pointing into the SQL block.
import { compile } from '../plan/compile.ts';
import type { Diagnostic } from '../schema/diagnostics.ts';
import { registerAsyncProjectCheck, type LoadedSchema } from '../schema/project.ts';
import { analyzeGold, type GoldIssue } from './analyze.ts';
import { at, checkGoldRules } from '../quality/check.ts';

export async function checkGold(schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> {
  if (!schemas.some((s) => s.spec.gold.length)) return [];
  const analysis = await analyzeGold(schemas.map((s) => compile(s.spec)));
  return [...analysis.issues.map((i) => toDiagnostic(schemas, i)), ...await checkGoldRules(schemas, analysis.plans)];
}

function toDiagnostic(schemas: readonly LoadedSchema[], i: GoldIssue): Diagnostic {
  const s = schemas.find((x) => x.spec.dataset === i.owner)!;
  return at(s, ['gold', i.index, i.field], i.field === 'sql' ? i.offset : undefined, `gold table ${i.table}: ${i.message}`, i.fix);
}

registerAsyncProjectCheck(checkGold);

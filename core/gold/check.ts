// strata check for gold tables: analysis problems as file:line diagnostics pointing into the SQL block.
import { compile } from '../plan/compile.ts';
import type { Diagnostic } from '../schema/diagnostics.ts';
import { registerAsyncProjectCheck, type LoadedSchema } from '../schema/project.ts';
import { isScalar, type Scalar } from 'yaml';
import { lineCol } from './ast.ts';
import { analyzeGold, type GoldIssue } from './analyze.ts';
import { checkGoldRules } from '../quality/check.ts';

export async function checkGold(schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> {
  if (!schemas.some((s) => s.spec.gold.length)) return [];
  const analysis = await analyzeGold(schemas.map((s) => compile(s.spec)));
  return [...analysis.issues.map((i) => toDiagnostic(schemas, i)), ...checkGoldRules(schemas, analysis.plans)];
}

function toDiagnostic(schemas: readonly LoadedSchema[], i: GoldIssue): Diagnostic {
  const s = schemas.find((x) => x.spec.dataset === i.owner)!;
  const path = ['gold', i.index, i.field];
  const d = s.source.diagnostic(path, `gold table ${i.table}: ${i.message}`, i.fix);
  if (i.field !== 'sql' || i.offset === undefined) return d;
  // Point at the line inside the SQL block: a block scalar (|) starts on the line after its indicator.
  const node = s.source.doc.getIn(path, true);
  const block = isScalar(node) && String((node as Scalar).type).startsWith('BLOCK');
  const at = lineCol(s.spec.gold[i.index]!.sql, i.offset);
  const line = d.line + (block ? at.line : at.line - 1);
  const indent = block ? (/^\s*/.exec(s.source.text.split('\n')[line - 1] ?? '')?.[0].length ?? 0) : d.column;
  return { ...d, line, column: indent + at.column };
}

registerAsyncProjectCheck(checkGold);

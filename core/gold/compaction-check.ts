// strata check for gold tables' compaction: sortBy must name columns of the table, which are known once its SQL is
// analysed (silver tables' sortBy is checked when the schema file loads: core/schema/streaming.ts).
import { compile } from '../plan/compile.ts';
import type { Diagnostic } from '../schema/diagnostics.ts';
import { registerAsyncProjectCheck, type LoadedSchema } from '../schema/project.ts';
import { sortByProblems } from '../schema/streaming.ts';
import { analyzeGold } from './analyze.ts';

export async function checkGoldCompaction(schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> {
  const sorted = schemas.flatMap((s) => s.spec.gold.map((g, i) => ({ s, g, i }))).filter(({ g }) => g.compaction?.sortBy.length);
  if (!sorted.length) return [];
  const { plans } = await analyzeGold(schemas.map((s) => compile(s.spec)));
  return sorted.flatMap(({ s, g, i }) => {
    const plan = plans.find((p) => p.table === g.table);
    // A table whose SQL does not analyse has its own diagnostics already.
    if (!plan) return [];
    return sortByProblems(g.compaction!.sortBy, plan.columns.map((c) => c.name))
      .map((p) => s.source.diagnostic(['gold', i, 'compaction', 'sortBy', p.index], `gold table ${g.table}: ${p.message}`, p.fix));
  });
}

registerAsyncProjectCheck(checkGoldCompaction);

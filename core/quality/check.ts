// strata check for quality gates: every DQDL rule parses (syntax errors point at the rule's line and the column of
// the problem), and rules name columns that exist, with types that fit, and datasets that exist — found without
// running any SQL (core/dqdl checkRules). Silver rules are checked here; gold rules once the gold SQL has been
// analysed (their columns come from it), by checkGoldRules, which core/gold/check.ts calls.
import { isScalar, type Scalar } from 'yaml';
import { checkRules } from '../dqdl/compile.ts';
import { parseRules } from '../dqdl/parse.ts';
import { readColumns } from '../engine/views.ts';
import { compile } from '../plan/compile.ts';
import type { GoldPlan } from '../gold/analyze.ts';
import type { Diagnostic } from '../schema/diagnostics.ts';
import type { RuleList } from '../schema/model.ts';
import { registerProjectCheck, type LoadedSchema } from '../schema/project.ts';

const FIX = 'see the DQDL reference in the README (Quality gates) for each rule type and its form';

export function checkQuality(schemas: readonly LoadedSchema[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const datasets = new Map(schemas.map((s) => [s.spec.dataset, s]));
  for (const s of schemas) {
    const gates: Array<{ path: Array<string | number>; list: RuleList; silver: boolean }> = [
      { path: ['quality', 'silver'], list: s.spec.quality.silver, silver: true },
      ...s.spec.gold.map((g, i) => ({ path: ['gold', i, 'quality'], list: g.quality, silver: false })),
    ];
    for (const gate of gates) {
      for (const severity of ['halt', 'warn'] as const) {
        gate.list[severity].forEach((text, i) => {
          const path = [...gate.path, severity, i];
          const parsed = parseRules(text);
          for (const e of parsed.errors) out.push(at(s, path, e.offset, `quality rule "${text}": ${e.message}`, FIX));
          if (!gate.silver || parsed.errors.length) return;
          const problems = checkRules(parsed.rules, {
            dialect: 'duckdb', batch: '__batch', columns: readColumns(compile(s.spec).tables.silver), now: new Date(0).toISOString(),
            reference: (ds) => (ds === s.spec.dataset ? '__batch' : datasets.has(ds) ? `silver."${ds}"` : undefined),
          });
          for (const p of problems) out.push(at(s, path, undefined, `quality rule "${p.rule}": ${p.message}`, referenceFix(p.message, [...datasets.keys()])));
        });
      }
    }
  }
  return out;
}

/** Gold rules against the analysed gold table: its columns, and the silver datasets the refresh reads whole. */
export function checkGoldRules(schemas: readonly LoadedSchema[], gold: readonly GoldPlan[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const g of gold) {
    const s = schemas.find((x) => x.spec.dataset === g.owner);
    const index = s?.spec.gold.findIndex((x) => x.table === g.table) ?? -1;
    if (!s || index < 0) continue;
    const whole = g.reads.silver.filter((ds) => ds !== g.incremental?.driver || g.refresh === 'full');
    for (const severity of ['halt', 'warn'] as const) {
      g.quality[severity].forEach((text, i) => {
        const parsed = parseRules(text);
        if (parsed.errors.length) return; // reported with the syntax errors
        const problems = checkRules(parsed.rules, {
          dialect: 'duckdb', batch: 'gold_batch', columns: g.columns.map((c) => ({ name: c.name, type: c.duckdbType })), now: new Date(0).toISOString(),
          reference: (ds) => (whole.includes(ds) ? `silver."${ds}"` : undefined),
        });
        for (const p of problems) {
          out.push(at(s, ['gold', index, 'quality', severity, i], undefined, `gold table ${g.table}: quality rule "${p.rule}": ${p.message}`,
            /does not exist/.test(p.message) ? `use a column of the gold table: ${g.columns.map((c) => c.name).join(', ')}` : /reference/i.test(p.message)
              ? `a gold rule may reference the silver datasets its refresh reads whole: ${whole.join(', ') || 'none'}` : FIX));
        }
      });
    }
  }
  return out;
}

function referenceFix(message: string, datasets: string[]): string {
  if (/reference dataset|unknown dataset/i.test(message)) return `reference one of the datasets in schemas/: ${datasets.join(', ')}`;
  if (/does not exist/.test(message)) return 'use a column of this dataset (strata plan <dataset> lists them)';
  return FIX;
}

/** A diagnostic at the rule's list entry, moved to the offending character when the rule is on one line. */
function at(s: LoadedSchema, path: Array<string | number>, offset: number | undefined, message: string, fix: string): Diagnostic {
  const d = s.source.diagnostic(path, message, fix);
  if (offset === undefined) return d;
  const node = s.source.doc.getIn(path, true);
  const t = isScalar(node) ? String((node as Scalar).type) : '';
  if (t.startsWith('BLOCK')) return d;
  return { ...d, column: d.column + offset + (t.startsWith('QUOTE') ? 1 : 0) };
}

registerProjectCheck(checkQuality);

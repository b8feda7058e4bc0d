// strata check for quality gates: every DQDL rule parses (syntax errors point at the rule's line and the column of
// the problem), and rules name columns that exist, with types that fit, and datasets that exist — found without
// running any SQL (core/dqdl checkRules). Silver rules are checked here; gold rules once the gold SQL has been
// analysed (their columns come from it), by checkGoldRules, which core/gold/check.ts calls.
import { isScalar, type Scalar } from 'yaml';
import { checkRules } from '../dqdl/compile.ts';
import { parseRules } from '../dqdl/parse.ts';
import type { RuleContext } from '../dqdl/types.ts';
import { readColumns } from '../plan/glue-table.ts';
import { compile } from '../plan/compile.ts';
import type { GoldPlan } from '../gold/analyze.ts';
import type { Diagnostic } from '../schema/diagnostics.ts';
import { hasRules, type RuleList } from '../schema/model.ts';
import { registerProjectCheck, type LoadedSchema } from '../schema/project.ts';

const FIX = 'see the DQDL reference in the README (Quality gates) for each rule type and its form';

export function checkQuality(schemas: readonly LoadedSchema[]): Diagnostic[] {
  const all: Diagnostic[] = [];
  const datasets = new Map(schemas.map((s) => [s.spec.dataset, s]));
  for (const s of schemas) {
    const out: Diagnostic[] = [];
    // Syntax, in every gate of the file.
    const gates: Array<{ path: Array<string | number>; list: RuleList }> = [
      { path: ['quality', 'silver'], list: s.spec.quality.silver },
      ...s.spec.gold.map((g, i) => ({ path: ['gold', i, 'quality'], list: g.quality })),
    ];
    for (const gate of gates) {
      for (const severity of ['halt', 'warn'] as const) {
        gate.list[severity].forEach((text, i) => {
          for (const e of parseRules(text).errors) out.push(at(s, [...gate.path, severity, i], e.offset, `quality rule "${text}": ${e.message}`, FIX));
        });
      }
    }
    // Columns, types and references of the silver gate, against the dataset's silver table.
    const problems = !hasRules(s.spec.quality.silver) ? [] : ruleProblems(s.spec.quality.silver, {
      batch: '__batch', columns: readColumns(compile(s.spec).tables.silver),
      reference: (ds) => (ds === s.spec.dataset ? '__batch' : datasets.has(ds) ? `silver."${ds}"` : undefined),
    });
    for (const p of problems) {
      out.push(at(s, ['quality', 'silver', p.severity, p.index], undefined, `quality rule "${p.rule}": ${p.message}`, referenceFix(p.message, [...datasets.keys()])));
    }
    // In the file's order, rule by rule.
    all.push(...out.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  return all;
}

/** Gold rules against the analysed gold table: its columns, and the silver datasets the refresh reads whole. */
export function checkGoldRules(schemas: readonly LoadedSchema[], gold: readonly GoldPlan[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const g of gold) {
    const s = schemas.find((x) => x.spec.dataset === g.owner);
    const index = s?.spec.gold.findIndex((x) => x.table === g.table) ?? -1;
    if (!s || index < 0) continue;
    const whole = g.reads.silver.filter((ds) => ds !== g.incremental?.driver || g.refresh === 'full');
    const problems = ruleProblems(g.quality, {
      batch: 'gold_batch', columns: g.columns.map((c) => ({ name: c.name, type: c.duckdbType })),
      reference: (ds) => (whole.includes(ds) ? `silver."${ds}"` : undefined),
    });
    for (const p of problems) {
      out.push(at(s, ['gold', index, 'quality', p.severity, p.index], undefined, `gold table ${g.table}: quality rule "${p.rule}": ${p.message}`,
        /does not exist/.test(p.message) ? `use a column of the gold table: ${g.columns.map((c) => c.name).join(', ')}` : /reference/i.test(p.message)
          ? `a gold rule may reference the silver datasets its refresh reads whole: ${whole.join(', ') || 'none'}` : FIX));
    }
  }
  return out;
}

/** What checkRules finds in each rule of a gate that parses (syntax errors are reported on their own), by position. */
function ruleProblems(list: RuleList, batch: Pick<RuleContext, 'batch' | 'columns' | 'reference'>): Array<{ severity: 'halt' | 'warn'; index: number; rule: string; message: string }> {
  const out: Array<{ severity: 'halt' | 'warn'; index: number; rule: string; message: string }> = [];
  for (const severity of ['halt', 'warn'] as const) {
    list[severity].forEach((text, index) => {
      const parsed = parseRules(text);
      if (parsed.errors.length) return;
      for (const p of checkRules(parsed.rules, { ...batch, dialect: 'duckdb', now: new Date(0).toISOString() })) out.push({ severity, index, ...p });
    });
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

// strata check for quality gates: every DQDL rule parses (syntax errors point at the rule's line and the column of
// the problem), and silver rules name columns of the dataset and datasets that exist, with types that fit —
// found without running any SQL (core/dqdl checkRules). Gold rules are checked for syntax here; their columns are
// only known once the gold SQL is analysed, so a wrong column there is an ERROR outcome at run time.
import { isScalar, type Scalar } from 'yaml';
import { checkRules } from '../dqdl/compile.ts';
import { parseRules } from '../dqdl/parse.ts';
import { readColumns } from '../engine/views.ts';
import { compile } from '../plan/compile.ts';
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

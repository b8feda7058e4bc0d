// A quality gate: the `halt` and `warn` DQDL lists of one stage, evaluated together (one scan of the batch for all
// aggregate rules), each result tagged with its list. Any halt rule that does not PASS halts the gate; warn rules are
// recorded and never block. Used by the silver gate (runtime/pipeline/quality.ts) and the gold audit (gold-audit.ts).
import { historyDepth, type Rule } from '../../core/dqdl/ast.ts';
export { historyDepth };
import { evaluateWith, type EvaluateOptions, type QueryRunner } from './evaluate-rules.ts';
import { parseRules } from '../../core/dqdl/parse.ts';
import type { RuleContext, RuleResult } from '../../core/dqdl/types.ts';
import type { RuleList } from '../../core/schema/model.ts';

export type Severity = 'halt' | 'warn';

export interface GateRuleResult extends RuleResult {
  severity: Severity;
}

export interface GateResult {
  halted: boolean;
  /** Passed rules / all rules (Glue's Score); 1 when there are none. */
  score: number;
  passed: number;
  failed: number;
  errors: number;
  results: GateRuleResult[];
  /** SQL statements run. */
  queries: number;
  ms: number;
}

export interface ParsedGate {
  rules: Array<{ rule: Rule; severity: Severity }>;
  /** Rules that do not parse, already as ERROR results. */
  broken: GateRuleResult[];
}

/** The parsed rules of a gate with their list. Rules that do not parse (`strata check` reports them) become ERRORs. */
export function parseGate(list: RuleList): ParsedGate {
  const rules: Array<{ rule: Rule; severity: Severity }> = [];
  const broken: GateRuleResult[] = [];
  for (const severity of ['halt', 'warn'] as const) {
    // Entry by entry: an error's rule index counts rules, and one entry (Rules = [a, b, c]) holds several, so the
    // entry it named was another, or none (an attack, stop 50: the run record named no rule).
    for (const text of list[severity]) {
      const parsed = parseRules([text]);
      rules.push(...parsed.rules.map((rule) => ({ rule, severity })));
      for (const e of parsed.errors) {
        broken.push({ rule: text, severity, outcome: 'ERROR', metrics: {}, message: `the rule does not parse: ${e.message}` });
      }
    }
  }
  return { rules, broken };
}


export async function runGate(run: QueryRunner, gate: ParsedGate, ctx: RuleContext, options: EvaluateOptions = {}): Promise<GateResult> {
  const started = Date.now();
  const { rules, broken } = gate;
  const evaluated = await evaluateWith(run, rules.map((r) => r.rule), ctx, options);
  const results: GateRuleResult[] = [
    ...evaluated.results.map((r, i) => ({ ...r, severity: rules[i]!.severity })),
    ...broken,
  ];
  const count = (o: string) => results.filter((r) => r.outcome === o).length;
  return {
    halted: results.some((r) => r.severity === 'halt' && r.outcome !== 'PASS'),
    score: results.length ? count('PASS') / results.length : 1,
    passed: count('PASS'),
    failed: count('FAIL'),
    errors: count('ERROR'),
    results,
    queries: evaluated.queries,
    ms: Date.now() - started,
  };
}

/** One line naming the halt rules that blocked, for the run record's error and the execution's Cause. */
export function haltMessage(gate: GateResult, what: string): string {
  const blocking = gate.results.filter((r) => r.severity === 'halt' && r.outcome !== 'PASS');
  const shown = blocking.slice(0, 5).map((r) => `${r.rule} → ${r.outcome} (${r.message})`);
  const more = blocking.length > shown.length ? `; and ${blocking.length - shown.length} more` : '';
  return `quality gate halted ${what}: ${shown.join('; ')}${more}`;
}

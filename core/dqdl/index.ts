// AWS Glue DQDL for strata: parse rules, compile them to SQL for DuckDB or Athena, interpret the results.
// Evaluation, which runs the SQL, is the runtime's (runtime/quality/evaluate-rules.ts).
export type { Comparator, CompositeRule, Condition, LeafRule, NumExpr, Operand, Rule } from './ast.ts';
export { declaredReferences, leaves } from './ast.ts';
export { parseRule, parseRules, type ParseError, type ParseResult } from './parse.ts';
export { RULE_TYPES, UNSUPPORTED } from './rule-types.ts';
export { checkRules, compileRules } from './compile.ts';
export { compileVetted, vetRules } from './sandbox.ts';
export { interpretResults, toNumber } from './interpret.ts';
export type {
  CellRef, CompiledQuery, CompiledRuleset, Dialect, EvaluationResult, LeafPlan, Outcome, PlannedRule, QueryOutput, RuleContext, RuleResult,
  SqlVerdict, SqlVerdicts,
} from './types.ts';

// DQDL rules as data. Every rule keeps the text it was written as (results and history are keyed by it);
// composites keep their operands. Nothing here knows about SQL.

export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=';

/** A number in a condition: a literal, arithmetic, or a function of metric history (dynamic rules). */
export type NumExpr =
  /** `raw`: the literal as written (its digits: a double may not hold them), when parsed from text. */
  | { kind: 'number'; value: number; raw?: string }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: NumExpr; right: NumExpr }
  | { kind: 'negate'; arg: NumExpr }
  /** last(k), avg(..), min, max, sum, median, std, index(.., i), abs(..); type-checked by the parser. */
  | { kind: 'call'; fn: HistoryFunction; args: NumExpr[] };

export type HistoryFunction = 'last' | 'avg' | 'min' | 'max' | 'sum' | 'median' | 'std' | 'index' | 'abs';

export type Keyword = 'NULL' | 'EMPTY' | 'WHITESPACES_ONLY';

/** What a condition compares a metric (or each row) with. */
export type Operand =
  | { kind: 'number'; expr: NumExpr; text: string }
  | { kind: 'string'; value: string }
  /** A calendar day, "2024-01-31". */
  | { kind: 'date'; value: string }
  /** now() shifted by a duration: an instant, resolved against the evaluation clock. */
  | { kind: 'now'; offsetMs: number; text: string }
  /** DataFreshness: an age such as 24 hours. */
  | { kind: 'duration'; ms: number; text: string }
  | { kind: 'keyword'; value: Keyword };

export type Condition =
  | { kind: 'compare'; op: Comparator; operand: Operand; text: string }
  /** DQDL between is exclusive; not between is inclusive (its complement). */
  | { kind: 'between'; negated: boolean; low: Operand; high: Operand; text: string }
  | { kind: 'in'; negated: boolean; operands: Operand[]; text: string }
  | { kind: 'matches'; negated: boolean; pattern: string; text: string };

export interface LeafRule {
  kind: 'rule';
  type: string;
  params: string[];
  condition?: Condition;
  /** SQL predicate restricting the rows the rule looks at (in the dialect being evaluated). */
  where?: string;
  /** with threshold: the share of rows that must pass a row-level rule. */
  threshold?: Condition;
  labels?: Record<string, string>;
  text: string;
  /**
   * Character offsets in the string the rule was parsed from (a list entry or a ruleset): where the rule starts, and
   * the opening quote of each parameter and of the where clause.
   */
  at?: { rule: number; params: number[]; where?: number };
}

export interface CompositeRule {
  kind: 'and' | 'or';
  operands: Rule[];
  text: string;
}

export type Rule = LeafRule | CompositeRule;

export function leaves(rule: Rule): LeafRule[] {
  return rule.kind === 'rule' ? [rule] : rule.operands.flatMap(leaves);
}

/** Datasets a ruleset declares as references: ReferentialIntegrity "col" "dataset.col", RowCountMatch "dataset". */
export function declaredReferences(rules: readonly Rule[]): string[] {
  const out = new Set<string>();
  for (const leaf of rules.flatMap(leaves)) {
    const ref = leaf.type === 'ReferentialIntegrity' ? leaf.params[1]?.split('.')[0] : leaf.type === 'RowCountMatch' ? leaf.params[0] : undefined;
    if (ref?.trim()) out.add(ref.trim());
  }
  return [...out];
}

/** How many previous evaluations dynamic rules look at (the largest k of last(k)); 0 when no rule is dynamic. */
export function historyDepth(rules: readonly Rule[]): number {
  let depth = 0;
  const visit = (e: NumExpr): void => {
    if (e.kind === 'call') {
      if (e.fn === 'last' && e.args[0]?.kind === 'number') depth = Math.max(depth, e.args[0].value);
      e.args.forEach(visit);
    } else if (e.kind === 'binary') { visit(e.left); visit(e.right); } else if (e.kind === 'negate') visit(e.arg);
  };
  const operands = (r: Rule) => leaves(r).flatMap((l) => [l.condition, l.threshold]).flatMap((c) =>
    !c ? [] : c.kind === 'compare' ? [c.operand] : c.kind === 'between' ? [c.low, c.high] : c.kind === 'in' ? c.operands : []);
  for (const r of rules) for (const o of operands(r)) if (o.kind === 'number') visit(o.expr);
  return depth;
}

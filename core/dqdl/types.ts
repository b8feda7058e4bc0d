// The contract between the rule engine and its callers: what a rule is evaluated against, what comes back, and the
// compiled form (plain JSON, so a pipeline can compile in one step, run the SQL on Athena, and interpret later).
import type { LeafRule } from './ast.ts';
import type { Expectation } from './expectation.ts';

export type Dialect = 'duckdb' | 'athena';

export interface RuleContext {
  dialect: Dialect;
  /** SQL relation holding the batch, e.g. "__batch" or silver.orders. */
  batch: string;
  /** Logical types as in core/schema/types.ts (e.g. 'decimal(12,2)'); DuckDB type names are understood too. */
  columns: Array<{ name: string; type: string }>;
  /** ISO timestamp: the evaluation clock for now(), DataFreshness and dates (injectable for tests and backfills). */
  now: string;
  /** Relation of a reference dataset (ReferentialIntegrity, RowCountMatch), e.g. "silver.customers". */
  reference?: (dataset: string) => string | undefined;
  /**
   * Previous values of a metric, most recent first, as the same measurement gave them: `rule` is the text of the leaf
   * rule (an operand of a composite rule gives its own), whose type, parameters and where clause name the rows it
   * measures (runtime/quality/metrics.ts loadHistory).
   */
  history?: (metric: string, rule: string) => number[];
  /**
   * Verdicts on the rules' own SQL (CustomSql statements, where clauses), from vetRules (core/dqdl/sandbox.ts).
   * compileRules splices a rule's SQL only with a clean verdict; without one the rule is an ERROR and runs nothing.
   */
  sql?: SqlVerdicts;
  /** DuckDB: the batch in parts that no frequency key spans (its partitions, grouped): core/dqdl/parts.ts. */
  parts?: BatchParts;
}

/**
 * The batch as disjoint parts: `relations` are SQL relations whose rows together are exactly the batch's, each row in
 * one of them, and `keys` name, for each partition of the batch, the columns that determine it (its source column and
 * its own name). Rows that agree on a column of every entry of `keys` are in the same part, so a frequency column set
 * holding one of each is grouped part by part (FrequencyQuery): the union of the parts' groups is the batch's.
 */
export interface BatchParts {
  relations: string[];
  keys: string[][];
}

/** A rule's SQL may be spliced (and which reference datasets a CustomSql statement reads), or why not. */
export type SqlVerdict = { ok: true; references: string[] } | { ok: false; reason: string };

export interface SqlVerdicts {
  /** The verdict on a rule that has SQL of its own; undefined when it was not vetted. */
  of(rule: LeafRule): SqlVerdict | undefined;
}

export type Outcome = 'PASS' | 'FAIL' | 'ERROR';

export interface RuleResult {
  /** The rule as written. */
  rule: string;
  outcome: Outcome;
  /** Glue metric names: 'Dataset.*.RowCount', 'Column.email.Completeness', 'Multicolumn.a,b.Uniqueness', ... */
  metrics: Record<string, number>;
  /** One line saying what was measured against what was expected. */
  message: string;
  /**
   * A composite rule: its operands' results, each with its own metrics. The composite's `metrics` merge them, less a
   * metric two operands measured differently (a RowCount of all rows and one with a where clause).
   */
  operands?: RuleResult[];
}

export interface EvaluationResult {
  results: RuleResult[];
  /** Passed rules / all rules (1 for an empty ruleset). */
  score: number;
  /** SQL statements run. */
  queries: number;
}

/** A cell of a query result: a column of the first (only) row. */
export interface CellRef {
  query: number;
  column: string;
}

export interface LeafPlan {
  kind: 'leaf';
  /** Position among all leaves of the ruleset. */
  id: number;
  type: string;
  text: string;
  /** The rule cannot run (unknown column, bad reference, wrong type…): it is an ERROR with this message. */
  error?: string;
  /** Query results this rule reads, by role (rows, passed, value, unique…). */
  cells: Record<string, CellRef>;
  /** Values known without reading rows (column count, column exists…). */
  known: Record<string, number>;
  /** The metric the condition applies to (and whose history dynamic rules read). */
  metric?: string;
  /** Names used in messages and metric keys: resolved column names, reference dataset. */
  subject: string[];
  /** ReferentialIntegrity: the reference dataset and its columns. */
  reference?: { dataset: string; columns: string[] };
  expect?: Expectation;
  /**
   * The metric is a floating-point aggregate whose last bits depend on the order the engine adds in (Mean,
   * StandardDeviation, ColumnCorrelation, Entropy, a Sum of a double or float column): its condition compares with a
   * relative tolerance (core/dqdl/expectation.ts). Every other metric compares exactly.
   */
  approximate?: boolean;
  threshold?: Expectation;
  /** The aggregate CustomSql query: its whole result is the value. */
  customQuery?: number;
}

export interface CompositePlan {
  kind: 'and' | 'or';
  text: string;
  operands: PlannedRule[];
}

export type PlannedRule = LeafPlan | CompositePlan;

export type QueryKind = 'scan' | 'frequency' | 'custom-sql' | 'reference';

export interface CompiledQuery {
  kind: QueryKind;
  sql: string;
  /** Leaves that read this query's result. */
  leaves: number[];
}

export interface CompiledRuleset {
  dialect: Dialect;
  queries: CompiledQuery[];
  /** One per rule given, in order. */
  rules: PlannedRule[];
}

/** What running a query produced: its rows, or why it failed. */
export type QueryOutput = Array<Record<string, unknown>> | { error: string };

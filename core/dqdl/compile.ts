// Rules → SQL statements plus a plan saying which cell of which result each rule reads. Pure: no I/O, the same for
// DuckDB and Athena apart from the dialect's few functions.
//
// Queries, in order:
//   scan        every plain aggregate of every rule, one statement (Athena: one pass, CASE WHEN inside for where
//               clauses; DuckDB: a common table expression per where clause, see scan-query.ts)
//   frequency   the groupings of frequency rules (see frequency-query.ts), plus the row checks on grouped columns
//   custom-sql  one per CustomSql rule (the user's statement)
//   reference   one per ReferentialIntegrity / RowCountMatch rule (a join or a count of the reference)
// Dynamic thresholds are resolved here from ctx.history; a rule that cannot run gets `error` and reads nothing.
// A rule's own SQL (a CustomSql statement, a where clause) is spliced only with a clean verdict from ctx.sql
// (vetRules, core/dqdl/sandbox.ts), always through subquery() / condition() of core/sql/sandbox.ts.
import { leaves, type LeafRule, type Rule } from './ast.ts';
import { ColumnError, Columns, isNumericType, type ResolvedColumn } from './columns.ts';
import { CustomSqlError, customFailingRowsSql, customRowsSql, customValueSql, returnedColumns } from './custom-sql.ts';
import { sqlDialect, toDouble, type SqlDialect } from './dialect.ts';
import { resolveExpectation } from './expectation.ts';
import { FrequencyQuery, type FrequencyCells } from './frequency-query.ts';
import { columnMetric, columnsMetric, datasetMetric } from './metric-names.ts';
import { columnLengthPredicate, columnValuesPredicate, freshnessPredicate, lengthExpr, PredicateError } from './row-predicates.ts';
import { filtered, ScanQuery, type Restrictable } from './scan-query.ts';
import type { CellRef, CompiledQuery, CompiledRuleset, LeafPlan, PlannedRule, QueryKind, RuleContext, SqlVerdict, SqlVerdicts } from './types.ts';
import { ident } from '../sql/quote.ts';
import { condition } from '../sql/sandbox.ts';

class PlanError extends Error {}

const FREQUENCY_TYPES = ['IsUnique', 'Uniqueness', 'UniqueValueRatio', 'DistinctValuesCount', 'Entropy', 'IsPrimaryKey'];

/** The frequency statistics each frequency rule reads (interpret.ts judge): only these are computed. */
const FREQUENCY_CELLS: Record<string, ReadonlyArray<keyof FrequencyCells>> = {
  IsUnique: ['rows', 'unique'],
  Uniqueness: ['rows', 'unique'],
  IsPrimaryKey: ['rows', 'unique'],
  UniqueValueRatio: ['distinct', 'unique'],
  DistinctValuesCount: ['distinct'],
  Entropy: ['rows', 'nlogn'],
};

export function compileRules(rules: readonly Rule[], ctx: RuleContext): CompiledRuleset {
  const c = new Compiler(ctx);
  // Columns grouped by a single-column frequency rule: row-level checks on them are evaluated per distinct value.
  for (const leaf of rules.flatMap(leaves)) {
    if (FREQUENCY_TYPES.includes(leaf.type) && leaf.params.length === 1) c.markGrouped(leaf.params[0]!, leaf.where);
  }
  const planned = rules.map((r) => c.plan(r));
  return { dialect: ctx.dialect, queries: c.finish(), rules: planned };
}

/** For checkRules only: its compiled SQL is looked at for errors and thrown away, never run. */
const PLAN_ONLY: SqlVerdicts = { of: () => ({ ok: true, references: [] }) };

/**
 * Problems found without running anything (unknown columns, wrong types, unknown references): for `strata check`.
 * The rules' own SQL is vetted apart (vetRules), since that needs DuckDB's parser.
 */
export function checkRules(rules: readonly Rule[], ctx: RuleContext): Array<{ rule: string; message: string }> {
  return plannedLeaves(compileRules(rules, { ...ctx, sql: PLAN_ONLY }).rules).flatMap((p) => (p.error ? [{ rule: p.text, message: p.error }] : []));
}

/** The leaves of planned rules, depth first: composite rules' operands, and theirs. */
export function plannedLeaves(rules: readonly PlannedRule[]): LeafPlan[] {
  return rules.flatMap((r) => (r.kind === 'leaf' ? [r] : plannedLeaves(r.operands)));
}

/** An aggregate a row-level rule also reports, fn(arg); `double`: its result is cast to DOUBLE. */
interface Extra {
  fn: string;
  arg: string;
  double?: boolean;
}

interface PendingQuery {
  kind: QueryKind;
  sql: () => string;
  leaves: Set<number>;
}

class Compiler {
  private readonly ctx: RuleContext;
  private readonly d: SqlDialect;
  private readonly columns: Columns;
  private readonly nowMs: number;
  private nextLeaf = 0;
  private scan: ScanQuery | undefined;
  private scanHandle: PendingQuery | undefined;
  private readonly frequency: Array<{ q: FrequencyQuery; handle: PendingQuery }> = [];
  private readonly extras: PendingQuery[] = [];
  private readonly refs = new Map<CellRef, PendingQuery>();
  private readonly customRefs = new Map<LeafPlan, PendingQuery>();
  /** Columns that some single-column frequency rule groups by. */
  private readonly grouped = new Set<string>();
  /** The same, with the rule's where clause: the rows that grouping reads (groupedKey). */
  private readonly groupedAs = new Set<string>();

  constructor(ctx: RuleContext) {
    this.ctx = ctx;
    this.d = sqlDialect(ctx.dialect);
    this.columns = new Columns(ctx.columns);
    this.nowMs = Date.parse(ctx.now);
  }

  markGrouped(column: string, where: string | undefined): void {
    const c = this.columns.find(column);
    if (!c) return;
    this.grouped.add(c.name);
    this.groupedAs.add(groupedKey(c.name, where));
  }

  plan(rule: Rule): PlannedRule {
    if (rule.kind !== 'rule') return { kind: rule.kind, text: rule.text, operands: rule.operands.map((o) => this.plan(o)) };
    const leaf: LeafPlan = { kind: 'leaf', id: this.nextLeaf++, type: rule.type, text: rule.text, cells: {}, known: {}, subject: [] };
    try {
      this.planLeaf(leaf, rule);
    } catch (e) {
      if (!(e instanceof PlanError || e instanceof ColumnError || e instanceof PredicateError || e instanceof CustomSqlError)) throw e;
      leaf.error = e.message;
      leaf.cells = {};
      delete leaf.customQuery;
      for (const q of [this.scanHandle, ...this.frequency.map((f) => f.handle), ...this.extras]) q?.leaves.delete(leaf.id);
    }
    return leaf;
  }

  finish(): CompiledQuery[] {
    const ordered: PendingQuery[] = [];
    if (this.scan && this.scanHandle && this.scanHandle.leaves.size) ordered.push(this.scanHandle);
    for (const f of this.frequency) if (f.handle.leaves.size) ordered.push(f.handle);
    ordered.push(...this.extras.filter((x) => x.leaves.size));
    const index = new Map(ordered.map((q, i) => [q, i]));
    for (const [ref, q] of this.refs) ref.query = index.get(q) ?? -1;
    for (const [leaf, q] of this.customRefs) if (leaf.customQuery !== undefined) leaf.customQuery = index.get(q) ?? -1;
    return ordered.map((q) => ({ kind: q.kind, sql: q.sql(), leaves: [...q.leaves].sort((a, b) => a - b) }));
  }

  // ---- cells -------------------------------------------------------------------------------------------------

  /** An aggregate of the shared scan; one with a where clause is built by `aggregate(where)` (ScanQuery.add). */
  private scanCell(leaf: LeafPlan, role: string, aggregate: string | Restrictable, where?: string): void {
    if (!this.scan) {
      const scan = new ScanQuery();
      this.scan = scan;
      this.scanHandle = { kind: 'scan', sql: () => scan.sql(this.ctx.batch, this.ctx.dialect), leaves: new Set() };
    }
    const ref: CellRef = { query: -1, column: this.scan.add(aggregate, where) };
    this.refs.set(ref, this.scanHandle!);
    this.scanHandle!.leaves.add(leaf.id);
    leaf.cells[role] = ref;
  }

  /** The frequency query holding (or able to hold) a column set. */
  private frequencyFor(cols: string[]): { q: FrequencyQuery; handle: PendingQuery } {
    let entry = this.frequency.find((f) => f.q.hasSet(cols)) ?? this.frequency.find((f) => f.q.fits(cols));
    if (!entry) {
      const q = new FrequencyQuery();
      entry = { q, handle: { kind: 'frequency', sql: () => q.sql(this.ctx.batch, this.ctx.dialect, this.ctx.parts), leaves: new Set() } };
      this.frequency.push(entry);
    }
    return entry;
  }

  private frequencyCell(leaf: LeafPlan, entry: { handle: PendingQuery }, role: string, alias: string): void {
    const ref: CellRef = { query: -1, column: alias };
    this.refs.set(ref, entry.handle);
    entry.handle.leaves.add(leaf.id);
    leaf.cells[role] = ref;
  }

  /** The frequency statistics a rule reads (interpret.ts), as cells f_rows, f_distinct, f_unique, f_nlogn. */
  private frequencyCells(leaf: LeafPlan, cols: ResolvedColumn[], where: string | undefined, wanted: ReadonlyArray<keyof FrequencyCells>): void {
    const sqlCols = cols.map((c) => c.sql);
    const entry = this.frequencyFor(sqlCols);
    const cells = entry.q.stats(sqlCols, paren(where), wanted);
    for (const role of wanted) this.frequencyCell(leaf, entry, `f_${role}`, cells[role]);
  }

  /**
   * A row-level check: rows in scope, rows passing, and extra aggregates of the column. Over the groups of the
   * column when a frequency rule groups it anyway (the predicate then runs once per distinct value), else in the scan.
   */
  private rowCheck(leaf: LeafPlan, rule: LeafRule, col: ResolvedColumn, predicate: string, extras: Record<string, Extra>): void {
    const w = rule.where;
    const cast = (e: Extra, filteredAgg: string) => (e.double ? toDouble(filteredAgg) : filteredAgg);
    if (this.grouped.has(col.name)) {
      const entry = this.frequencyFor([col.sql]);
      this.frequencyCell(leaf, entry, 'rows', entry.q.rowsWhere(col.sql, paren(w)));
      this.frequencyCell(leaf, entry, 'passed', entry.q.rowsWhere(col.sql, paren(w), predicate));
      for (const [role, e] of Object.entries(extras)) this.frequencyCell(leaf, entry, role, entry.q.valuesAggregate(col.sql, paren(w), `${e.fn}(${e.arg})`, e.double ? toDouble : undefined));
      return;
    }
    this.scanCell(leaf, 'rows', (x) => filtered('count', [], x), w);
    this.scanCell(leaf, 'passed', (x) => filtered('count', [], x, predicate), w);
    for (const [role, e] of Object.entries(extras)) this.scanCell(leaf, role, (x) => cast(e, filtered(e.fn, [e.arg], x)), w);
  }

  private extraQuery(leaf: LeafPlan, kind: QueryKind, sql: string, roles: string[]): PendingQuery {
    const q: PendingQuery = { kind, sql: () => sql, leaves: new Set([leaf.id]) };
    this.extras.push(q);
    for (const role of roles) {
      const ref: CellRef = { query: -1, column: role };
      this.refs.set(ref, q);
      leaf.cells[role] = ref;
    }
    return q;
  }

  // ---- rules -------------------------------------------------------------------------------------------------

  /** The condition on the rule's metric (dynamic numbers read that metric's history). */
  private expect(leaf: LeafPlan, rule: LeafRule, metric: string): void {
    leaf.metric = metric;
    if (rule.condition) {
      const history = this.ctx.history ? () => this.ctx.history!(metric, rule.text) : undefined;
      const e = resolveExpectation(rule.condition, history);
      if ('error' in e) throw new PlanError(e.error);
      leaf.expect = e;
    }
  }

  /** Row-level rules: the condition is applied to each row in SQL; the threshold to the share of passing rows. */
  private expectThreshold(leaf: LeafPlan, rule: LeafRule): void {
    if (rule.threshold) {
      const t = resolveExpectation(rule.threshold);
      if ('error' in t) throw new PlanError(t.error);
      // A share runs from 0 to 1: a threshold beyond it never holds (every batch fails) or always does (the rule
      // checks nothing). Glue's own CustomSql page writes "with threshold > 3" and speaks of how many records fail;
      // strata reads a share (docs/dqdl.md), so a number of rows is refused here, with the rule for a count (an
      // attack, stop 50: strata check said ok and the halt rule then blocked every batch).
      const c = t.check;
      const numbers = c.kind === 'compare' ? [c.value] : c.kind === 'between' ? [c.low, c.high] : c.values;
      const outside = t.dynamic.length ? undefined : numbers.find((v) => !(v >= 0 && v <= 1));
      if (outside !== undefined) {
        throw new PlanError(`"with threshold ${t.text}" compares the share of rows that pass, from 0 to 1; ${outside} is outside it. `
          + 'For a number of failing rows, compare a count instead: CustomSql "select count(*) from primary where not (<condition>)" <= <rows>');
      }
      leaf.threshold = t;
    }
  }

  private numericColumn(name: string, type: string): ResolvedColumn {
    const c = this.columns.get(name);
    if (c.type && !isNumericType(c.type)) throw new PlanError(`${type} applies to numeric columns; "${c.name}" is a ${c.type.name} column`);
    return c;
  }

  private needNow(): number {
    if (!Number.isFinite(this.nowMs)) throw new PlanError(`the evaluation clock (now) is not an ISO timestamp: "${this.ctx.now}"`);
    return this.nowMs;
  }

  /** The clean verdict on the rule's own SQL; a rule without one is an ERROR and nothing of it is compiled. */
  private vetted(rule: LeafRule): Extract<SqlVerdict, { ok: true }> {
    const v = this.ctx.sql?.of(rule);
    if (!v) throw new PlanError(`the rule's SQL was not vetted, so it is not run (evaluate rules through evaluateWith)`);
    if (!v.ok) throw new PlanError(v.reason);
    return v;
  }

  private planLeaf(leaf: LeafPlan, rule: LeafRule): void {
    const w = rule.where;
    if (w !== undefined) this.vetted(rule);
    const p = rule.params;
    switch (rule.type) {
      case 'RowCount':
        this.expect(leaf, rule, datasetMetric('RowCount'));
        this.scanCell(leaf, 'rows', (x) => filtered('count', [], x), w);
        return;
      case 'ColumnCount':
        this.expect(leaf, rule, datasetMetric('ColumnCount'));
        leaf.known.value = this.columns.names.length;
        return;
      case 'ColumnExists': {
        const c = this.columns.find(p[0]!);
        leaf.subject = [c?.name ?? p[0]!];
        leaf.known.exists = c ? 1 : 0;
        return;
      }
      case 'ColumnNamesMatchPattern': {
        let re: RegExp;
        try { re = new RegExp(`^(?:${p[0]})$`, 'u'); } catch (e) { throw new PlanError(`invalid regular expression "${p[0]}": ${(e as Error).message}`); }
        leaf.subject = this.columns.names.filter((n) => !re.test(n));
        leaf.known.matched = this.columns.names.length - leaf.subject.length;
        leaf.known.total = this.columns.names.length;
        leaf.metric = datasetMetric('ColumnNamesPatternMatchRatio');
        return;
      }
      case 'IsComplete':
      case 'Completeness': {
        const c = this.columns.get(p[0]!);
        leaf.subject = [c.name];
        this.expect(leaf, rule, columnMetric(c.name, 'Completeness'));
        if (this.groupedAs.has(groupedKey(c.name, w))) {
          // A frequency rule groups the same rows by the column anyway: count over its groups (the NULL group
          // included) instead of reading every value again in the scan.
          const entry = this.frequencyFor([c.sql]);
          this.frequencyCell(leaf, entry, 'rows', entry.q.rowsWhere(c.sql, paren(w)));
          this.frequencyCell(leaf, entry, 'nonNull', entry.q.rowsWhere(c.sql, paren(w), `${c.sql} IS NOT NULL`));
          return;
        }
        this.scanCell(leaf, 'rows', (x) => filtered('count', [], x), w);
        this.scanCell(leaf, 'nonNull', (x) => filtered('count', [c.sql], x), w);
        return;
      }
      case 'IsUnique':
      case 'Uniqueness':
      case 'UniqueValueRatio':
      case 'DistinctValuesCount':
      case 'Entropy': {
        const cols = p.map((n) => this.columns.get(n));
        leaf.subject = cols.map((c) => c.name);
        const name = rule.type === 'IsUnique' ? 'Uniqueness' : rule.type;
        this.expect(leaf, rule, columnsMetric(leaf.subject, name));
        if (rule.type === 'Entropy') leaf.approximate = true;
        this.frequencyCells(leaf, cols, w, FREQUENCY_CELLS[rule.type]!);
        return;
      }
      case 'IsPrimaryKey': {
        const cols = p.map((n) => this.columns.get(n));
        leaf.subject = cols.map((c) => c.name);
        leaf.metric = columnsMetric(leaf.subject, 'Uniqueness');
        this.frequencyCells(leaf, cols, w, FREQUENCY_CELLS.IsPrimaryKey!);
        this.scanCell(leaf, 'rows', (x) => filtered('count', [], x), w);
        cols.forEach((c, i) => this.scanCell(leaf, `nonNull${i}`, (x) => filtered('count', [c.sql], x), w));
        return;
      }
      case 'Mean':
      case 'Sum':
      case 'StandardDeviation': {
        const c = this.numericColumn(p[0]!, rule.type);
        leaf.subject = [c.name];
        this.expect(leaf, rule, columnMetric(c.name, rule.type));
        // A sum of integers or decimals is exact (cast to DOUBLE after summing); a sum of doubles is not.
        if (rule.type !== 'Sum' || !c.type || c.type.name === 'double' || c.type.name === 'float') leaf.approximate = true;
        // Sum is cast to DOUBLE around the (restricted) sum.
        const agg = (x: string | undefined) => (rule.type === 'Mean' ? filtered('avg', [toDouble(c.sql)], x)
          : rule.type === 'Sum' ? toDouble(filtered('sum', [c.sql], x)) : filtered('stddev_pop', [toDouble(c.sql)], x));
        this.scanCell(leaf, 'value', agg, w);
        // Its exact text beside the double, which holds integers only up to 2^53 (core/dqdl/exact.ts).
        if (!leaf.approximate) this.scanCell(leaf, 'exact', (x) => `CAST(${filtered('sum', [c.sql], x)} AS VARCHAR)`, w);
        this.scanCell(leaf, 'rows', (x) => filtered('count', [], x), w);
        return;
      }
      case 'ColumnCorrelation': {
        const a = this.numericColumn(p[0]!, rule.type);
        const b = this.numericColumn(p[1]!, rule.type);
        leaf.subject = [a.name, b.name];
        this.expect(leaf, rule, columnsMetric([a.name, b.name], 'ColumnCorrelation'));
        leaf.approximate = true;
        this.scanCell(leaf, 'value', (x) => filtered('corr', [toDouble(a.sql), toDouble(b.sql)], x), w);
        this.scanCell(leaf, 'rows', (x) => filtered('count', [], x), w);
        return;
      }
      case 'ColumnLength':
      case 'ColumnValues':
      case 'DataFreshness': {
        const { col: c, pred } = this.rowPredicate(rule)!;
        leaf.subject = [c.name];
        this.expectThreshold(leaf, rule);
        // Minimum and maximum of a numeric column as DOUBLE: the cast goes around the aggregate (it is monotone, so the
        // min of the values cast is the cast of their min), one cast instead of one per row.
        const extras: Record<string, Extra> = rule.type === 'ColumnLength' ? { minLength: { fn: 'min', arg: lengthExpr(c) }, maxLength: { fn: 'max', arg: lengthExpr(c) } }
          : rule.type === 'ColumnValues' && isNumericType(c.type) ? { min: { fn: 'min', arg: c.sql, double: true }, max: { fn: 'max', arg: c.sql, double: true } } : {};
        this.rowCheck(leaf, rule, c, pred, extras);
        return;
      }
      case 'CustomSql': {
        const sql = p[0]!;
        const references = this.vetted(rule).references.map((ds) => [ds, this.reference(ds)] as const);
        if (rule.condition) {
          this.expect(leaf, rule, datasetMetric('CustomSQL'));
          const q = this.extraQuery(leaf, 'custom-sql', customValueSql(sql, this.ctx.batch, references), []);
          leaf.customQuery = -1;
          this.customRefs.set(leaf, q);
        } else {
          const returned = returnedColumns(sql, this.columns);
          leaf.subject = returned;
          this.expectThreshold(leaf, rule);
          this.extraQuery(leaf, 'custom-sql', customRowsSql(sql, this.ctx.batch, returned, references), ['rows', 'passed']);
        }
        return;
      }
      case 'ReferentialIntegrity': {
        const primary = p[0]!.split(',').map((s) => s.trim()).filter(Boolean).map((n) => this.columns.get(n));
        const ref = parseReference(p[1]!);
        if (ref.columns.length !== primary.length) {
          throw new PlanError(`ReferentialIntegrity compares ${primary.length} column${primary.length === 1 ? '' : 's'} with ${ref.columns.length} reference column${ref.columns.length === 1 ? '' : 's'}`);
        }
        const relation = this.reference(ref.dataset);
        leaf.subject = primary.map((c) => c.name);
        leaf.reference = ref;
        this.expect(leaf, rule, columnMetric(ref.dataset, 'ReferentialIntegrity'));
        const keys = ref.columns.map((c, i) => `${ident(c)} AS __dq_k${i}`).join(', ');
        const on = primary.map((c, i) => `__dq_p.${c.sql} = __dq_r.__dq_k${i}`).join(' AND ');
        this.extraQuery(leaf, 'reference', [
          `SELECT count(*) AS "rows", count(__dq_r.__dq_hit) AS "matched"`,
          // (A subquery: on Athena the batch is a subquery with its own alias, `(…) AS gold_batch`, which a second alias
          // after it made a syntax error, and every refresh of a gold table with this rule halted: an attack, stop 56.)
          `FROM (SELECT * FROM ${this.ctx.batch}) AS __dq_p`,
          `LEFT JOIN (SELECT DISTINCT ${keys}, 1 AS __dq_hit FROM ${relation}) AS __dq_r ON ${on}`,
        ].join('\n'), ['rows', 'matched']);
        return;
      }
      case 'RowCountMatch': {
        const dataset = p[0]!;
        const relation = this.reference(dataset);
        leaf.subject = [dataset];
        this.expect(leaf, rule, datasetMetric('RowCountMatch', dataset));
        this.scanCell(leaf, 'rows', 'count(*)');
        this.extraQuery(leaf, 'reference', `SELECT count(*) AS "refRows" FROM ${relation}`, ['refRows']);
        return;
      }
      default:
        throw new PlanError(`${rule.type} is not supported`);
    }
  }

  /** ColumnLength, ColumnValues, DataFreshness: the column and the predicate a row passes by (TRUE passes). */
  private rowPredicate(rule: LeafRule): { col: ResolvedColumn; pred: string } | undefined {
    const c = () => this.columns.get(rule.params[0]!);
    switch (rule.type) {
      case 'ColumnLength': return { col: c(), pred: columnLengthPredicate(c(), rule.condition!) };
      case 'ColumnValues': {
        const cond = rule.condition!;
        const operands = cond.kind === 'compare' ? [cond.operand] : cond.kind === 'between' ? [cond.low, cond.high] : cond.kind === 'in' ? cond.operands : [];
        return { col: c(), pred: columnValuesPredicate(c(), cond, this.d, operands.some((o) => o.kind === 'now') ? this.needNow() : 0) };
      }
      case 'DataFreshness': return { col: c(), pred: freshnessPredicate(c(), rule.condition!, this.needNow()) };
      default: return undefined;
    }
  }

  /** See failingRowsSql. */
  failingRows(rule: LeafRule, rows: string, id: string): FailingRows | undefined {
    const w = rule.where === undefined ? undefined : (this.vetted(rule), condition(rule.where));
    const row = this.rowPredicate(rule);
    if (row) {
      return {
        column: row.col.name,
        sql: `SELECT ${ident(id)} AS id, CAST(${row.col.sql} AS VARCHAR) AS value FROM ${rows} WHERE ${w ?? 'TRUE'} AND NOT coalesce(${condition(row.pred)}, false)`,
      };
    }
    if (rule.type !== 'CustomSql' || rule.condition) return undefined;
    const references = this.vetted(rule).references.map((ds) => [ds, this.reference(ds)] as const);
    const returned = returnedColumns(rule.params[0]!, this.columns);
    return { column: returned.length === 1 ? returned[0]! : null, sql: customFailingRowsSql(rule.params[0]!, this.ctx.batch, rows, id, returned, references) };
  }

  private reference(dataset: string): string {
    const relation = this.ctx.reference?.(dataset);
    if (!relation) throw new PlanError(`unknown reference dataset "${dataset}"${this.ctx.reference ? '' : ' (no reference datasets are available to this evaluation)'}`);
    return relation;
  }
}

export interface FailingRows {
  /** The rule's column when it has one (its value is the row's `value`). */
  column: string | null;
  /** SELECT id, value (VARCHAR: the column's value, or NULL) of each failing row. */
  sql: string;
}

/**
 * The rows of `rows` (the batch's columns plus a row id column `id`) that fail a row-level rule, for naming them one
 * by one (a quality halt's held rows, runtime/pipeline/held-rows.ts): ColumnLength, ColumnValues and DataFreshness
 * fail a row whose predicate is not TRUE within the rule's where clause (as the rule counts them); row-level
 * CustomSql fails a row the statement does not return (matched on the returned columns, NULL = NULL, as Glue
 * matches them; "primary" is ctx.batch). undefined for a rule that is not row-level or cannot run (its ERROR is the
 * gate's to report). ctx.sql must hold the verdicts on the rule's SQL, as for compileRules.
 */
export function failingRowsSql(rule: LeafRule, ctx: RuleContext, rows: string, id: string): FailingRows | undefined {
  try {
    return new Compiler(ctx).failingRows(rule, rows, id);
  } catch (e) {
    if (e instanceof PlanError || e instanceof ColumnError || e instanceof PredicateError || e instanceof CustomSqlError) return undefined;
    throw e;
  }
}

function groupedKey(column: string, where: string | undefined): string {
  return where === undefined ? column : `${column}\u0000${where}`;
}

function paren(where: string | undefined): string | undefined {
  return where === undefined ? undefined : condition(where);
}

/** "customers.id" or "customers.{id,region}" → the dataset and its columns. */
export function parseReference(text: string): { dataset: string; columns: string[] } {
  const braces = /^(.+)\.\{([^}]*)\}$/.exec(text.trim());
  if (braces) {
    const columns = braces[2]!.split(',').map((s) => s.trim()).filter(Boolean);
    if (!columns.length) throw new PlanError(`the reference "${text}" names no columns`);
    return { dataset: braces[1]!.trim(), columns };
  }
  const dot = text.lastIndexOf('.');
  if (dot <= 0 || dot === text.length - 1) throw new PlanError(`the reference "${text}" must be "dataset.column" or "dataset.{col1,col2}"`);
  return { dataset: text.slice(0, dot).trim(), columns: [text.slice(dot + 1).trim()] };
}

// Frequency rules (Uniqueness, IsUnique, IsPrimaryKey, DistinctValuesCount, Entropy, UniqueValueRatio) need the
// number of rows per distinct value of a column set. All column sets of a ruleset are grouped in one statement; a
// rule's where clause becomes a filtered count column, so filtered and unfiltered rules share it. A second, small
// aggregation over the groups (not over the rows) then yields per column set:
//   rows      rows with at least one non-NULL key column (rows whose key is all NULL leave the denominator)
//   distinct  distinct keys among them
//   unique    keys occurring exactly once
//   nlogn     Σ n·ln(n) over the keys, so that entropy = ln(rows) − nlogn / rows (natural log)
// Row-level checks on a column that is grouped anyway are evaluated once per distinct value here instead of once per
// row in the scan (a regular expression over 300 airport codes instead of 3M rows): passing rows = Σ n over the
// values that pass.
//
// The grouping itself differs by engine. Athena bills the bytes it reads, so it groups with GROUPING SETS in one
// pass, then one aggregation over all the groups, each aggregate filtered by its set's id (grouping()'s bitmask).
// DuckDB reads an in-memory column again for next to nothing, and its GROUPING SETS feeds every row to every hash
// table, so it groups each set on its own (1.7× faster on 3M rows than GROUPING SETS) and aggregates each set's
// groups on its own (perSetSql). The aggregates are the same expressions either way, less the set filter.
//
// DuckDB, a batch in parts (RuleContext.parts, its partitions grouped by core/dqdl/parts.ts): a set holding a column
// that determines each partition never has a key in two parts, so it is grouped part by part and the parts' groups
// are put together (UNION ALL) before the same aggregates. Each part's hash table is small: a near-unique key of
// three columns over 1M rows took 0.65× the time of one grouping, over 3M rows 0.52× (bench/RESULTS.md, quality-gate).
import { ident } from '../sql/quote.ts';
import type { BatchParts, Dialect } from './types.ts';

export interface FrequencyCells {
  rows: string;
  distinct: string;
  unique: string;
  nlogn: string;
}

/** grouping() takes every column; keep its bitmask far from 64 bits by starting a new query past this many. */
const MAX_COLUMNS = 30;

export class FrequencyQuery {
  private readonly sets: string[][] = [];
  private readonly counts: Array<string | undefined> = [];
  private readonly columns: string[] = [];
  private readonly outer = new Map<string, string>();
  /** Which count columns each set's aggregates read. */
  private readonly usage = new Map<number, Set<number>>();

  get size(): number {
    return this.outer.size;
  }

  /** Whether the column set fits in this query without exceeding the grouping() width. */
  fits(cols: readonly string[]): boolean {
    return new Set([...this.columns, ...cols]).size <= MAX_COLUMNS;
  }

  hasSet(cols: readonly string[]): boolean {
    return this.findSet(cols) >= 0;
  }

  /**
   * Frequency statistics of a column set (SQL identifiers), counting rows where `where` holds: only those asked for
   * (the others are left out of the SQL: over a near-unique key, each is an aggregate over about as many groups as
   * rows, and Σ n·ln(n) costs a logarithm per group).
   */
  stats<K extends keyof FrequencyCells>(cols: readonly string[], where: string | undefined, wanted: readonly K[]): Pick<FrequencyCells, K> {
    const key = `${this.key(cols, where)} AND NOT (${cols.map((c) => `${c} IS NULL`).join(' AND ')})`;
    const n = this.count(where);
    const sql: FrequencyCells = {
      rows: `sum(${n}) FILTER (WHERE ${key})`,
      distinct: `count(*) FILTER (WHERE ${key} AND ${n} > 0)`,
      unique: `count(*) FILTER (WHERE ${key} AND ${n} = 1)`,
      // ln(greatest(n, 1)): engines may compute an aggregate's argument before applying its FILTER, and ln(0) fails.
      nlogn: `sum(${n} * ln(greatest(${n}, 1))) FILTER (WHERE ${key} AND ${n} > 0)`,
    };
    return Object.fromEntries(wanted.map((k) => [k, this.aggregate(sql[k])])) as Pick<FrequencyCells, K>;
  }

  /** Rows (where `where` holds) whose value of `col` satisfies `predicate`, summed over the groups of `col`. */
  rowsWhere(col: string, where: string | undefined, predicate?: string): string {
    return this.aggregate(`sum(${this.count(where)}) FILTER (WHERE ${this.key([col], where)}${predicate ? ` AND (${predicate})` : ''})`);
  }

  /**
   * An aggregate of the values of `col` that occur in rows where `where` holds, e.g. min("x"), optionally wrapped
   * after its FILTER (a cast of the result).
   */
  valuesAggregate(col: string, where: string | undefined, aggregate: string, wrap: (agg: string) => string = (a) => a): string {
    return this.aggregate(wrap(`${aggregate} FILTER (WHERE ${this.key([col], where)} AND ${this.count(where)} > 0)`));
  }

  sql(batch: string, dialect: Dialect, parts?: BatchParts): string {
    if (dialect !== 'athena') return this.perSetSql(batch, parts);
    const cols = this.columns;
    const countCols = this.counts.map((w, i) => `${w === undefined ? 'count(*)' : `count(*) FILTER (WHERE ${w})`} AS __dq_n${i}`).join(', ');
    const inner = [
      `  SELECT grouping(${cols.join(', ')}) AS __dq_set, ${cols.join(', ')}, ${countCols}`,
      `  FROM ${batch}`,
      `  GROUP BY GROUPING SETS (${this.sets.map((s) => `(${s.join(', ')})`).join(', ')})`,
    ].join('\n');
    // Set ids depend on the final column list, so the aggregates name sets by placeholder until now.
    const outer = [...this.outer]
      .map(([expr, alias]) => `  ${expr.replace(/\{set(\d+)\}/g, (_, i: string) => String(this.setId(Number(i))))} AS ${alias}`)
      .join(',\n');
    return `WITH __dq_groups AS (\n${inner}\n)\nSELECT\n${outer}\nFROM __dq_groups`;
  }

  /**
   * DuckDB: each set grouped on its own and aggregated on its own, one single-row common table expression per set,
   * side by side.
   * The aggregates of a set read only its groups, so they need no set filter, and a set's groups carry only its own
   * columns and counts (a near-unique key makes about as many groups as rows: carrying them through one UNION with
   * every other set's columns, and filtering every aggregate by set, cost more than the grouping).
   */
  private perSetSql(batch: string, parts: BatchParts | undefined): string {
    const partsOf = (s: string[]) =>
      parts && parts.relations.length > 1 && parts.keys.length > 0 && parts.keys.every((cols) => cols.some((c) => s.includes(ident(c))))
        ? parts.relations
        : [batch];
    const subqueries = this.sets.map((s, i) => {
      // Each set counts only what it is read through; a set read through one where clause only groups the rows that
      // clause keeps.
      const used = [...(this.usage.get(i) ?? new Set<number>())].sort((a, b) => a - b);
      const only = used.length === 1 ? this.counts[used[0]!] : undefined;
      const counts = used.map((j) => {
        const w = this.counts[j];
        return w === undefined || w === only ? `count(*) AS __dq_n${j}` : `count(*) FILTER (WHERE ${w}) AS __dq_n${j}`;
      }).join(', ');
      const key = `__dq_set = {set${i}}`;
      const aggregates = [...this.outer].filter(([expr]) => expr.includes(`{set${i}}`))
        .map(([expr, alias]) => `    ${expr.replace(` FILTER (WHERE ${key})`, '').replace(`${key} AND `, '')} AS ${alias}`);
      return [
        `__dq_s${i} AS (SELECT`,
        aggregates.join(',\n'),
        `  FROM (${partsOf(s).map((from) => `SELECT ${s.join(', ')}, ${counts} FROM ${from}${only ? ` WHERE ${only}` : ''} GROUP BY ${s.join(', ')}`).join('\n    UNION ALL ')}))`,
      ].join('\n');
    });
    // Common table expressions, not subqueries side by side in FROM: DuckDB lets a subquery there read the columns of
    // those before it (an implicit LATERAL), so a where clause naming g0 would read another set's aggregate instead
    // of failing. A CTE sees no sibling's columns.
    return `WITH ${subqueries.join(',\n')}\nSELECT * FROM ${this.sets.map((_, i) => `__dq_s${i}`).join(', ')}`;
  }

  private findSet(cols: readonly string[]): number {
    const k = [...cols].sort().join('\u0000');
    return this.sets.findIndex((s) => [...s].sort().join('\u0000') === k);
  }

  /** The filter selecting the groups of a column set (added if new), noting which count the caller reads. */
  private key(cols: readonly string[], where: string | undefined): string {
    let i = this.findSet(cols);
    if (i < 0) {
      i = this.sets.push([...cols]) - 1;
      for (const c of cols) if (!this.columns.includes(c)) this.columns.push(c);
    }
    const used = this.usage.get(i) ?? new Set<number>();
    used.add(this.countIndex(where));
    this.usage.set(i, used);
    return `__dq_set = {set${i}}`;
  }

  /** grouping(): bit i (most significant first) is 1 when column i is not in the set. */
  private setId(i: number): number {
    const members = this.sets[i]!;
    const cols = this.columns;
    return cols.reduce((acc, c, k) => (members.includes(c) ? acc : acc + 2 ** (cols.length - 1 - k)), 0);
  }

  private countIndex(where: string | undefined): number {
    const i = this.counts.indexOf(where);
    return i < 0 ? this.counts.push(where) - 1 : i;
  }

  private count(where: string | undefined): string {
    return `__dq_n${this.countIndex(where)}`;
  }

  private aggregate(expr: string): string {
    let alias = this.outer.get(expr);
    if (!alias) {
      alias = `g${this.outer.size}`;
      this.outer.set(expr, alias);
    }
    return alias;
  }
}

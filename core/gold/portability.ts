// Gold SQL must give the same answer on DuckDB (local, Lambda) and Athena (Trino, engine v3). These are the
// constructs that parse on both and silently differ; each finding says the portable form. Which functions may be
// called at all is the allow-list's (core/sql/functions.ts), checked with the rest of the sandbox (core/sql/sandbox.ts).
// (Measured differences: ../shared/reference/athena-duckdb-notes.md §5.)
import { FUNCTION_ADVICE } from '../sql/functions.ts';
import { walk, type Node } from './ast.ts';

export interface Finding {
  offset: number;
  message: string;
  fix: string;
}

/** Coarse types, enough to tell integer division and decimal averages apart. */
export type Kind = 'integer' | 'decimal' | 'float' | 'string' | 'date' | 'timestamp' | 'boolean' | 'unknown';

const INTEGER_IDS = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'];

export function kindOfDuckType(t: string): Kind {
  const u = t.toUpperCase();
  if (INTEGER_IDS.includes(u)) return 'integer';
  if (u.startsWith('DECIMAL')) return 'decimal';
  if (u === 'DOUBLE' || u === 'FLOAT' || u === 'REAL') return 'float';
  if (u === 'VARCHAR') return 'string';
  if (u === 'DATE') return 'date';
  if (u.startsWith('TIMESTAMP')) return 'timestamp';
  if (u === 'BOOLEAN') return 'boolean';
  return 'unknown';
}

export interface TypeScope {
  /** Coarse type of a column reference (qualifier may be ''), or undefined when unknown. */
  column: (qualifier: string, name: string) => Kind | undefined;
}

export function inferKind(n: Node, scope: TypeScope): Kind {
  switch (n.class) {
    case 'CONSTANT': return n.value?.is_null ? 'unknown' : kindOfDuckType(String(n.value?.type?.id ?? ''));
    case 'CAST': return kindOfDuckType(String(n.cast_type?.id ?? ''));
    case 'COLUMN_REF': {
      const names = n.column_names as string[];
      return scope.column(names.length > 1 ? names[names.length - 2]! : '', names[names.length - 1]!) ?? 'unknown';
    }
    case 'CASE': return n.case_checks?.[0] ? inferKind(n.case_checks[0].then_expr, scope) : 'unknown';
    case 'FUNCTION': {
      const f = String(n.function_name).toLowerCase();
      const args = (n.children ?? []) as Node[];
      const k = args.map((a) => inferKind(a, scope));
      if (['count_star', 'count', 'count_if', 'length', 'strpos', 'year', 'month', 'day', 'hour', 'minute', 'second', 'quarter', 'date_diff', 'row_number', 'rank', 'dense_rank'].includes(f)) return 'integer';
      if (['avg', 'stddev_pop', 'stddev_samp', 'var_pop', 'var_samp', 'corr', 'ln', 'exp', 'sqrt', 'power', 'pow'].includes(f)) return 'float';
      if (['sum', 'min', 'max', 'abs', 'round', 'floor', 'ceil', 'ceiling', 'coalesce', 'nullif', 'greatest', 'least', 'arbitrary', 'max_by', 'min_by', 'sign'].includes(f)) return k[0] ?? 'unknown';
      if (['+', '-', '*', '%', 'mod'].includes(f)) {
        if (k.every((x) => x === 'integer')) return 'integer';
        if (k.includes('float')) return 'float';
        if (k.includes('decimal')) return 'decimal';
        if (k.includes('date') || k.includes('timestamp')) return k.includes('timestamp') ? 'timestamp' : 'date';
        return 'unknown';
      }
      if (f === '/') return k.every((x) => x === 'integer') ? 'integer' : k.includes('float') ? 'float' : k.includes('decimal') ? 'decimal' : 'unknown';
      if (['lower', 'upper', 'trim', 'ltrim', 'rtrim', 'replace', 'substr', 'substring', '||', 'lpad', 'rpad', 'split_part', 'reverse'].includes(f)) return 'string';
      if (f === 'date_trunc') return k[1] === 'date' ? 'timestamp' : k[1] ?? 'unknown';
      return 'unknown';
    }
    default: return 'unknown';
  }
}

/** Every portability problem of a parsed gold query. */
export function portabilityFindings(select: Node, sql: string, scope: TypeScope): Finding[] {
  const out: Finding[] = [];
  const add = (n: Node, message: string, fix: string) => out.push({ offset: n.query_location ?? 0, message, fix });
  walk(select, (n, parent) => {
    // A CAST of a double: to an integer type DuckDB rounds a .5 to even (2.5 → 2) and Trino half up (3); to text
    // DuckDB writes 10000000.0 and Trino 1.0E7 (DoubleOperators in Trino; an attack, stop 49).
    if (n.class === 'CAST' && inferKind(n.child ?? {}, scope) === 'float') {
      const to = kindOfDuckType(String(n.cast_type?.id ?? ''));
      const whole = n.child?.class === 'FUNCTION' && ['round', 'floor', 'ceil', 'ceiling', 'trunc'].includes(String(n.child.function_name).toLowerCase())
        && ((n.child.children ?? []).length < 2 || (n.child.children[1]?.class === 'CONSTANT' && Number(n.child.children[1].value?.value) === 0));
      // A whole double (round(x)) casts to the same integer on both; as text it is still 3.0 against 3.0E0.
      if (to === 'integer' && !whole) add(n, 'a CAST of a double to an integer type rounds a .5 to even on DuckDB (2.5 → 2) and half up on Athena (3)', 'CAST(round(x) AS BIGINT): round() goes half away from zero on both');
      else if (to === 'string') add(n, 'a double as text is 10000000.0 on DuckDB and 1.0E7 on Athena', 'CAST(CAST(x AS DECIMAL(38, 6)) AS VARCHAR) with the places you want, or keep the number a number');
    }
    if (n.type === 'SELECT_NODE') {
      if (n.qualify) add(n.qualify, 'QUALIFY does not exist on Athena', 'filter the window result in an outer SELECT ... WHERE');
      if (n.aggregate_handling === 'FORCE_AGGREGATES') add(n, 'GROUP BY ALL means something else on Athena', 'list the grouping columns (GROUP BY 1, 2 or by name)');
    }
    if (n.class === 'STAR' && ((n.exclude_list?.length ?? 0) > 0 || (n.replace_list?.length ?? 0) > 0)) {
      add(n, '* EXCLUDE / REPLACE does not exist on Athena', 'list the columns');
    }
    // (It also made an incremental table split a group its SQL merges: NOCASE grouped 'A' and 'a', two silver
    // partitions, and a refresh of one published a second row beside the merged one: an attack, stop 45.)
    // (DuckDB gives the COLLATE node no place of its own: its operand's.)
    if (n.class === 'COLLATE') add(n.child ?? n, `COLLATE ${String(n.collation)} does not exist on Athena`, 'compare a normalised text instead: lower(x), upper(x)');
    if (n.class !== 'FUNCTION') return;
    const f = String(n.function_name).toLowerCase();
    const args = (n.children ?? []) as Node[];
    if (f === '/' && args.length === 2 && args.every((a) => inferKind(a, scope) === 'integer')) {
      add(n, 'integer / integer is an integer division on Athena and a decimal one on DuckDB', 'CAST(a AS DOUBLE) / b');
      return;
    }
    // Trino divides decimals as decimals, rounded half up to the larger scale (10.01 / 2 is 5.01); DuckDB as doubles
    // (5.005). Measured on DuckDB 1.4; Trino's rule: docs "Decimal functions and operators" (attack, stop 38).
    if (f === '/' && args.length === 2) {
      const kinds = args.map((a) => inferKind(a, scope));
      if (kinds.includes('decimal') && !kinds.includes('float')) {
        add(n, 'a division of a decimal is a decimal rounded to its scale on Athena and a double on DuckDB (10.01 / 2: 5.01 against 5.005)', 'CAST(a AS DOUBLE) / b, or round(CAST(a AS DOUBLE) / b, 2) for the digits you publish');
        return;
      }
    }
    if (f === 'date_diff') {
      const unit = args[0]?.class === 'CONSTANT' ? String(args[0].value?.value).toLowerCase() : undefined;
      const dates = args.slice(1).every((a) => inferKind(a, scope) === 'date');
      if (unit !== 'day' || !dates) add(n, "date_diff counts unit boundaries crossed on DuckDB and whole units elapsed on Athena (they agree only for 'day' between DATEs)", "date_diff('day', CAST(a AS DATE), CAST(b AS DATE))");
      return;
    }
    if (f === 'date_part' || f === 'extract') {
      const part = args[0]?.class === 'CONSTANT' ? String(args[0].value?.value).toLowerCase() : '';
      if (['dow', 'isodow', 'dayofweek', 'weekday'].includes(part)) add(n, `extract(${part}) numbers days differently on the two engines`, FUNCTION_ADVICE.dayofweek!.fix);
      else if (!['year', 'month', 'day', 'hour', 'minute', 'second', 'quarter'].includes(part)) add(n, `extract(${part}) is not known to be portable`, 'use year(), month(), day(), hour(), minute(), second()');
      return;
    }
    if (f === 'date_trunc' && inferKind(args[1] ?? {}, scope) === 'date' && !(parent?.class === 'CAST' && String(parent.cast_type?.id) === 'DATE')) {
      add(n, 'date_trunc of a DATE is a DATE on Athena and a TIMESTAMP on DuckDB', `CAST(date_trunc('month', x) AS DATE)`);
      return;
    }
    // Trino's string and comparison functions where they part from DuckDB's (Trino docs; an attack, stop 49).
    if (f === 'greatest' || f === 'least') {
      add(n, `${f}() skips NULL arguments on DuckDB and is NULL when any argument is NULL on Athena`, `CASE WHEN a ${f === 'greatest' ? '>=' : '<='} b THEN a ELSE b END, with coalesce() on the arguments that may be NULL`);
      return;
    }
    if (f === 'split_part' && !(parent?.class === 'FUNCTION' && String(parent.function_name).toLowerCase() === 'nullif')) {
      add(n, "split_part() past the last field is '' on DuckDB and NULL on Athena", "nullif(split_part(s, '-', 2), '') (NULL on both)");
      return;
    }
    const constant = (a: Node | undefined) => (a?.class === 'CONSTANT' && !a.value?.is_null ? a.value?.value : undefined);
    // (A negative start counts from the end on both: substr(s, -3) is the last three characters.)
    const second = constant(args[1]); // substr's start, replace's search text
    if ((f === 'substr' || f === 'substring') && !(second !== undefined && Number.isInteger(Number(second)) && Number(second) !== 0)) {
      add(n, `${f}() from a start of 0 or one not written as a number counts differently on the two engines (substr('paid', 0, 2): 'p' on DuckDB, '' on Athena)`, `${f}(s, <a literal start: 1 or more, or negative from the end>, n)`);
      return;
    }
    if (f === 'replace' && !(typeof second === 'string' && second !== '')) {
      add(n, "replace() with an empty search text leaves the text as it is on DuckDB and puts the replacement between every character on Athena", "replace(s, '<a literal, non-empty search text>', r)");
      return;
    }
    if (f === 'reverse') {
      add(n, 'reverse() keeps a letter with its accents together on DuckDB and reverses code points on Athena', 'keep text reversal out of gold SQL');
      return;
    }
    if (f === 'avg' && inferKind(args[0] ?? {}, scope) === 'decimal') {
      add(n, 'avg of a decimal is a decimal on Athena and a double on DuckDB', 'avg(CAST(x AS DOUBLE)), or round() the result to the scale you publish');
      return;
    }
  });
  // `::` casts parse to the same tree as CAST(), so look at the text (outside string literals).
  const text = sql.replace(/'(?:[^']|'')*'/g, (m) => ' '.repeat(m.length));
  // DuckDB parses a length away (VARCHAR(3) is VARCHAR); Trino cuts the text to it.
  for (const m of text.matchAll(/\b(?:VAR)?CHAR(?:ACTER)?(?:\s+VARYING)?\s*\(\s*\d+\s*\)/gi)) {
    out.push({ offset: m.index!, message: `${m[0].replace(/\s+/g, ' ')} ignores its length on DuckDB and cuts the text to it on Athena`, fix: 'VARCHAR without a length, and substr(x, 1, n) where the text is to be cut' });
  }
  for (let i = text.indexOf('::'); i !== -1; i = text.indexOf('::', i + 2)) {
    out.push({ offset: i, message: 'x::type casts do not exist on Athena', fix: 'CAST(x AS type)' });
  }
  return out.sort((a, b) => a.offset - b.offset);
}

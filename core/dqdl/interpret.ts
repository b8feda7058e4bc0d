// Query results → rule outcomes. The same code reads rows from DuckDB (numbers, bigints) and from Athena (strings),
// so a ruleset means the same on both engines. Composites combine their operands' outcomes (Glue's default COLUMN
// evaluation: each rule over the whole dataset, then the logic), with ERROR as "unknown" (Kleene logic): an "and"
// with a failing operand fails, an "or" with a passing operand passes, otherwise an ERROR operand makes an ERROR.
import { plannedLeaves } from './compile.ts';
import { formatNumber, numberText } from './dynamic.ts';
import { binary32Check, satisfies, satisfiesRational, type Expectation } from './expectation.ts';
import { Binary32, parseDecimal, rationalOf, readsAs, type Rational } from './exact.ts';
import { columnMetric, columnsMetric, datasetMetric } from './metric-names.ts';
import type { CompiledRuleset, LeafPlan, Outcome, PlannedRule, QueryOutput, RuleResult } from './types.ts';
import { withoutValues } from '../sql/engine-message.ts';

export interface LeafOutcome {
  outcome: Outcome;
  metrics: Record<string, number>;
  message: string;
}

export function interpretResults(compiled: CompiledRuleset, outputs: readonly QueryOutput[]): { results: RuleResult[]; score: number } {
  const outcomes = leafOutcomes(compiled, outputs);
  const results = compiled.rules.map((r) => combine(r, outcomes));
  return { results, score: score(results) };
}

export function score(results: readonly RuleResult[]): number {
  return results.length ? results.filter((r) => r.outcome === 'PASS').length / results.length : 1;
}

export function leafOutcomes(compiled: CompiledRuleset, outputs: readonly QueryOutput[]): Map<number, LeafOutcome> {
  return new Map(plannedLeaves(compiled.rules).map((p) => [p.id, evaluateLeaf(p, outputs)]));
}

export function combine(p: PlannedRule, outcomes: ReadonlyMap<number, LeafOutcome>): RuleResult {
  if (p.kind === 'leaf') {
    const o = outcomes.get(p.id) ?? { outcome: 'ERROR', metrics: {}, message: 'not evaluated' };
    return { rule: p.text, ...o };
  }
  const parts = p.operands.map((o) => combine(o, outcomes));
  // A metric two operands measured differently (one of them over the rows of a where clause) is theirs, not the
  // composite's: each operand's result keeps it.
  const metrics: Record<string, number> = {};
  const differing = new Set<string>();
  for (const [k, v] of parts.flatMap((x) => Object.entries(x.metrics))) {
    if (k in metrics && !Object.is(metrics[k], v)) differing.add(k);
    metrics[k] = v;
  }
  for (const k of differing) delete metrics[k];
  const decisive: Outcome = p.kind === 'and' ? 'FAIL' : 'PASS';
  let outcome: Outcome;
  if (parts.some((x) => x.outcome === decisive)) outcome = decisive;
  else if (parts.some((x) => x.outcome === 'ERROR')) outcome = 'ERROR';
  else outcome = p.kind === 'and' ? 'PASS' : 'FAIL';
  const show = parts.filter((x) => (outcome === 'PASS' ? x.outcome === 'PASS' : x.outcome !== 'PASS'));
  const head = outcome === 'PASS'
    ? (p.kind === 'and' ? `all ${parts.length} rules pass` : `${show.length} of ${parts.length} rules pass`)
    : outcome === 'FAIL'
      ? (p.kind === 'and' ? `${show.length} of ${parts.length} rules fail` : `none of ${parts.length} rules pass`)
      : `${show.filter((x) => x.outcome === 'ERROR').length} of ${parts.length} rules could not be evaluated`;
  const detail = outcome === 'PASS' && p.kind === 'and' ? '' : `: ${show.map((x) => `(${x.rule}) ${x.outcome}: ${x.message}`).join('; ')}`;
  return { rule: p.text, outcome, metrics, message: `${p.kind}: ${head}${detail}`, operands: parts };
}

/** NaN as a cell: DuckDB's number, or Athena's text ("NaN"). */
function isNaNCell(v: unknown): boolean {
  if (v instanceof Binary32) return Number.isNaN(v.value);
  return (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && /^\s*nan\s*$/i.test(v));
}

/** Text a cell may hold as a number: decimal notation, as SQL casts text (and Athena's Infinity). */
const DECIMAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?Infinity$/;

/** A cell as a number: DuckDB gives numbers and bigints, Athena strings; NULL and NaN are "undefined". */
export function toNumber(v: unknown): number | undefined {
  if (v instanceof Binary32) return toNumber(v.value);
  if (v === null || v === undefined || isNaNCell(v)) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    // Decimal notation only, as SQL reads text as a number: JavaScript's Number() also reads 0x10, 0b1 and 0o7.
    const t = v.trim();
    if (!DECIMAL_TEXT.test(t)) return undefined;
    return Number(t);
  }
  return undefined;
}

class QueryFailed extends Error {}

function evaluateLeaf(leaf: LeafPlan, outputs: readonly QueryOutput[]): LeafOutcome {
  if (leaf.error) return { outcome: 'ERROR', metrics: {}, message: leaf.error };
  try {
    return judge(leaf, (role) => {
      const ref = leaf.cells[role];
      if (!ref) return leaf.known[role];
      const o = outputs[ref.query];
      if (!o) throw new QueryFailed('its query was not run');
      if (!Array.isArray(o)) throw new QueryFailed(o.error);
      // A NaN aggregate (a column holding NaN) stays NaN here: it is a value the rule's message must name, not NULL.
      const cell = o[0]?.[ref.column];
      return isNaNCell(cell) ? NaN : toNumber(cell);
    }, outputs, (role) => {
      // A cell as the text the engine gave (a metric's exact decimal text), undefined otherwise.
      const ref = leaf.cells[role];
      const o = ref && outputs[ref.query];
      const cell = Array.isArray(o) ? o[0]?.[ref!.column] : undefined;
      return typeof cell === 'string' ? cell : typeof cell === 'bigint' ? String(cell) : undefined;
    });
  } catch (e) {
    if (e instanceof QueryFailed) return { outcome: 'ERROR', metrics: {}, message: `the query failed: ${e.message}` };
    throw e;
  }
}

type Read = (role: string) => number | undefined;

const q = (s: string) => `"${s}"`;
const f = formatNumber;
/** A share of counts exactly (k / n), for metricRule; undefined without rows. */
const share = (k: number | undefined, n: number | undefined): Rational | undefined =>
  k !== undefined && n && Number.isSafeInteger(k) && Number.isSafeInteger(n) ? { n: BigInt(k), d: BigInt(n) } : undefined;
const nulls = (n: number) => `${n} NULL value${n === 1 ? '' : 's'}`;

function judge(leaf: LeafPlan, read: Read, outputs: readonly QueryOutput[], text: (role: string) => string | undefined): LeafOutcome {
  const s = leaf.subject;
  const cols = s.map(q).join(', ');
  switch (leaf.type) {
    case 'RowCount': return metricRule(leaf, 'RowCount', read('rows'), { [datasetMetric('RowCount')]: read('rows') }, 'no rows', share(read('rows'), 1));
    case 'ColumnCount': return metricRule(leaf, 'ColumnCount', read('value'), { [datasetMetric('ColumnCount')]: read('value') }, '', share(read('value'), 1));
    case 'ColumnExists':
      return read('exists') === 1
        ? { outcome: 'PASS', metrics: {}, message: `column ${q(s[0]!)} exists` }
        : { outcome: 'FAIL', metrics: {}, message: `column ${q(s[0]!)} does not exist` };
    case 'ColumnNamesMatchPattern': {
      const matched = read('matched') ?? 0;
      const total = read('total') ?? 0;
      const metrics = total ? { [datasetMetric('ColumnNamesPatternMatchRatio')]: matched / total } : {};
      return matched === total
        ? { outcome: 'PASS', metrics, message: `all ${total} column names match` }
        : { outcome: 'FAIL', metrics, message: `${total - matched} of ${total} column names do not match: ${cols}` };
    }
    case 'Completeness':
    case 'IsComplete': {
      const rows = read('rows');
      const nonNull = read('nonNull');
      const ratio = rows ? (nonNull ?? 0) / rows : undefined;
      const metrics = { [columnMetric(s[0]!, 'Completeness')]: ratio };
      if (leaf.type === 'Completeness') return metricRule(leaf, `Completeness of ${q(s[0]!)}`, ratio, metrics, 'no rows', share(nonNull ?? 0, rows));
      if (!rows) return undefinedMetric(metrics, `Completeness of ${q(s[0]!)}`, 'no rows');
      return nonNull === rows
        ? { outcome: 'PASS', metrics: defined(metrics), message: `${q(s[0]!)} has no NULL values in ${rows} rows` }
        : { outcome: 'FAIL', metrics: defined(metrics), message: `${q(s[0]!)} has ${nulls(rows - (nonNull ?? 0))} in ${rows} rows (Completeness ${f(ratio!)})` };
    }
    case 'Uniqueness':
    case 'IsUnique': {
      const rows = read('f_rows');
      const unique = read('f_unique') ?? 0;
      const ratio = rows ? unique / rows : undefined;
      const metrics = { [columnsMetric(s, 'Uniqueness')]: ratio };
      if (leaf.type === 'Uniqueness') return metricRule(leaf, `Uniqueness of ${cols}`, ratio, metrics, 'no non-NULL values', share(unique, rows));
      if (!rows) return undefinedMetric(metrics, `Uniqueness of ${cols}`, 'no non-NULL values');
      return unique === rows
        ? { outcome: 'PASS', metrics: defined(metrics), message: `${cols} is unique in ${rows} non-NULL rows` }
        : { outcome: 'FAIL', metrics: defined(metrics), message: `${cols} is not unique: ${rows - unique} of ${rows} non-NULL rows share their value with another row (Uniqueness ${f(ratio!)})` };
    }
    case 'IsPrimaryKey': {
      const rows = read('rows');
      const keyRows = read('f_rows');
      const unique = read('f_unique') ?? 0;
      const metrics: Record<string, number | undefined> = { [columnsMetric(s, 'Uniqueness')]: keyRows ? unique / keyRows : undefined };
      const problems: string[] = [];
      s.forEach((c, i) => {
        const nonNull = read(`nonNull${i}`) ?? 0;
        metrics[columnMetric(c, 'Completeness')] = rows ? nonNull / rows : undefined;
        if (rows && nonNull < rows) problems.push(`${q(c)} has ${nulls(rows - nonNull)}`);
      });
      if (!rows) return undefinedMetric(metrics, `the key ${cols}`, 'no rows');
      if (keyRows && unique < keyRows) problems.push(`${rows === keyRows ? '' : 'among rows with a key, '}${keyRows - unique} of ${keyRows} rows share their key with another row`);
      return problems.length
        ? { outcome: 'FAIL', metrics: defined(metrics), message: `${cols} is not a primary key: ${problems.join('; ')}` }
        : { outcome: 'PASS', metrics: defined(metrics), message: `${cols} is complete and unique in ${rows} rows` };
    }
    case 'UniqueValueRatio': {
      const distinct = read('f_distinct');
      const unique = read('f_unique') ?? 0;
      const ratio = distinct ? unique / distinct : undefined;
      return metricRule(leaf, `UniqueValueRatio of ${cols}`, ratio, { [columnMetric(s[0]!, 'UniqueValueRatio')]: ratio }, 'no non-NULL values', share(unique, distinct));
    }
    case 'DistinctValuesCount': {
      const distinct = read('f_distinct') ?? 0;
      return metricRule(leaf, `DistinctValuesCount of ${cols}`, distinct, { [columnMetric(s[0]!, 'DistinctValuesCount')]: distinct }, '', share(distinct, 1));
    }
    case 'Entropy': {
      const rows = read('f_rows');
      const nlogn = read('f_nlogn') ?? 0;
      // Σ -p ln p with p = n / N  equals  ln N − Σ n ln n / N; clamp the rounding residue of a single value to 0.
      const entropy = rows ? Math.max(0, Math.log(rows) - nlogn / rows) : undefined;
      return metricRule(leaf, `Entropy of ${cols}`, entropy, { [columnMetric(s[0]!, 'Entropy')]: entropy }, 'no non-NULL values');
    }
    case 'Mean':
    case 'Sum':
    case 'StandardDeviation': {
      const v = read('value');
      return metricRule(leaf, `${leaf.type} of ${cols}`, v, { [columnMetric(s[0]!, leaf.type)]: v }, read('rows') ? 'no non-NULL values' : 'no rows', text('exact'));
    }
    case 'ColumnCorrelation': {
      const v = read('value');
      return metricRule(leaf, `ColumnCorrelation of ${q(s[0]!)} and ${q(s[1]!)}`, v, { [columnsMetric(s, 'ColumnCorrelation')]: v },
        read('rows') ? 'fewer than two rows with both values, or a column without variance' : 'no rows');
    }
    case 'ColumnLength':
      return rowRule(leaf, read, {
        [columnMetric(s[0]!, 'MinimumLength')]: read('minLength'),
        [columnMetric(s[0]!, 'MaximumLength')]: read('maxLength'),
      }, columnMetric(s[0]!, 'LengthCompliance'));
    case 'ColumnValues':
      return rowRule(leaf, read, {
        [columnMetric(s[0]!, 'Minimum')]: read('min'),
        [columnMetric(s[0]!, 'Maximum')]: read('max'),
      }, columnMetric(s[0]!, 'ColumnValues.Compliance'));
    case 'DataFreshness':
      return rowRule(leaf, read, {}, columnMetric(s[0]!, 'DataFreshness.Compliance'));
    case 'CustomSql': {
      if (leaf.customQuery === undefined) return rowRule(leaf, read, {}, datasetMetric('CustomSQL.Compliance'));
      const o = outputs[leaf.customQuery];
      if (!o) throw new QueryFailed('its query was not run');
      if (!Array.isArray(o)) throw new QueryFailed(o.error);
      const row = o[0];
      const values = row ? Object.values(row) : [];
      // A runner may leave NULL cells out of a row (one row, no keys): that is a NULL value, not a shape error.
      if (o.length !== 1 || values.length > 1) {
        return { outcome: 'ERROR', metrics: {}, message: `CustomSql with a condition must return one row with one number; it returned ${o.length} row${o.length === 1 ? '' : 's'}${row ? ` of ${values.length} column${values.length === 1 ? '' : 's'}` : ''}` };
      }
      // NaN is a number no condition holds for (as SQL compares it), not a value of another type ("returned null").
      if (isNaNCell(values[0])) return { outcome: 'FAIL', metrics: {}, message: 'CustomSql value is NaN, for which no condition holds' };
      const v = toNumber(values[0]);
      // The value is quoted only when the rule itself says it: a value read from a table stays out of the record.
      if (v === undefined && values[0] !== null) return { outcome: 'ERROR', metrics: {}, message: `CustomSql must return a number; it returned ${withoutValues(JSON.stringify(values[0]), leaf.text)}` };
      // Exactly as the engine gave it where it gave text or a big integer (Athena's cells, DuckDB's exact conversion).
      const exact = typeof values[0] === 'string' ? values[0] : typeof values[0] === 'bigint' ? String(values[0]) : undefined;
      return metricRule(leaf, 'CustomSql value', v, { [datasetMetric('CustomSQL')]: v }, 'the statement returned NULL', exact, values[0] instanceof Binary32);
    }
    case 'ReferentialIntegrity': {
      const rows = read('rows');
      const matched = read('matched') ?? 0;
      const ratio = rows ? matched / rows : undefined;
      const ref = leaf.reference!;
      return metricRule(leaf, `ReferentialIntegrity of ${cols} in ${ref.dataset}.{${ref.columns.join(',')}}`, ratio,
        { [columnMetric(ref.dataset, 'ReferentialIntegrity')]: ratio }, 'no rows', share(matched, rows));
    }
    case 'RowCountMatch': {
      const rows = read('rows') ?? 0;
      const refRows = read('refRows');
      const ratio = refRows ? rows / refRows : undefined;
      return metricRule(leaf, `RowCountMatch with ${q(s[0]!)} (${rows} / ${refRows ?? 0} rows)`, ratio,
        { [datasetMetric('RowCountMatch', s[0]!)]: ratio }, 'the reference dataset has no rows', share(rows, refRows));
    }
  }
  return { outcome: 'ERROR', metrics: {}, message: `${leaf.type} is not supported` };
}

function defined(m: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter((e): e is [string, number] => e[1] !== undefined && Number.isFinite(e[1])));
}

function undefinedMetric(metrics: Record<string, number | undefined>, what: string, why: string): LeafOutcome {
  return { outcome: 'FAIL', metrics: defined(metrics), message: `${what} is undefined: ${why}` };
}

/** Where a dynamic threshold came from, inside the parentheses of a message. */
function dynamicNote(e: Expectation, passed: boolean): string {
  if (!e.dynamic.length) return '';
  return passed ? `; ${e.dynamic.join('; ')}` : ` (${e.dynamic.join('; ')})`;
}

/**
 * A rule comparing one metric with its condition.
 * `exact`: the metric exactly, where it is known so: decimal text (an integer or decimal aggregate, a CustomSql value as
 * the engine gave it) or a fraction of counts (a count is k / 1, a share of rows nonNull / rows: share). A DOUBLE (a
 * CustomSql value) has none: it is compared with the literals as SQL compares them, as doubles. `binary32`: the metric is a FLOAT, compared with the condition's literals as SQL compares
 * them (binary32Check).
 */
function metricRule(leaf: LeafPlan, what: string, value: number | undefined, metrics: Record<string, number | undefined>, whyUndefined: string, exact?: string | Rational, binary32 = false): LeafOutcome {
  const e = leaf.expect!;
  // Known exactly, the metric is compared with the condition's numbers exactly (as written, or computed exactly from
  // them and the history: dynamic.ts) and shown as it is where its double would read as another number; a
  // floating-point aggregate, a FLOAT, or a condition with no exact value (std) compares doubles.
  const usable = !leaf.approximate && !binary32 && value !== undefined && Number.isFinite(value);
  const d = usable && typeof exact === 'string' ? parseDecimal(exact) : undefined;
  const r = !usable ? undefined : d ? rationalOf(d) : typeof exact === 'object' ? exact : undefined;
  const exactly = r && satisfiesRational(r, e);
  if (r && exactly !== undefined) {
    // (A share that does not end shows its fraction, 2/3 ≈ 0.6666666666666666, against a bound of the same double.)
    const shown = d && !readsAs(value!, d) ? (exact as string).trim() : typeof exact === 'object' ? numberText(value!, r) : f(value!);
    return {
      outcome: exactly ? 'PASS' : 'FAIL',
      metrics: defined(metrics),
      message: exactly ? `${what} is ${shown} (${e.text}${dynamicNote(e, true)})` : `${what} is ${shown}, expected ${e.text}${dynamicNote(e, false)}`,
    };
  }
  if (value !== undefined && Number.isNaN(value)) {
    // Not "no non-NULL values": the column holds NaN, or infinite values that cancel (Infinity - Infinity is NaN).
    return { outcome: 'FAIL', metrics: defined(metrics), message: `${what} is NaN: the column holds NaN or infinite values, for which no condition holds` };
  }
  if (value === undefined || !Number.isFinite(value)) {
    return undefinedMetric(metrics, what, value === undefined ? whyUndefined || 'no value' : `${value}`);
  }
  const ok = satisfies(value, binary32 ? binary32Check(e) : e.check, leaf.approximate);
  // Compared as doubles, shown as it is.
  const shown = f(value);
  return {
    outcome: ok ? 'PASS' : 'FAIL',
    metrics: defined(metrics),
    message: ok ? `${what} is ${shown} (${e.text}${dynamicNote(e, true)})` : `${what} is ${shown}, expected ${e.text}${dynamicNote(e, false)}`,
  };
}

/** A rule checking every row: all rows must pass, or the share given by "with threshold". */
function rowRule(leaf: LeafPlan, read: Read, extra: Record<string, number | undefined>, complianceMetric: string): LeafOutcome {
  const rows = read('rows');
  const passed = read('passed') ?? 0;
  const ratio = rows ? passed / rows : undefined;
  const metrics = defined({ ...extra, [complianceMetric]: ratio });
  if (!rows) return { outcome: 'FAIL', metrics, message: 'no rows to check: compliance is undefined' };
  const share = `${passed} of ${rows} rows pass (${f(ratio!)})`;
  if (leaf.threshold) {
    // The share exactly (passed / rows) where the threshold has an exact value: 0.1 * 7 holds at 7 of 10 rows.
    const ok = (Number.isSafeInteger(passed) && Number.isSafeInteger(rows) ? satisfiesRational({ n: BigInt(passed), d: BigInt(rows) }, leaf.threshold) : undefined)
      ?? satisfies(ratio!, leaf.threshold.check);
    return { outcome: ok ? 'PASS' : 'FAIL', metrics, message: ok ? `${share}, threshold ${leaf.threshold.text}` : `${share}, expected a share ${leaf.threshold.text}` };
  }
  return passed === rows
    ? { outcome: 'PASS', metrics, message: `all ${rows} rows pass` }
    : { outcome: 'FAIL', metrics, message: `${rows - passed} of ${rows} rows fail (${f(ratio!)} pass), expected all rows to pass` };
}

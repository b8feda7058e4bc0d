// CustomSql statements: "primary" is the batch, and a reference dataset the ruleset declares is read by its name. The
// statement is written in the dialect being evaluated; strata binds those names (as CTEs) and, for the row-level
// form, finds which columns the statement returns (they are matched back to the batch's rows, as Glue does: returned
// rows pass, the others fail). The statement is spliced only after core/dqdl/sandbox.ts vetted it.
import { ident } from '../sql/quote.ts';
import { subquery } from '../sql/sandbox.ts';
import type { Columns } from './columns.ts';

interface SqlToken {
  t: 'word' | 'quoted' | 'string' | 'num' | 'op';
  v: string;
  at: number;
  end: number;
}

/** A rough SQL tokenizer: enough to tell identifiers from strings and comments, and to track parentheses. */
function scan(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const rest = sql.slice(i);
    if (/\s/.test(c)) { i++; continue; }
    if (rest.startsWith('--')) { const n = sql.indexOf('\n', i); i = n < 0 ? sql.length : n + 1; continue; }
    if (rest.startsWith('/*')) { const n = sql.indexOf('*/', i + 2); i = n < 0 ? sql.length : n + 2; continue; }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let v = '';
      for (; j < sql.length; j++) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) { v += c; j++; continue; }
          break;
        }
        v += sql[j];
      }
      out.push({ t: c === "'" ? 'string' : 'quoted', v, at: i, end: Math.min(j + 1, sql.length) });
      i = j + 1;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(rest);
    if (word) { out.push({ t: 'word', v: word[0], at: i, end: i + word[0].length }); i += word[0].length; continue; }
    const num = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (num) { out.push({ t: 'num', v: num[0], at: i, end: i + num[0].length }); i += num[0].length; continue; }
    out.push({ t: 'op', v: c, at: i, end: i + 1 });
    i++;
  }
  return out;
}

/** The statement with "primary" quoted, so that a CTE named "primary" (a reserved word in DuckDB) binds it. */
export function bindPrimary(sql: string): string {
  return boundStatement(sql).text;
}

/**
 * bindPrimary's text (trimmed, without a trailing ";"), and for each of its offsets the offset in `sql` it came
 * from (strata check reports positions in the rule as written).
 */
export function boundStatement(sql: string): { text: string; original: (offset: number) => number } {
  const toks = scan(sql);
  let out = '';
  const from: number[] = [];
  let last = 0;
  const copy = (end: number) => { for (let i = last; i < end; i++) from.push(i); out += sql.slice(last, end); };
  toks.forEach((t, k) => {
    const qualified = toks[k - 1]?.t === 'op' && toks[k - 1]!.v === '.';
    if (t.t === 'word' && t.v.toLowerCase() === 'primary' && !qualified) {
      copy(t.at);
      out += '"primary"';
      from.push(t.at, ...Array.from({ length: 7 }, (_, i) => t.at + i), t.end - 1);
      last = t.end;
    }
  });
  copy(sql.length);
  const start = out.length - out.trimStart().length;
  const text = out.trim().replace(/;+\s*$/, '');
  return { text, original: (offset) => from[start + offset] ?? sql.length };
}

/** How the compiled queries bind the statement's relations: primary is the batch, a reference dataset its table. */
export function relationsCte(batch: string, references: ReadonlyArray<readonly [string, string]>): string {
  return [`"primary" AS (SELECT * FROM ${batch})`, ...references.map(([name, relation]) => `${ident(name)} AS (SELECT * FROM ${relation})`)].join(',\n');
}

/** The aggregate form: the statement's single value. */
export function customValueSql(sql: string, batch: string, references: ReadonlyArray<readonly [string, string]> = []): string {
  return `WITH ${relationsCte(batch, references)}\nSELECT * FROM ${subquery(bindPrimary(sql))} AS __dq_custom`;
}

/** The row-level form: how many batch rows the statement returns (matched on the returned columns, NULL = NULL). */
export function customRowsSql(sql: string, batch: string, returned: string[], references: ReadonlyArray<readonly [string, string]> = []): string {
  const m = returnedMatch(sql, returned);
  return [
    `WITH ${relationsCte(batch, references)},`,
    m.cte,
    `SELECT count(*) AS "rows", count(__dq_r.__dq_hit) AS "passed"`,
    `FROM "primary" AS __dq_p LEFT JOIN __dq_returned AS __dq_r ON ${m.on}`,
  ].join('\n');
}

/** The statement's distinct returned rows (__dq_returned, flagged __dq_hit) and how a batch row __dq_p matches one. */
function returnedMatch(sql: string, returned: string[]): { cte: string; on: string } {
  const cols = returned.map(ident);
  return {
    cte: `__dq_returned AS (SELECT DISTINCT ${cols.join(', ')}, 1 AS __dq_hit FROM ${subquery(bindPrimary(sql))} AS __dq_custom)`,
    on: cols.map((c) => `__dq_p.${c} IS NOT DISTINCT FROM __dq_r.${c}`).join(' AND '),
  };
}

/** The row-level form, row by row: the ids of the rows of `rows` (the batch plus an id column) the statement does not return. */
export function customFailingRowsSql(sql: string, batch: string, rows: string, id: string, returned: string[], references: ReadonlyArray<readonly [string, string]> = []): string {
  const m = returnedMatch(sql, returned);
  return [
    `WITH ${relationsCte(batch, references)},`,
    m.cte,
    `SELECT __dq_p.${ident(id)} AS id, CAST(NULL AS VARCHAR) AS value`,
    `FROM ${rows} AS __dq_p LEFT JOIN __dq_returned AS __dq_r ON ${m.on} WHERE __dq_r.__dq_hit IS NULL`,
  ].join('\n');
}

export class CustomSqlError extends Error {}

/** Names of the batch columns the statement returns (its outer select list), or why it cannot be used row by row. */
export function returnedColumns(sql: string, columns: Columns): string[] {
  const toks = scan(sql);
  let depth = 0;
  let start = -1;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.t === 'op' && t.v === '(') depth++;
    else if (t.t === 'op' && t.v === ')') depth--;
    else if (depth === 0 && t.t === 'word' && t.v.toLowerCase() === 'select') { start = k + 1; break; }
  }
  if (start < 0) throw new CustomSqlError('the statement has no SELECT');
  while (toks[start]?.t === 'word' && ['distinct', 'all'].includes(toks[start]!.v.toLowerCase())) start++;
  const items: SqlToken[][] = [[]];
  depth = 0;
  let k = start;
  for (; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.t === 'op' && t.v === '(') depth++;
    if (t.t === 'op' && t.v === ')') depth--;
    if (depth === 0 && t.t === 'word' && t.v.toLowerCase() === 'from') break;
    if (depth === 0 && t.t === 'op' && t.v === ',') { items.push([]); continue; }
    items.at(-1)!.push(t);
  }
  if (k >= toks.length) throw new CustomSqlError('the statement does not select FROM primary');
  const names: string[] = [];
  for (const item of items) {
    const text = item.length ? sql.slice(item[0]!.at, item.at(-1)!.end) : '';
    const last = item.at(-1);
    const before = item.at(-2);
    if (last?.t === 'op' && last.v === '*') { names.push(...columns.names); continue; }
    const isName = (t: SqlToken | undefined) => t?.t === 'word' || t?.t === 'quoted';
    let name: string | undefined;
    if (isName(last)) {
      const dotted = item.every((t, i) => (i % 2 === 0 ? isName(t) : t.t === 'op' && t.v === '.'));
      const aliased = before && ((before.t === 'word' && before.v.toLowerCase() === 'as') || isName(before) || (before.t === 'op' && before.v === ')'));
      if (dotted || aliased) name = last!.v;
    }
    if (!name) throw new CustomSqlError(`row-level CustomSql returns rows of primary, so it must select columns of primary; "${text}" is not a column (select columns, or use the aggregate form with a condition)`);
    const col = columns.find(name);
    if (!col) throw new CustomSqlError(`row-level CustomSql returns "${name}", which is not a column of primary (its columns are matched back to the batch)`);
    names.push(col.name);
  }
  return [...new Set(names)];
}

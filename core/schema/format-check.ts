// The date and timestamp formats and the patterns of schema files, checked by the engine that reads them: a format DuckDB's strptime
// cannot parse (a specifier it has no such as %Q) passed strata check, and every ingest then failed, blaming the file
// ("cannot be read as csv: Failed to parse format specifier"; newcomer's trial, stop 48). A check of the project, so
// that every command that loads it leaves such a dataset out as strata check reports it (ingest still ran it, blaming
// the file: newcomer's trial, stop 49). Patterns alike: one RE2 cannot compile (a lookahead, which JavaScript's RegExp
// takes) passed strata check and every ingest failed, blaming the file ("invalid perl operator"; newcomer's trial,
// stop 52), while one RE2 takes and JavaScript does not ((?i)a, (?P<n>a)) was refused.
import { withBinder } from '../sql/binder.ts';
import { str } from '../sql/quote.ts';
import type { Diagnostic } from './diagnostics.ts';
import { registerAsyncProjectCheck, type LoadedSchema } from './project.ts';

/**
 * One error per column format DuckDB's strptime refuses, at the format in its schema file, with DuckDB's words and the
 * way back (the specifiers of https://duckdb.org/docs/sql/functions/dateformat). Formats are checked by parsing a
 * value with them: only the format's own validity decides, not whether the value fits it.
 */
export async function checkFormats(schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> {
  const formats = schemas.flatMap((s) => s.spec.columns.flatMap((c, i) => (c.format ?? []).map((f, k) => ({ s, i, k, f }))));
  if (!formats.length) return [];
  return withBinder(async (db) => {
    const out: Diagnostic[] = [];
    for (const x of formats) {
      const error = await db.all(`SELECT try_strptime('2000-01-01', ${str(x.f)}) AS v`).then(() => undefined, (e: Error) => e.message.split('\n')[0]!.replace(/^[A-Za-z ]+Error: /, ''));
      if (!error) continue;
      const path = x.s.source.doc.hasIn(['columns', x.i, 'format', x.k]) ? ['columns', x.i, 'format', x.k] : ['columns', x.i, 'format'];
      out.push(x.s.source.diagnostic(path, `format ${JSON.stringify(x.f)} cannot be read by DuckDB's strptime: ${error}`,
        'use its specifiers (%Y-%m-%d %H:%M:%S, %d/%m/%Y, %b %d %Y …: https://duckdb.org/docs/sql/functions/dateformat)'));
    }
    return out;
  });
}

registerAsyncProjectCheck(checkFormats);

/**
 * One error per column pattern RE2 (DuckDB's regexp_full_match, which checks it in the stage) cannot compile, at the
 * pattern in its schema file, with RE2's words and the way back: its syntax (https://github.com/google/re2/wiki/Syntax)
 * has no lookahead, lookbehind or backreference, and names a group (?P<name>…).
 */
export async function checkPatterns(schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> {
  const patterns = schemas.flatMap((s) => s.spec.columns.flatMap((c, i) => (c.pattern !== undefined ? [{ s, i, p: c.pattern }] : [])));
  if (!patterns.length) return [];
  return withBinder(async (db) => {
    const out: Diagnostic[] = [];
    for (const x of patterns) {
      const error = await db.all(`SELECT regexp_full_match('', ${str(x.p)}) AS v`).then(() => undefined, (e: Error) => e.message.split('\n')[0]!.replace(/^[A-Za-z ]+Error: /, ''));
      if (!error) continue;
      out.push(x.s.source.diagnostic(['columns', x.i, 'pattern'], `pattern ${JSON.stringify(x.p)} is not an RE2 regular expression, the kind that checks it: ${error}`,
        'write it in RE2 syntax: no lookahead (?=…) or lookbehind (?<=…), no backreference \\1; a named group is (?P<name>…) (https://github.com/google/re2/wiki/Syntax)'));
    }
    return out;
  });
}

registerAsyncProjectCheck(checkPatterns);

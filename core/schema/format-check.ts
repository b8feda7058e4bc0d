// The date and timestamp formats and the patterns of schema files, checked by the engine that reads them: a format DuckDB's strptime
// cannot parse (a specifier it has no such as %Q) passed strata check, and every ingest then failed, blaming the file
// ("cannot be read as csv: Failed to parse format specifier"; newcomer's trial, stop 48). A check of the project, so
// that every command that loads it leaves such a dataset out as strata check reports it (ingest still ran it, blaming
// the file: newcomer's trial, stop 49). Patterns alike: one RE2 cannot compile (a lookahead, which JavaScript's RegExp
// takes) passed strata check and every ingest failed, blaming the file ("invalid perl operator"; newcomer's trial,
// stop 52), while one RE2 takes and JavaScript does not ((?i)a, (?P<n>a)) was refused.
import { engineMessage } from '../errors.ts';
import { withBinder, type SqlSession } from '../sql/binder.ts';
import { str } from '../sql/quote.ts';
import type { Diagnostic } from './diagnostics.ts';
import { registerAsyncProjectCheck, type LoadedSchema } from './project.ts';

/**
 * One error per column format DuckDB's strptime refuses, at the format in its schema file, with DuckDB's words and the
 * way back (the specifiers of https://duckdb.org/docs/sql/functions/dateformat). Formats are checked by parsing a
 * value with them: only the format's own validity decides, not whether the value fits it.
 */
async function checkFormats(db: SqlSession, schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const s of schemas) {
    for (const [i, c] of s.spec.columns.entries()) {
      for (const [k, f] of (c.format ?? []).entries()) {
        const error = await refusal(db, `SELECT try_strptime('2000-01-01', ${str(f)}) AS v`);
        if (!error) continue;
        const path = s.source.doc.hasIn(['columns', i, 'format', k]) ? ['columns', i, 'format', k] : ['columns', i, 'format'];
        out.push(s.source.diagnostic(path, `format ${JSON.stringify(f)} cannot be read by DuckDB's strptime: ${error}`,
          'use its specifiers (%Y-%m-%d %H:%M:%S, %d/%m/%Y, %b %d %Y …: https://duckdb.org/docs/sql/functions/dateformat)'));
      }
    }
  }
  return out;
}

/**
 * One error per column pattern RE2 (DuckDB's regexp_full_match, which checks it in the stage) cannot compile, at the
 * pattern in its schema file, with RE2's words and the way back: its syntax (https://github.com/google/re2/wiki/Syntax)
 * has no lookahead, lookbehind or backreference, and names a group (?P<name>…).
 */
async function checkPatterns(db: SqlSession, schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const s of schemas) {
    for (const [i, c] of s.spec.columns.entries()) {
      if (c.pattern === undefined) continue;
      const error = await refusal(db, `SELECT regexp_full_match('', ${str(c.pattern)}) AS v`);
      if (!error) continue;
      out.push(s.source.diagnostic(['columns', i, 'pattern'], `pattern ${JSON.stringify(c.pattern)} is not an RE2 regular expression, the kind that checks it: ${error}`,
        'write it in RE2 syntax: no lookahead (?=…) or lookbehind (?<=…), no backreference \\1; a named group is (?P<name>…) (https://github.com/google/re2/wiki/Syntax)'));
    }
  }
  return out;
}

/** DuckDB's words for why it refuses `sql` (engineMessage), or undefined when it runs it. */
function refusal(db: SqlSession, sql: string): Promise<string | undefined> {
  return db.all(sql).then(() => undefined, (e: unknown) => engineMessage(e));
}

/** The formats and the patterns of every schema file, over one session of the engine (none when there are neither). */
export async function checkEngineSyntax(schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> {
  if (!schemas.some((s) => s.spec.columns.some((c) => c.format?.length || c.pattern !== undefined))) return [];
  return withBinder(async (db) => [...await checkFormats(db, schemas), ...await checkPatterns(db, schemas)]);
}

registerAsyncProjectCheck(checkEngineSyntax);

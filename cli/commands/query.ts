// strata query "<sql>": SQL over the local catalog (silver.*, gold.*, quarantine.*, strata.*).
import { resolve } from 'node:path';
import { LocalCatalog, STRATA_VIEWS_ABSENT } from '../../runtime/catalog/local.ts';
import { loadProject } from '../../core/project.ts';
import { Duck } from '../../runtime/engine/duckdb.ts';
import { engineMessage, ERRORS, isStrataError } from '../../core/errors.ts';
import { defaultLakeDir } from '../../workflows/lake.ts';
import { queryAthena, type AthenaTarget } from '../athena-query.ts';
import { physicalNames } from '../../core/naming.ts';
import { queryTableFunctionRefusal } from '../../core/sql/functions.ts';
import { serialize, tableFunctionsOf } from '../../core/sql/sandbox.ts';
import type { Command } from '../command.ts';
import { isLake, noLakeWayBack } from '../lake-options.ts';
import { csv, jsonRows, out, table, UsageError, type Failure } from '../output.ts';

export const query: Command = {
  usage: 'strata query "<sql>" [--format table|csv|json] [--athena [--stage dev] [--app strata] [--workgroup <name>]]',
  options: {
    format: { type: 'string', description: 'table (default), csv or json' },
    athena: { type: 'boolean', description: 'run in the deployed stage\'s Athena workgroup (your AWS credentials) instead of the local lake' },
    stage: { type: 'string', description: 'with --athena: the SST stage (default dev)' },
    app: { type: 'string', description: 'with --athena: the SST app name (default strata)' },
    workgroup: { type: 'string', description: 'with --athena: the workgroup (default strata-<stage>-analysts)' },
  },
  async run({ positionals, values, global }) {
    const sql = positionals.join(' ').trim();
    if (!sql) {
      throw new UsageError('usage: strata query "<sql>"');
    }
    const format = global.json ? 'json' : (values.format as string | undefined) ?? 'table';
    if (!['table', 'csv', 'json'].includes(format)) {
      throw new UsageError(`--format must be table, csv or json, not "${format}"`);
    }
    const result = values.athena
      ? await queryOnAthena(sql, { app: (values.app as string | undefined) ?? 'strata', stage: (values.stage as string | undefined) ?? 'dev', ...(values.workgroup ? { workgroup: values.workgroup as string } : {}) })
      : await queryLocal(defaultLakeDir(global.lake), sql, resolve(global.schemas ?? 'schemas'));
    if (result === undefined) return 1;
    // In the result's column order (a row object puts names that read as integers first).
    const { columns, rows } = result;
    if (format === 'json') process.stdout.write(`${jsonRows(rows, columns)}\n`);
    else if (format === 'csv') process.stdout.write(`${csv(rows, columns)}\n`);
    else process.stdout.write(`${table(rows, columns)}\n`);
    return 0;
  },
};

/** A query's result: its column names in order, and its rows (each column an own property of its row). */
export interface QueryResult { columns: string[]; rows: Array<Record<string, unknown>> }

/**
 * The result of a query over the local catalog, or undefined after printing why it could not run. `schemasDir`, when
 * given, lets a query of a table the lake does not hold yet say that its schema file defines it.
 */
export async function queryLocal(lakeDir: string, sql: string, schemasDir?: string): Promise<QueryResult | undefined> {
  if (!isLake(lakeDir)) {
    out.fail({ name: ERRORS.InvalidInput, message: `no lake at ${lakeDir} yet`, hint: noLakeWayBack(lakeDir === defaultLakeDir() ? undefined : lakeDir) },
      `no lake at ${lakeDir} yet`);
    return undefined;
  }
  const db = await Duck.open({ readOnly: false });
  try {
    const catalog = new LocalCatalog(lakeDir);
    await catalog.attachTo(db);
    // Locked as user SQL is (runtime/engine/duckdb.ts lockdown): files under the lake alone (the views' data, the run
    // records their globs read), no other file, URL, extension or database, no SET undoing it, and one SELECT. It ran
    // any statement with the user's whole file access: a COPY over a silver file changed its values with its row
    // count kept, which strata doctor could not see (an attack, stop 50). The folder is allowed whole because
    // DuckDB's allowed paths take exact files, not a run record glob; a SELECT writes nothing into it.
    await db.lockdown({ readable: [catalog.file], writable: [resolve(lakeDir)], timeoutMs: 0 });
    try {
      // One statement, as Athena runs one (strata query --athena): of several, all ran and only one result was
      // shown, the others' without a word (an attack, stop 49). None runs.
      const statements = await db.statementCount(sql).catch(() => 1); // a parse error is the query's to report
      if (statements > 1) {
        // (A PIVOT without IN is two statements to DuckDB, a CREATE TYPE of its values and the SELECT: an attack, stop 50.)
        const hint = /^\s*pivot\b/i.test(sql) && !/\bin\s*\(/i.test(sql)
          ? "DuckDB makes a PIVOT without IN (…) two statements (it first creates a type of the values): name the values, PIVOT t ON a IN ('x', 'y') USING …"
          : 'run each with its own strata query (a view or a CTE can put several steps into one SELECT)';
        out.fail({ name: ERRORS.InvalidInput, message: `strata query runs one SQL statement; this text holds ${statements}: nothing was run`, hint },
          `strata query runs one SQL statement; this text holds ${statements}: nothing was run`);
        return undefined;
      }
      // A SELECT, or an EXPLAIN of one: what follows EXPLAIN must itself prepare as a SELECT, and strata runs
      // "EXPLAIN <that>", never the text as given. (EXPLAIN ANALYZE runs what it explains, and its forms, ANALYZE
      // after two blanks, a comment, (ANALYZE), ran a COPY over a silver file: an attack, stop 50.)
      const explain = /^\s*explain\s+/i.exec(sql);
      const rest = explain ? sql.slice(explain[0].length) : sql;
      // ANALYZE, options or a comment after EXPLAIN: refused as such. Any other text that does not prepare is the
      // query's error to report (an EXPLAIN of a SELECT with a typo was refused as if it were EXPLAIN ANALYZE: an
      // attack, stop 50); it is not run either way.
      const options = explain !== null && /^\s*(\(|analy[sz]e\b|\/\*|--)/i.test(rest);
      let kind: string;
      let prepared = false;
      try {
        kind = options ? 'EXPLAIN' : await db.statementKind(rest);
        prepared = !options;
      } catch (e) {
        // A statement that does not prepare: a write, by its first word, is refused as a write (INSERT INTO a view got
        // DuckDB's "orders is not an table", a COPY to a file "file system operations are disabled", where a CREATE
        // got strata's word: newcomer's trial, stop 57); anything else is the query's error to report, below.
        const first = /^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(rest)?.[1]?.toUpperCase();
        const writes = ['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY', 'CREATE', 'DROP', 'ALTER', 'ATTACH', 'DETACH', 'TRUNCATE', 'INSTALL', 'LOAD', 'SET', 'RESET', 'PRAGMA', 'CALL', 'EXPORT', 'IMPORT', 'VACUUM', 'CHECKPOINT', 'USE', 'BEGIN', 'COMMIT', 'ROLLBACK'];
        if (!explain) kind = first && writes.includes(first) ? first : 'SELECT'; // a parse error of a query is the query's to report, below
        else {
          const failure = await queryFailure(db, e, rest, schemasDir);
          out.fail(failure, failure.message);
          return undefined;
        }
      }
      if (kind !== 'SELECT') {
        const message = `strata query reads the lake: it runs a SELECT (or EXPLAIN of one, without ANALYZE or options); this is ${explain ? 'not that' : `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind} statement`}: nothing was run`;
        const hint = explain ? 'EXPLAIN ANALYZE runs the statement it explains: strata query runs EXPLAIN <a SELECT>, without ANALYZE or options (its plan, not its run)'
          : 'the lake changes through strata\'s commands (ingest, refresh, rollback, gc), never through a query';
        out.fail({ name: ERRORS.InvalidInput, message, hint }, message);
        return undefined;
      }
      // A SELECT may call a table function that writes: enable_logging wrote log files into the lake's bronze folder,
      // which the lockdown lets a query read (an attack, stop 58). Table functions are judged by name, anywhere in the
      // statement; one that prepared but that the parser cannot give as a tree (a number past a double) is not run.
      const tree = await serialize(db, rest);
      const refusal = tree.error ? (prepared ? `strata query could not check this statement (${String(tree.error_message)})` : undefined)
        : tableFunctionsOf(tree).map((f) => queryTableFunctionRefusal(f.name)).find((r) => r !== undefined);
      if (refusal) {
        const message = `${refusal}: nothing was run`;
        out.fail({ name: ERRORS.InvalidInput, message, hint: 'strata query reads tables, and files under the lake with read_parquet, read_csv, read_json or read_text; the lake changes through strata\'s commands' }, message);
        return undefined;
      }
      return await db.exactResult(explain ? `EXPLAIN ${rest}` : sql, { explain: explain !== null });
    } catch (e) {
      // A damaged data file: say what it means and the way back, not only what DuckDB found.
      const damaged = await catalog.explainFailure(db, e).catch(() => undefined);
      const failure = damaged ? { name: ERRORS.UnreadableFile, message: `query failed: ${damaged}` } : await queryFailure(db, e, sql, schemasDir);
      out.fail(failure, failure.message);
      return undefined;
    }
  } finally {
    db.close();
  }
}

/**
 * A failed query in DuckDB's words, all of them: the first line is the message; the rest (its "Did you mean", the
 * candidate columns, the line of SQL with the position marked) is the hint. For a table the lake does not hold:
 * - named without its layer (`from weather`): which layers hold a table of that name;
 * - defined by a schema file in `schemasDir` but never committed or published: that, and the command that writes it;
 * - DuckDB's "Did you mean" is left out when it names no lake table (one of its own system views), or when the
 *   table asked for is defined (the nearest name is then another table).
 */
async function queryFailure(db: Duck, e: unknown, sql: string, schemasDir?: string): Promise<Failure> {
  const text = (e instanceof Error ? e.message : String(e)).replace(/^[A-Z][A-Za-z ]*Error: /, '');
  const [first = '', ...rest] = text.split('\n');
  let hint = rest.join('\n').trim();
  const missing = /^Table with name ([^ ]+) does not exist/.exec(first)?.[1];
  const views = missing ? (await db.all(`SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 'lake'`).catch(() => []))
    .map((r) => ({ layer: String(r.schema_name), name: String(r.view_name) })) : [];
  // The layer the query named the table with, if it did (DuckDB's message names the table alone).
  const named = missing ? new RegExp(`"?([A-Za-z_]+)"?\\s*\\.\\s*"?${missing.replace(/[^\w]/g, '')}"?(?![\\w"])`, 'i').exec(sql)?.[1]?.toLowerCase() : undefined;
  const layers = named ? [] : views.filter((v) => v.name.toLowerCase() === missing?.toLowerCase()).map((v) => `${v.layer}.${v.name}`).sort();
  const layerHint = layers.length ? `tables are named with their layer: ${layers.join(', ')}` : '';
  const defined = missing && !layers.length && schemasDir ? await definedNotWritten(missing, schemasDir, named) : '';
  // strata.runs and strata.quality_metrics are views over files the first of which does not exist yet.
  const own = missing && !layers.length && !defined && (named === 'strata' || named === undefined) ? STRATA_VIEWS_ABSENT.get(missing.toLowerCase()) ?? '' : '';
  // DuckDB's nearest name: kept when it is a lake table the user may have meant, not when the table asked for is
  // defined (the nearest is then another table), nor when it is one of DuckDB's own system views.
  const nearest = /^Did you mean "([^"\n]*)"\?\n*/m.exec(hint);
  if (nearest && (defined || !views.some((v) => nearest[1] === v.name || nearest[1] === `${v.layer}.${v.name}`))) hint = hint.replace(nearest[0], '').trim();
  if (own) hint = hint.replace(/^Did you mean "[^"\n]*"\?\n*/m, '').trim();
  const hints = [hint, layerHint, defined, own].filter(Boolean);
  return { name: ERRORS.InvalidInput, message: `query failed: ${first}`, ...(hints.length ? { hint: hints.join('\n') } : {}) };
}


/**
 * What a schema file in `dir` says of a table `name` the lake does not hold: a dataset or gold table it defines, not
 * yet written. `layer`, when the query named one: silver and quarantine tables are datasets', gold tables are gold's.
 */
async function definedNotWritten(name: string, dir: string, layer?: string): Promise<string> {
  const { schemas } = await loadProject(dir).catch(() => ({ schemas: [] }));
  const lower = name.toLowerCase();
  if (layer === 'strata') return ''; // strata's own views, not a dataset's
  for (const { file, spec } of schemas) {
    if (spec.dataset === lower && layer !== 'gold') {
      return layer === 'quarantine'
        ? `${file} defines dataset ${lower}, but no run of it has quarantined rows yet, so quarantine.${lower} does not exist yet`
        : `${file} defines dataset ${lower}, but no run of it has committed yet, so silver.${lower} does not exist yet: strata ingest ${lower} <file>`;
    }
    if (spec.gold?.some((g) => g.table === lower) && (layer === undefined || layer === 'gold')) {
      return `${file} defines gold table ${lower}, but it has not been published yet: it is refreshed by each run of dataset ${spec.dataset} (strata ingest ${spec.dataset} <file>), or by strata refresh ${lower}`;
    }
  }
  return '';
}

/** The result from Athena, or undefined after printing why the query could not run (no credentials, a failed query). */
async function queryOnAthena(sql: string, target: AthenaTarget): Promise<QueryResult | undefined> {
  try {
    const r = await queryAthena(sql, target);
    const scanned = r.stats?.dataScannedBytes;
    if (scanned !== undefined) process.stderr.write(`athena: query ${r.queryId}, ${(scanned / 2 ** 20).toFixed(1)} MiB scanned\n`);
    return { columns: r.columns.map((c) => c.name), rows: r.rows };
  } catch (e) {
    const hint = athenaHint(e, target);
    out.fail({ name: isStrataError(e) ? e.name : ERRORS.InvalidInput, message: `athena query failed: ${engineMessage(e)}`, ...(hint ? { hint } : {}) });
    return undefined;
  }
}

/**
 * The way out of the AWS SDK's two first failures of any command reading a deployed stage (--athena, --stage): no
 * region, no credentials; undefined for any other error. `what`: what to run again.
 */
export function awsSetupHint(e: unknown, what: string): string | undefined {
  const err = e as { name?: string; message?: string };
  const text = `${err?.name ?? ''} ${err?.message ?? ''}`;
  if (/Region is missing/i.test(text)) return `set the AWS region the stage was deployed to: AWS_REGION=<region> (or a profile with one: AWS_PROFILE=<profile>), then run ${what} again`;
  if (/CredentialsProviderError|Could not load credentials/i.test(text)) return 'give the AWS SDK credentials: AWS_PROFILE=<profile> (aws sso login for SSO), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  return undefined;
}

/**
 * The way out of the usual first failures of --athena, from the AWS SDK's errors: no region, no credentials, no such
 * workgroup (the stage is not deployed, or is another one). "Region is missing" alone said nothing of what to set
 * (newcomer's trial, stop 44).
 */
export function athenaHint(e: unknown, target: AthenaTarget): string | undefined {
  const err = e as { name?: string; message?: string };
  const text = `${err.name ?? ''} ${err.message ?? ''}`;
  const stage = `--stage ${target.stage}${target.app !== 'strata' ? ` --app ${target.app}` : ''}`;
  const setup = awsSetupHint(e, 'the query');
  if (setup) return setup;
  if (/WorkGroup .*(is not found|not found)|WorkGroup.*does not exist/i.test(text)) {
    return `no Athena workgroup ${target.workgroup ?? physicalNames({ app: target.app, stage: target.stage }).workgroup('analysts')} in this account and region: deploy the stage first (npx sst deploy --stage ${target.stage}), or name the deployed one (${stage}, --workgroup <name>)`;
  }
  return undefined;
}

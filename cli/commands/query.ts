// strata query "<sql>": SQL over the local catalog (silver.*, gold.*, quarantine.*, strata.*).
import { LocalCatalog } from '../../runtime/catalog/local.ts';
import { Duck } from '../../runtime/engine/duckdb.ts';
import { engineMessage, ERRORS, isStrataError } from '../../core/errors.ts';
import { str } from '../../core/sql/quote.ts';
import { defaultLakeDir } from '../../workflows/lake.ts';
import { queryAthena, type AthenaTarget } from '../athena-query.ts';
import type { Command } from '../command.ts';
import { isLake } from '../lake-options.ts';
import { csv, jsonSafe, out, table, UsageError, type Failure } from '../output.ts';

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
    const rows = values.athena
      ? await queryOnAthena(sql, { app: (values.app as string | undefined) ?? 'strata', stage: (values.stage as string | undefined) ?? 'dev', ...(values.workgroup ? { workgroup: values.workgroup as string } : {}) })
      : await queryLocal(defaultLakeDir(global.lake), sql);
    if (rows === undefined) return 1;
    if (format === 'json') process.stdout.write(`${JSON.stringify(rows, jsonSafe, 2)}\n`);
    else if (format === 'csv') process.stdout.write(`${csv(rows)}\n`);
    else process.stdout.write(`${table(rows)}\n`);
    return 0;
  },
};

/** Rows of a query over the local catalog, or undefined after printing why it could not run. */
export async function queryLocal(lakeDir: string, sql: string): Promise<Array<Record<string, unknown>> | undefined> {
  if (!isLake(lakeDir)) {
    out.fail({ name: ERRORS.InvalidInput, message: `no lake at ${lakeDir} yet`, hint: 'ingest something first (strata ingest <dataset> <file>, or strata demo), or name the lake with --lake <dir>' },
      `no lake at ${lakeDir} yet`);
    return undefined;
  }
  const db = await Duck.open({ readOnly: false });
  try {
    const catalog = new LocalCatalog(lakeDir);
    await catalog.attachTo(db);
    try {
      return await db.exact(sql);
    } catch (e) {
      // A damaged data file: say what it means and the way back, not only what DuckDB found.
      const damaged = await catalog.explainFailure(db, e).catch(() => undefined);
      const failure = damaged ? { name: ERRORS.UnreadableFile, message: `query failed: ${damaged}` } : await queryFailure(db, e);
      out.fail(failure, failure.message);
      return undefined;
    }
  } finally {
    db.close();
  }
}

/**
 * A failed query in DuckDB's words, all of them: the first line is the message; the rest (its "Did you mean", the
 * candidate columns, the line of SQL with the position marked) is the hint. A table named without its layer
 * (`from weather`) adds which layers hold a table of that name.
 */
async function queryFailure(db: Duck, e: unknown): Promise<Failure> {
  const text = (e instanceof Error ? e.message : String(e)).replace(/^[A-Z][A-Za-z ]*Error: /, '');
  const [first = '', ...rest] = text.split('\n');
  const hint = rest.join('\n').trim();
  const missing = /^Table with name ([^ ]+) does not exist/.exec(first)?.[1];
  const layers = missing ? (await db.all(`SELECT DISTINCT schema_name FROM duckdb_views() WHERE database_name = 'lake' AND view_name = ${str(missing)} ORDER BY 1`).catch(() => []))
    .map((r) => `${String(r.schema_name)}.${missing}`) : [];
  const layerHint = layers.length ? `tables are named with their layer: ${layers.join(', ')}` : '';
  return { name: ERRORS.InvalidInput, message: `query failed: ${first}`, ...(hint || layerHint ? { hint: [hint, layerHint].filter(Boolean).join('\n') } : {}) };
}

/** Rows from Athena, or undefined after printing why the query could not run (no credentials, a failed query). */
async function queryOnAthena(sql: string, target: AthenaTarget): Promise<Array<Record<string, unknown>> | undefined> {
  try {
    const r = await queryAthena(sql, target);
    const scanned = r.stats?.dataScannedBytes;
    if (scanned !== undefined) process.stderr.write(`athena: query ${r.queryId}, ${(scanned / 2 ** 20).toFixed(1)} MiB scanned\n`);
    return r.rows;
  } catch (e) {
    out.fail({ name: isStrataError(e) ? e.name : ERRORS.InvalidInput, message: `athena query failed: ${engineMessage(e)}` }, `athena query failed: ${engineMessage(e)}`);
    return undefined;
  }
}

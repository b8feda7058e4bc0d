// strata query "<sql>": SQL over the local catalog (silver.*, gold.*, quarantine.*, strata.*).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG_FILE, LocalCatalog } from '../../runtime/catalog/local.ts';
import { Duck } from '../../runtime/engine/duckdb.ts';
import { engineMessage } from '../../core/errors.ts';
import { defaultLakeDir } from '../../workflows/lake.ts';
import { queryAthena, type AthenaTarget } from '../athena-query.ts';
import type { Command } from '../command.ts';
import { csv, jsonSafe, out, table } from '../output.ts';

export const query: Command = {
  summary: 'run SQL over the lake: silver.<dataset>, gold.<table>, quarantine.<dataset>, strata.runs',
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
      out.error('usage: strata query "<sql>"');
      return 2;
    }
    const format = global.json ? 'json' : (values.format as string | undefined) ?? 'table';
    if (!['table', 'csv', 'json'].includes(format)) {
      out.error(`--format must be table, csv or json, not "${format}"`);
      return 2;
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
  if (!existsSync(join(lakeDir, CATALOG_FILE)) && !existsSync(join(lakeDir, '_strata'))) {
    out.error(`no lake at ${lakeDir} yet: ingest something first (strata ingest <dataset> <file>, or strata demo)`);
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
      out.error(`query failed: ${(await catalog.explainFailure(db, e).catch(() => undefined)) ?? engineMessage(e)}`);
      return undefined;
    }
  } finally {
    db.close();
  }
}

/** Rows from Athena, or undefined after printing why the query could not run (no credentials, a failed query). */
async function queryOnAthena(sql: string, target: AthenaTarget): Promise<Array<Record<string, unknown>> | undefined> {
  try {
    const r = await queryAthena(sql, target);
    const scanned = r.stats?.dataScannedBytes;
    if (scanned !== undefined) process.stderr.write(`athena: query ${r.queryId}, ${(scanned / 2 ** 20).toFixed(1)} MiB scanned\n`);
    return r.rows;
  } catch (e) {
    out.error(`athena query failed: ${engineMessage(e)}`);
    return undefined;
  }
}

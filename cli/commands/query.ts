// strata query "<sql>": SQL over the local catalog (silver.*, gold.*, quarantine.*, strata.*).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG_FILE } from '../../core/catalog/local.ts';
import { Duck, pathLit } from '../../core/engine/duckdb.ts';
import { engineMessage } from '../../core/errors.ts';
import { defaultLakeDir } from '../../workflows/lake.ts';
import type { Command } from '../main.ts';
import { csv, out, table } from '../output.ts';

export const query: Command = {
  summary: 'run SQL over the lake: silver.<dataset>, gold.<table>, quarantine.<dataset>, strata.runs',
  usage: 'strata query "<sql>" [--format table|csv|json]',
  options: {
    format: { type: 'string', description: 'table (default), csv or json' },
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
    const lakeDir = defaultLakeDir(global.lake);
    const rows = await queryLocal(lakeDir, sql);
    if (rows === undefined) return 1;
    if (format === 'json') process.stdout.write(`${JSON.stringify(rows, jsonSafe, 2)}\n`);
    else if (format === 'csv') process.stdout.write(`${csv(rows)}\n`);
    else process.stdout.write(`${table(rows)}\n`);
    return 0;
  },
};

/** Rows of a query over the local catalog, or undefined after printing why it could not run. */
export async function queryLocal(lakeDir: string, sql: string): Promise<Array<Record<string, unknown>> | undefined> {
  const file = join(lakeDir, CATALOG_FILE);
  if (!existsSync(file)) {
    out.error(`no lake at ${lakeDir} yet: ingest something first (strata ingest <dataset> <file>, or strata demo)`);
    return undefined;
  }
  const db = await Duck.open({ readOnly: false });
  try {
    await db.run(`ATTACH ${pathLit(file)} AS lake (READ_ONLY); USE lake; SET file_search_path = ${pathLit(lakeDir)}`);
    try {
      return await db.all(sql);
    } catch (e) {
      out.error(`query failed: ${engineMessage(e)}`);
      return undefined;
    }
  } finally {
    db.close();
  }
}

function jsonSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

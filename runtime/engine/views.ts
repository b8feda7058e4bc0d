// Views over Parquet files, typed by the table definition (never by the first file): how the local catalog and
// the engine running gold SQL read silver and gold tables.
import { readColumns, type GlueTableInput } from '../../core/plan/glue-table.ts';
import { ident } from '../../core/sql/quote.ts';
import { pathList, type Duck } from './duckdb.ts';

/** Glue (Hive) type → the DuckDB type a local reader sees. */
export function duckTypeOfGlue(t: string): string | undefined {
  const m = /^decimal\((\d+),(\d+)\)$/.exec(t);
  if (m) return `DECIMAL(${m[1]},${m[2]})`;
  const map: Record<string, string> = {
    string: 'VARCHAR', boolean: 'BOOLEAN', int: 'INTEGER', bigint: 'BIGINT', double: 'DOUBLE', float: 'FLOAT',
    date: 'DATE', timestamp: 'TIMESTAMP', smallint: 'SMALLINT', tinyint: 'TINYINT',
  };
  return map[t];
}

/**
 * CREATE OR REPLACE VIEW <schema>.<name> over exactly these files. Types come from the table definition; with files
 * of several schema versions, columns are matched by name (a column no file has yet reads as NULL).
 */
export async function createView(db: Duck, schema: string, name: string, glue: GlueTableInput, files: readonly string[], allColumnsPresent: boolean): Promise<void> {
  await db.run(await createViewSql(db, schema, name, glue, files, allColumnsPresent));
}

/**
 * The statement createView runs, for a caller that batches it with others (the catalog's catch-up). `db` is read only
 * when the files span schema versions (their columns, from their footers).
 */
export async function createViewSql(db: Duck, schema: string, name: string, glue: GlueTableInput, files: readonly string[], allColumnsPresent: boolean): Promise<string> {
  return `CREATE OR REPLACE VIEW ${ident(schema)}.${ident(name)} AS ${await viewSelectSql(db, glue, files, allColumnsPresent)}`;
}

/** The SELECT of createViewSql's view, for a caller that reads the files as a subquery (the gate's parts). */
export async function viewSelectSql(db: Duck, glue: GlueTableInput, files: readonly string[], allColumnsPresent: boolean): Promise<string> {
  const cols = readColumns(glue);
  if (!files.length) {
    const select = cols.map((c) => `CAST(NULL AS ${duckTypeOfGlue(c.type) ?? glueToDuckNested(c.type)}) AS ${ident(c.name)}`).join(', ');
    return `SELECT ${select} WHERE false`;
  }
  // One JSON string, not a list literal (pathList): the catalog's view of a table of 50,016 partitions lists 50,016
  // files, and as a list literal its parse was the peak of a whole `strata ingest` (+325 MB).
  const list = pathList(files);
  // Files of one schema version need no union by name, which reads every footer each time the view is bound;
  // files of several versions do (otherwise DuckDB would use the first file's columns for all).
  const source = `read_parquet(${list}, union_by_name = ${allColumnsPresent ? 'false' : 'true'}, hive_partitioning = false)`;
  const present = allColumnsPresent
    ? new Set(cols.map((c) => c.name))
    : new Set((await db.columns(`SELECT * FROM ${source}`)).map((c) => c.name));
  const select = cols.map((c) => {
    const t = duckTypeOfGlue(c.type);
    if (!present.has(c.name)) return `CAST(NULL AS ${t ?? glueToDuckNested(c.type)}) AS ${ident(c.name)}`;
    return t ? `CAST(${ident(c.name)} AS ${t}) AS ${ident(c.name)}` : ident(c.name);
  }).join(', ');
  return `SELECT ${select} FROM ${source}`;
}

/** Nested Hive types (only quarantine uses one) in DuckDB syntax. */
function glueToDuckNested(t: string): string {
  return t.replace(/array<(.*)>$/, '$1[]').replace(/struct<(.*)>/, (_, inner: string) =>
    `STRUCT(${inner.split(',').map((f) => { const [n, ty] = f.split(':'); return `${ident(n!)} ${duckTypeOfGlue(ty!) ?? 'VARCHAR'}`; }).join(', ')})`);
}

// The baseline, in a process of its own: a bare DuckDB COPY of the CSV to partitioned Parquet, with the settings
// strata's engine opens DuckDB with (runtime/engine/duckdb.ts: 768 MB memory limit, UTC, no extension downloads).
// Plain JavaScript and nothing of strata's, so that as a whole process it costs what a `duckdb` command would:
// Node's start, loading DuckDB, the COPY. Prints {ms, maxRssMB}; ms is the COPY alone.
// Arguments: the CSV, the output folder, optionally the partition columns (comma-separated, columns of the CSV;
// default: the flights' day, `dt` from `date`; '' for that default) and the memory limit (default 768MB, strata's
// budget; 'none' for DuckDB's own default, 80% of the machine's memory).
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [file, dir, partitionBy, memoryLimit = '768MB'] = process.argv.slice(2);
const lit = (s) => `'${s.replace(/'/g, "''")}'`;
await mkdir(dir, { recursive: true });
const db = await DuckDBInstance.create(':memory:', {
  ...(memoryLimit === 'none' ? {} : { memory_limit: memoryLimit }), temp_directory: join(tmpdir(), 'strata-duckdb'), autoinstall_known_extensions: 'false', autoload_known_extensions: 'false',
});
const conn = await db.connect();
await conn.run(`SET TimeZone = 'UTC'`);
const t = performance.now();
const select = partitionBy ? `SELECT * FROM read_csv(${lit(file)})` : `SELECT *, strftime(date, '%Y-%m-%d') AS dt FROM read_csv(${lit(file)})`;
await conn.run(`COPY (${select}) TO ${lit(join(dir, 'o'))} (FORMAT parquet, PARTITION_BY (${partitionBy || 'dt'}), COMPRESSION zstd)`);
process.stdout.write(`${JSON.stringify({ ms: performance.now() - t, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);

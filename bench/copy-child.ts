// The baseline in a fresh process, like the strata child: a bare DuckDB COPY of the CSV to partitioned Parquet.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { withDuck, pathLit } from '../runtime/engine/duckdb.ts';

const [file, dir] = process.argv.slice(2) as [string, string];
await mkdir(dir, { recursive: true });
const t = performance.now();
await withDuck((db) => db.run(
  `COPY (SELECT *, strftime(date, '%Y-%m-%d') AS dt FROM read_csv(${pathLit(file)})) TO ${pathLit(join(dir, 'o'))} (FORMAT parquet, PARTITION_BY (dt), COMPRESSION zstd)`));
process.stdout.write(`${JSON.stringify({ ms: performance.now() - t, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);

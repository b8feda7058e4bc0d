// Rows to partitioned Parquet in bounded memory. DuckDB's partitioned COPY keeps a buffer per open partition and
// thread until it ends: about 7 KB per column each (measured with DuckDB 1.5: 29 KB for 4 BIGINT columns, 142 KB for
// 21), so a file touching 8,784 partitions ran a 796 MB budget out. A file touching more partitions than the budget
// holds is written in groups of partitions, one COPY each, so that no more than a group is ever open at once.
// DuckDB's own settings do not bound it (measured with 1.5.6): with the rows ordered by the partition columns,
// partitioned_write_flush_threshold down to 10 rows and partitioned_write_max_open_files 10, a COPY of 960 partitions
// of 5 columns still ran a 64 MB limit out, as without them, while 480 passed either way: the memory grows with the
// partitions a COPY has touched. The groups' re-reads are not where a many-partition file's time goes either: each
// partition is a file and folders (8,784 one-row partitions: 2.6 s into a tmpfs, 9 s and more into ext4).
import type { Duck } from '../engine/duckdb.ts';

/** What COPY … RETURN_STATS gives per file written. */
export interface WrittenFile {
  filename: string;
  count: number;
  file_size_bytes: number;
  partition_keys: unknown;
}

/** The columns of RETURN_STATS a write uses (not the per-column statistics of every file, which are large). */
export const WRITTEN_COLUMNS = ['filename', 'count', 'file_size_bytes', 'partition_keys'] as const;

/** Bytes one open partition buffers per column and thread (7 KB measured, rounded up). */
const BYTES_PER_COLUMN = 8 * 1024;
/** Share of DuckDB's memory limit the open partitions may take: the rest is the query feeding them. */
const BUFFER_SHARE = 0.4;

/**
 * How many partitions one COPY may write within `memoryBytes` with `threads` threads and `columns` columns
 * (partition columns included): at least 16.
 */
export function partitionsPerWrite(memoryBytes: number, threads: number, columns: number): number {
  return Math.max(16, Math.floor((memoryBytes * BUFFER_SHARE) / (Math.max(1, threads) * (columns + 1) * BYTES_PER_COLUMN)));
}

/**
 * COPY (`select`) TO `target` (`options`, which must include PARTITION_BY (`partitionBy`) and RETURN_STATS true),
 * in groups of at most `perWrite` partitions (default: what the database's memory limit and threads allow for
 * `columns` columns). `partitionBy` are the quoted partition column names of `select`. Groups hold disjoint
 * partitions, so files never collide; each group reads `select` again (only files touching more partitions than one
 * COPY holds pay that). Returns the files of every group.
 */
export async function copyPartitioned(
  db: Duck, select: string, partitionBy: string[], target: string, options: string, columns: number, perWrite?: number,
): Promise<WrittenFile[]> {
  const copy = (from: string) => db.allOf<WrittenFile>(`COPY (${from}) TO ${target} (${options})`, WRITTEN_COLUMNS);
  const per = perWrite ?? await budgetOf(db, columns);
  const cols = partitionBy.join(', ');
  await db.run(`CREATE OR REPLACE TEMP TABLE __partition_groups AS
    SELECT ${cols}, (row_number() OVER (ORDER BY ${cols}) - 1) // ${per} AS __g FROM (SELECT DISTINCT ${cols} FROM (${select}))`);
  const { groups } = await db.one<{ groups: number }>('SELECT count(DISTINCT __g)::INT AS groups FROM __partition_groups');
  if (groups <= 1) return copy(select);
  const on = partitionBy.map((c) => `s.${c} IS NOT DISTINCT FROM g.${c}`).join(' AND ');
  const files: WrittenFile[] = [];
  for (let g = 0; g < groups; g++) {
    files.push(...await copy(`SELECT s.* FROM (${select}) s SEMI JOIN (SELECT * FROM __partition_groups WHERE __g = ${g}) g ON ${on}`));
  }
  await db.run('DROP TABLE __partition_groups');
  return files;
}

/** partitionsPerWrite for this database's memory limit and threads. */
async function budgetOf(db: Duck, columns: number): Promise<number> {
  const s = await db.one<{ m: string; t: string }>(`SELECT current_setting('memory_limit') AS m, current_setting('threads')::VARCHAR AS t`);
  return partitionsPerWrite(bytesOf(s.m), Number(s.t), columns);
}

/** "759.1 MiB", "1.5 GB" (DuckDB's printed sizes) → bytes. */
export function bytesOf(size: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|bytes?)\s*$/i.exec(size);
  if (!m) throw new Error(`not a size: ${size}`);
  const unit = m[2]!.toUpperCase();
  const exp = { K: 1, M: 2, G: 3, T: 4 }[unit[0] as 'K'] ?? 0;
  return Number(m[1]) * (unit.includes('I') ? 1024 : 1000) ** exp;
}

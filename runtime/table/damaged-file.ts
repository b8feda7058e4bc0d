// A data file DuckDB cannot read, and what that means for a table's versions. Locally a partition version shares the
// files it did not change with the version before it (hard links: one file, one set of bytes), so damage to a file is
// in every version that holds it, and rolling back to one of those brings nothing back. The way back depends on the
// layer: silver rows come again from bronze, gold rows from silver.
import { engineMessage } from '../../core/errors.ts';
import { pathLit, type Duck } from '../engine/duckdb.ts';
import { ident } from '../../core/sql/quote.ts';

export interface DamagedFile {
  /** Lake key of the file. */
  key: string;
  /** What DuckDB says of it. */
  problem: string;
}

/** The run that first wrote a data file: commits and publishes name new files part-<run id>-<n>.parquet, and versions keep the names of the files they share. */
export function writerOf(key: string): string | undefined {
  return /^part-(.+)-\d+\.parquet$/.exec(key.split('/').pop() ?? '')?.[1];
}

/** The files whose Parquet footer DuckDB cannot read (truncated, overwritten, not Parquet), each with its reason; one query per file. */
export async function unreadableFiles(db: Duck, files: ReadonlyArray<{ key: string; path: string }>): Promise<DamagedFile[]> {
  return (await readFooters(db, files)).bad;
}

/**
 * The files DuckDB cannot read to the end, each with its reason; one query per file reading every value (a damaged
 * data page under an intact footer: unreadableFiles reads footers only, which do not tell it).
 */
export async function unreadableData(db: Duck, files: ReadonlyArray<{ key: string; path: string }>): Promise<DamagedFile[]> {
  const bad: DamagedFile[] = [];
  for (const f of files) {
    try {
      await db.all(`SELECT count(*) AS n, max(hash(t)) AS h FROM read_parquet(${pathLit(f.path)}) t`);
    } catch (e) {
      bad.push({ key: f.key, problem: engineMessage(e) });
    }
  }
  return bad;
}

/**
 * The files that do not hold a table's rows as it types them, each with its reason, one file at a time: a column
 * missing where every file should have all (`whole`: the version was written with the table's schema), or a value
 * that does not cast to its column's type (a file replaced by a valid one of other columns: an attack, stop 55). To
 * look for after a failure: each file is read whole.
 */
export async function mistypedFiles(db: Duck, columns: ReadonlyArray<{ name: string; duckdbType: string }>, files: ReadonlyArray<{ key: string; path: string }>, whole: boolean): Promise<DamagedFile[]> {
  const bad: DamagedFile[] = [];
  for (const f of files) {
    const read = `read_parquet(${pathLit(f.path)}, hive_partitioning = false)`;
    try {
      const present = new Set((await db.columns(`SELECT * FROM ${read}`)).map((c) => c.name));
      const missing = columns.filter((c) => !present.has(c.name)).map((c) => JSON.stringify(c.name));
      if (whole && missing.length) {
        bad.push({ key: f.key, problem: `it does not hold column ${missing.join(', ')}, which every file of this version was written with` });
        continue;
      }
      const typed = columns.filter((c) => present.has(c.name)).map((c) => `CAST(${ident(c.name)} AS ${c.duckdbType})`);
      if (typed.length) await db.all(`SELECT count(*) AS n, max(hash(${typed.join(', ')})) AS h FROM ${read}`);
    } catch (e) {
      bad.push({ key: f.key, problem: engineMessage(e) });
    }
  }
  return bad;
}

/** The first file among `files` DuckDB cannot read: by its footer (unreadableFiles), else by its values (unreadableData); undefined if none. */
export async function firstUnreadable(db: Duck, files: ReadonlyArray<{ key: string; path: string }>): Promise<DamagedFile | undefined> {
  return (await unreadableFiles(db, files))[0] ?? (await unreadableData(db, files))[0];
}

/** The first damaged file among `files`: unreadable (firstUnreadable), else by its columns and types (mistypedFiles); undefined if none. */
export async function firstDamaged(db: Duck, columns: ReadonlyArray<{ name: string; duckdbType: string }>, files: ReadonlyArray<{ key: string; path: string }>, whole: boolean): Promise<DamagedFile | undefined> {
  return (await firstUnreadable(db, files)) ?? (await mistypedFiles(db, columns, files, whole))[0];
}

/**
 * The data file an engine error names (DuckDB quotes a path it failed to read with ' or "), when that file is damaged
 * (firstUnreadable): its key, by `keyOf` from the path (undefined: not a file of the lake's), and
 * the reason. undefined for an error that names no such file.
 */
export async function damagedFileNamedBy(db: Duck, err: unknown, keyOf: (path: string) => string | undefined): Promise<DamagedFile | undefined> {
  const text = err instanceof Error ? err.message : String(err);
  for (const m of text.matchAll(/'([^']+\.parquet)'|"([^"]+\.parquet)"/g)) {
    const path = (m[1] ?? m[2])!;
    const key = keyOf(path);
    if (!key) continue;
    const bad = await firstUnreadable(db, [{ key, path }]);
    if (bad) return bad;
  }
  return undefined;
}

/**
 * The way back for a partition version whose files are missing, damaged or hold other rows than its manifest says
 * (strata doctor's words): gold is recomputed from silver; silver comes back from an earlier version, or from bronze.
 */
export function partitionWayBack(layer: string, table: string): string {
  return layer === 'gold'
    ? `strata doctor --repair recomputes it from silver (strata refresh ${table})`
    : `strata rollback ${table} --to <an earlier run> brings back an earlier version, unless it shares the file (appends share files as hard links); `
      + `otherwise move the partition's folder aside and ingest its bronze objects again`;
}

/**
 * Each file's Parquet footer, one query per file: the files DuckDB cannot read, with the reason (`bad`, as
 * unreadableFiles), and the rows each of the others holds, by key.
 */
export async function readFooters(db: Duck, files: ReadonlyArray<{ key: string; path: string }>): Promise<{ bad: DamagedFile[]; rows: Map<string, number> }> {
  const bad: DamagedFile[] = [];
  const rows = new Map<string, number>();
  for (const f of files) {
    try {
      const [r] = await db.all<{ n: number | bigint | null }>(`SELECT sum(num_rows) AS n FROM parquet_file_metadata(${pathLit(f.path)})`);
      rows.set(f.key, Number(r?.n ?? 0));
    } catch (e) {
      bad.push({ key: f.key, problem: engineMessage(e) });
    }
  }
  return { bad, rows };
}

/**
 * A table's history entry as damage messages need it: the run, what it was (manifest.ts CommitKind), its version, and
 * whether gc collected it (its changes dropped: no rollback goes back past it). A history whose first entry is past
 * version 1 lost its older entries to an archive (manifest.ts collectGarbage), and archived entries are collected ones.
 */
export interface HistoryRun {
  runId: string;
  kind?: string;
  version?: number;
  collected?: unknown;
}

/**
 * A damaged file in words: which table, why the versions sharing it do not help, and the way back. `known` is the
 * table's history in commit order (manifest or catalog entry; undefined when neither can be read), to name the last run
 * before the file was written. A file a compaction wrote holds rows the version before it held in files of its own
 * (kept until gc).
 */
export function damagedFileMessage(layer: string, table: string, f: DamagedFile, known?: readonly HistoryRun[]): string {
  const history = known ?? [];
  const head = `${f.key} of ${layer}.${table} is damaged (${f.problem})`;
  if (layer === 'gold') return `${head}. The way back: strata refresh ${table} (gold is recomputed from silver)`;
  if (layer !== 'silver') return `${head}. The way back: restore the file from a backup`;
  const run = writerOf(f.key);
  const at = run ? history.findIndex((h) => h.runId === run) : -1;
  const compaction = at > 0 && history[at]!.kind === 'compact';
  const by = run ? `${compaction ? 'compaction' : 'run'} ${run}` : 'the run that wrote it';
  const before = at > 0 ? history[at - 1]!.runId : undefined;
  const shared = `Versions of a partition share the files they did not change (hard links), so every version since ${by} holds these same damaged bytes and a rollback to any of them brings nothing back.`;
  // The table's rows are those of its runs that stand: a run a rollback undid is not in it (strata runs marks it).
  const list = `strata runs --dataset ${table} lists them; leave out the runs it shows as rolled back`;
  // No rollback reaches the run before the writer's (manifest.ts stateAfterRun): an entry after it, the writer's own or
  // a later one, was collected (its changes dropped), or the run before is in an archive (the history kept starts at
  // the writer's entry, or after it, or it is empty: gc archived all of it, and a table with a file has a commit).
  const archived = known !== undefined && (history.length === 0 || (history[0]!.version ?? 1) > 1);
  if (run && (at > 0 ? history.slice(at).some((h) => h.collected !== undefined) : archived)) {
    return `${head}. ${shared} The way back is bronze: the versions before ${by} were collected by gc (retention.days), so no rollback reaches them: `
      + `move silver/${table}/ aside and ingest its bronze objects again (${list})`;
  }
  if (compaction) {
    return `${head}. ${shared} The way back: strata rollback ${table} --to ${before} (the version before the compaction, in the small files it replaced, `
      + `which strata keeps until gc deletes them after retention.days), then ingest again the bronze objects of the runs after ${run} (${list})`;
  }
  const back = at === 0
    ? `${by} made the table, so move silver/${table}/ aside and ingest its bronze objects again (${list})`
    : `strata rollback ${table} --to ${before ? `${before} (the last run before ${run})` : `<the last run before ${run ?? 'it'}>`}, then ingest again the bronze objects of ${by} and of the runs after it (${list})`;
  return `${head}. ${shared} The way back is bronze: ${back}`;
}

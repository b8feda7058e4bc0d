// A DuckDB session: one in-memory database per unit of work, configured for the lake (UTC, bounded memory,
// spill to a temp folder). Everything row-shaped happens inside it; JavaScript only sees summaries.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DuckOptions {
  /** e.g. "768MB". Default: STRATA_DUCKDB_MEMORY or 768MB (fits a 1,769 MB Lambda with room for Node). */
  memoryLimit?: string;
  threads?: number;
  /** Folder for spilling. Default: <tmp>/strata-duckdb */
  tempDirectory?: string;
  /** Open a database file instead of an in-memory database. */
  path?: string;
  readOnly?: boolean;
}

export type Row = Record<string, unknown>;

export class Duck {
  private readonly instance: DuckDBInstance;
  readonly conn: DuckDBConnection;

  private constructor(instance: DuckDBInstance, conn: DuckDBConnection) {
    this.instance = instance;
    this.conn = conn;
  }

  static async open(opts: DuckOptions = {}): Promise<Duck> {
    const tempDirectory = opts.tempDirectory ?? join(tmpdir(), 'strata-duckdb');
    await mkdir(tempDirectory, { recursive: true });
    const config: Record<string, string> = {
      memory_limit: opts.memoryLimit ?? process.env.STRATA_DUCKDB_MEMORY ?? '768MB',
      temp_directory: tempDirectory,
      // Offline by design: never try to download an extension at query time.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    };
    if (opts.threads) config.threads = String(opts.threads);
    if (opts.readOnly) config.access_mode = 'READ_ONLY';
    const instance = await DuckDBInstance.create(opts.path ?? ':memory:', config);
    const conn = await instance.connect();
    // Lake timestamps are UTC; a reader's local zone must never shift them.
    await conn.run(`SET TimeZone = 'UTC'`);
    return new Duck(instance, conn);
  }

  async run(sql: string): Promise<void> {
    await this.conn.run(sql);
  }

  async all<T extends object = Row>(sql: string): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((r) => plain(r) as T);
  }

  async one<T extends object = Row>(sql: string): Promise<T> {
    const rows = await this.all<T>(sql);
    if (!rows[0]) throw new Error(`query returned no row: ${sql.slice(0, 120)}`);
    return rows[0];
  }

  async columns(sql: string): Promise<Array<{ name: string; type: string }>> {
    const rows = await this.all<{ column_name: string; column_type: string }>(`DESCRIBE ${sql}`);
    return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
  }

  close(): void {
    try { this.conn.closeSync(); } catch { /* already closed */ }
    try { this.instance.closeSync(); } catch { /* already closed */ }
  }

  async use<T>(fn: (db: Duck) => Promise<T>): Promise<T> {
    try { return await fn(this); } finally { this.close(); }
  }
}

export async function withDuck<T>(fn: (db: Duck) => Promise<T>, opts: DuckOptions = {}): Promise<T> {
  return (await Duck.open(opts)).use(fn);
}

/** BigInts that fit become numbers; nested values are converted too. */
export function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** A path as a SQL string literal (DuckDB reads paths as strings). */
export function pathLit(p: string): string {
  return `'${p.replace(/'/g, "''")}'`;
}

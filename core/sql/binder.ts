// The one place core/ runs DuckDB: an in-memory database used as a SQL parser and binder for gold analysis
// (json_serialize_sql, DESCRIBE over empty typed views). It opens no file, reaches no network and holds no data.
import { DuckDBInstance } from '@duckdb/node-api';

/** What parsing and binding need from a DuckDB connection; the runtime's Duck satisfies it too. */
export interface SqlSession {
  run(sql: string): Promise<void>;
  all<T extends object = Record<string, unknown>>(sql: string): Promise<T[]>;
  columns(sql: string): Promise<Array<{ name: string; type: string }>>;
}

/** The longest a statement of the binder may run (ms): it reads no data, or one or two rows. */
export const BINDER_BUDGET_MS = 10_000;

/**
 * Run `fn` with a fresh in-memory binder: external access off, configuration locked, 256 MB, one thread, UTC, each
 * statement interrupted after `budgetMs` (default BINDER_BUDGET_MS).
 */
export async function withBinder<T>(fn: (db: SqlSession) => Promise<T>, opts: { budgetMs?: number } = {}): Promise<T> {
  const budgetMs = opts.budgetMs ?? BINDER_BUDGET_MS;
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: '256MB', threads: '1', enable_external_access: 'false',
    autoinstall_known_extensions: 'false', autoload_known_extensions: 'false',
  });
  const conn = await instance.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'; SET lock_configuration = true`);
    // A budget per statement: strata check runs CustomSql over one or two rows, and a cross join of VALUES lists ran
    // on (an attack, stop 50: still running after a minute). Interrupted, the statement fails with this reason.
    const bounded = async <R>(work: () => Promise<R>): Promise<R> => {
      let fired = false;
      const timer = setTimeout(() => { fired = true; conn.interrupt(); }, budgetMs);
      try {
        return await work();
      } catch (e) {
        throw fired ? new Error(`it ran longer than ${budgetMs / 1000} s over one or two rows, and was stopped (a join without a condition, or values built per row?)`) : e;
      } finally {
        clearTimeout(timer);
      }
    };
    const all = async <R extends object>(sql: string): Promise<R[]> => (await bounded(() => conn.runAndReadAll(sql))).getRowObjectsJS().map((r) => plain(r) as R);
    return await fn({
      run: async (sql) => { await bounded(() => conn.run(sql)); },
      all,
      columns: async (sql) => (await all<{ column_name: string; column_type: string }>(`DESCRIBE ${sql}`)).map((r) => ({ name: r.column_name, type: r.column_type })),
    });
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
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

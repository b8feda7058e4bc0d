// The oracle of the incremental gold properties (test/gold-incremental-sql.property.test.ts,
// test/gold-binding.property.test.ts): what an incremental refresh publishes, computed from the refresh's own rule
// (runtime/gold/refresh.ts: the gold partitions a run's changed driver partitions feed, recomputed over every driver
// partition feeding them), against the full SQL. The driver is silver.orders, a view over the table `base` of rows
// over days 1–5 of January 2025 (column dt, 'YYYY-MM-DD'), partitioned by day.
import type { Incremental } from '../../core/gold/analyze.ts';
import type { Duck } from '../../runtime/engine/duckdb.ts';

const DAYS = [1, 2, 3, 4, 5];
const day = (d: number) => `2025-01-0${d}`;

/**
 * For gold SQL `sql` (its partition column `g`) that strata check accepted as incremental (`inc`), and a run that
 * changed the days `changed`: the gold partitions the run feeds, as the full SQL computes them from every day and as
 * the refresh computes them from the days it reads (`incremental`, `full`); and the other gold partitions, after the
 * run and before it (`others`, `before`), which the refresh leaves as they were. Each a sorted list of row texts.
 */
export async function incrementalAgainstFull(db: Duck, sql: string, inc: Incremental, changed: readonly number[]): Promise<{ full: string[]; incremental: string[]; others: string[]; before: string[] }> {
  const valueOf = async (d: number) => (await db.all<{ g: string | null }>(`SELECT CAST(${inc.partitionExpr} AS VARCHAR) AS g FROM (SELECT ${inc.rep.kind === 'partition' ? `'${day(d)}'` : `TIMESTAMP '${day(d)} 00:00:00'`} AS __rep)`))[0]!.g;
  const values = new Map<number, string | null>();
  for (const d of DAYS) values.set(d, await valueOf(d));
  const targets = new Set<string | null>(changed.map((d) => values.get(d)!));
  const read = DAYS.filter((d) => targets.has(values.get(d)!));
  const rowsOf = async (filter: string, inTargets: boolean) => {
    await db.run(`CREATE OR REPLACE VIEW silver.orders AS SELECT * FROM base WHERE ${filter}`);
    // The partition value as the refresh names it (text, as computeGoldValues casts it).
    const out = await db.all<Record<string, unknown>>(`SELECT CAST(g AS VARCHAR) AS __g, * FROM (${sql})`);
    return out.filter((o) => targets.has(o.__g as string | null) === inTargets).map((o) => JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? String(v) : v))).sort();
  };
  const list = (days: readonly number[]) => `dt IN (${days.map((d) => `'${day(d)}'`).join(', ') || 'NULL'})`;
  return {
    full: await rowsOf('true', true),
    incremental: await rowsOf(list(read), true),
    // (Before the run, its days held nothing.)
    others: await rowsOf('true', false),
    before: await rowsOf(`NOT ${list(changed)}`, false),
  };
}

// The fault harness's lake and data: two datasets (sales appended, accounts upserted), three gold tables (one
// incremental, one reading gold, one over the upserted table), and files generated from a seed, so every figure
// the harness checks is known before anything runs.

/** mulberry32: a small seeded PRNG (same seed, same files). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SCHEMAS: Record<string, string> = {
  sales: `dataset: sales
source: { format: csv }
columns:
  - { name: sale_id, type: bigint, required: true }
  - { name: store, type: string, required: true }
  - { name: amount, type: "decimal(10,2)", min: 0 }
  - { name: sold_at, type: timestamp, required: true }
mode: append
partitionBy:
  - { name: dt, column: sold_at, transform: day }
rejects: { maxRatio: 0.5 }
gold:
  - table: daily_sales
    sql: |
      SELECT CAST(sold_at AS DATE) AS day, store, SUM(amount) AS revenue, COUNT(*) AS sales FROM silver.sales GROUP BY 1, 2
    partitionBy: [day]
    refresh: incremental
  - table: store_totals
    sql: |
      SELECT store, SUM(revenue) AS revenue, SUM(sales) AS sales FROM gold.daily_sales GROUP BY 1
    refresh: full
`,
  accounts: `dataset: accounts
source: { format: csv }
columns:
  - { name: account_id, type: bigint, required: true }
  - { name: region, type: string, required: true }
  - { name: balance, type: "decimal(12,2)" }
  - { name: updated_at, type: timestamp, required: true }
primaryKey: [account_id]
mode: upsert
partitionBy:
  - { name: region_part, column: region }
rejects: { maxRatio: 0.5 }
gold:
  - table: region_balances
    sql: |
      SELECT region, SUM(balance) AS balance, COUNT(*) AS accounts FROM silver.accounts GROUP BY 1
    refresh: full
`,
};

/** Each gold table's SQL, run by the harness's own DuckDB over silver (and over what it computed for gold). */
export const GOLD_SQL: Array<{ table: string; sql: string; columns: string[] }> = [
  { table: 'daily_sales', sql: 'SELECT CAST(sold_at AS DATE) AS day, store, SUM(amount) AS revenue, COUNT(*) AS sales FROM silver.sales GROUP BY 1, 2', columns: ['day', 'store', 'revenue', 'sales'] },
  { table: 'store_totals', sql: 'SELECT store, SUM(revenue) AS revenue, SUM(sales) AS sales FROM gold.daily_sales GROUP BY 1', columns: ['store', 'revenue', 'sales'] },
  { table: 'region_balances', sql: 'SELECT region, SUM(balance) AS balance, COUNT(*) AS accounts FROM silver.accounts GROUP BY 1', columns: ['region', 'balance', 'accounts'] },
];

export interface SalesFile {
  name: string;
  csv: string;
  rowsIn: number;
  /** sale_id of every row that passes validation. */
  valid: number[];
  bad: number;
}

/** A sales file: `rows` rows over four days (so concurrent files share partitions), about 1 in 20 with a negative amount. */
export function salesFile(seed: number, n: number, rows: number): SalesFile {
  const r = prng(seed * 7919 + n);
  const lines = ['sale_id,store,amount,sold_at'];
  const valid: number[] = [];
  let bad = 0;
  for (let j = 0; j < rows; j++) {
    const id = n * 1_000_000 + j;
    const negative = r() < 0.05;
    const amount = (negative ? -1 : 1) * Math.floor(r() * 10_000) / 100;
    const day = 10 + Math.floor(r() * 4);
    const hour = String(Math.floor(r() * 24)).padStart(2, '0');
    lines.push(`${id},s${Math.floor(r() * 5)},${amount.toFixed(2)},2025-06-${day}T${hour}:00:00Z`);
    if (negative && amount !== 0) bad++; else valid.push(id);
  }
  return { name: `sales-${seed}-${n}.csv`, csv: `${lines.join('\n')}\n`, rowsIn: rows, valid, bad };
}

export interface AccountsFile {
  name: string;
  csv: string;
  /** account_id → balance (as text) in this file. */
  balances: Map<number, string>;
}

/** An accounts file: `rows` distinct accounts out of a pool of `pool` (files overlap), region fixed by the id. */
export function accountsFile(seed: number, n: number, rows: number, pool: number): AccountsFile {
  const r = prng(seed * 104729 + n);
  const ids = new Set<number>();
  while (ids.size < Math.min(rows, pool)) ids.add(1 + Math.floor(r() * pool));
  const balances = new Map<number, string>();
  const lines = ['account_id,region,balance,updated_at'];
  for (const id of ids) {
    const balance = (Math.floor(r() * 1_000_000) / 100).toFixed(2);
    balances.set(id, balance);
    lines.push(`${id},r${id % 3},${balance},2025-06-12T10:00:00Z`);
  }
  return { name: `accounts-${seed}-${n}.csv`, csv: `${lines.join('\n')}\n`, balances };
}

// The invariants the fault harness checks after every kill and every concurrent round, computed by DuckDB from the
// files the manifests name (not through strata's catalog, and not with strata's code under test):
//   rows in = rows in silver + rows quarantined; silver holds exactly the valid rows of every file ingested (append)
//   or one row per key with a value some file gave it (upsert): no lost update, no duplicate;
//   every gold table equals its SQL over silver; a run record claims rows only for what its run committed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duck, pathLit } from '../../runtime/engine/duckdb.ts';
import type { RunRecord } from '../../runtime/runs/record.ts';
import type { TableManifest } from '../../runtime/table/manifest.ts';
import { GOLD_SQL } from './data.ts';

export interface Expected {
  /** Per sales file ingested: rows in, valid ids, bad rows. */
  sales: Array<{ rowsIn: number; valid: number[]; bad: number }>;
  /** Per accounts file ingested: its balances. */
  accounts: Array<Map<number, string>>;
}

export interface CheckResult {
  violations: string[];
  /** Rows expected in silver (sales) that it does not hold. */
  rowsLost: number;
  /** Gold tables that differ from their SQL over silver. */
  goldMismatches: number;
  silverRows: number;
}

function manifest(lake: string, root: string): TableManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(lake, root, '_strata/manifest.json'), 'utf8')) as TableManifest;
  } catch {
    return undefined;
  }
}

const list = (lake: string, m: TableManifest | undefined) => `[${Object.values(m?.partitions ?? {}).flatMap((p) => p.files).map((f) => pathLit(join(lake, f))).join(', ')}]`;

export async function checkLake(lake: string, exp: Expected): Promise<CheckResult> {
  const violations: string[] = [];
  let rowsLost = 0;
  let goldMismatches = 0;
  const db = await Duck.open({ memoryLimit: '256MB', threads: 1 });
  try {
    // Silver and quarantine (sales: append).
    const sales = manifest(lake, 'silver/sales/');
    const want = exp.sales.flatMap((f) => f.valid);
    let silverRows = 0;
    if (want.length) {
      if (!sales) violations.push('silver.sales has no manifest');
      await db.run(`CREATE TABLE sales AS SELECT * FROM read_parquet(${list(lake, sales)}, union_by_name = true)`);
      await db.run(`CREATE TABLE want AS SELECT unnest([${want.join(', ')}]::BIGINT[]) AS sale_id`);
      const s = await db.one<{ n: number; k: number; lost: number; extra: number }>(`SELECT (SELECT count(*) FROM sales) AS n, (SELECT count(DISTINCT sale_id) FROM sales) AS k,
        (SELECT count(*) FROM want WHERE sale_id NOT IN (SELECT sale_id FROM sales)) AS lost, (SELECT count(*) FROM sales WHERE sale_id NOT IN (SELECT sale_id FROM want)) AS extra`);
      silverRows = Number(s.n);
      rowsLost = Number(s.lost);
      if (Number(s.n) !== Number(s.k)) violations.push(`silver.sales: ${s.n} rows but ${s.k} distinct sale_id (duplicates)`);
      if (rowsLost) violations.push(`silver.sales: ${rowsLost} valid rows lost`);
      if (Number(s.extra)) violations.push(`silver.sales: ${s.extra} rows that no file holds as valid`);
      const q = (() => { try { return readdirSync(join(lake, 'quarantine/sales')).filter((f) => f.endsWith('.parquet')); } catch { return []; } })();
      const quarantined = q.length ? Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM read_parquet([${q.map((f) => pathLit(join(lake, 'quarantine/sales', f))).join(', ')}])`)).n) : 0;
      const rowsIn = exp.sales.reduce((a, f) => a + f.rowsIn, 0);
      if (rowsIn !== silverRows + quarantined) violations.push(`sales: rows in ${rowsIn} ≠ silver ${silverRows} + quarantine ${quarantined}`);
    } else {
      await db.run('CREATE TABLE sales (sale_id BIGINT, store VARCHAR, amount DECIMAL(10,2), sold_at TIMESTAMP)');
    }

    // Accounts (upsert): one row per key, holding a value a file gave that key; every key of every file present.
    const accounts = manifest(lake, 'silver/accounts/');
    if (exp.accounts.length) {
      await db.run(`CREATE TABLE accounts AS SELECT * FROM read_parquet(${list(lake, accounts)}, union_by_name = true)`);
      const given = exp.accounts.flatMap((f) => [...f].map(([id, b]) => `(${id}, '${b}')`));
      await db.run(`CREATE TABLE given AS SELECT * FROM (VALUES ${given.join(', ')}) t(account_id, balance)`);
      const a = await db.one<{ n: number; k: number; keys: number; stray: number }>(`SELECT (SELECT count(*) FROM accounts) AS n, (SELECT count(DISTINCT account_id) FROM accounts) AS k,
        (SELECT count(DISTINCT account_id) FROM given) AS keys,
        (SELECT count(*) FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM given g WHERE g.account_id = a.account_id AND g.balance = CAST(a.balance AS VARCHAR))) AS stray`);
      if (Number(a.n) !== Number(a.k)) violations.push(`silver.accounts: ${a.n} rows but ${a.k} distinct keys`);
      if (Number(a.k) !== Number(a.keys)) violations.push(`silver.accounts: ${a.k} keys, the files gave ${a.keys}`);
      if (Number(a.stray)) violations.push(`silver.accounts: ${a.stray} rows hold a balance no file gave that key`);
    } else {
      await db.run('CREATE TABLE accounts (account_id BIGINT, region VARCHAR, balance DECIMAL(12,2), updated_at TIMESTAMP)');
    }

    // Gold = its SQL over silver (gold reading gold: over what the SQL computed for it).
    await db.run('CREATE SCHEMA silver; CREATE SCHEMA gold; CREATE VIEW silver.sales AS SELECT * FROM main.sales; CREATE VIEW silver.accounts AS SELECT * FROM main.accounts');
    for (const g of GOLD_SQL) {
      await db.run(`CREATE TABLE gold.${g.table} AS ${g.sql}`);
      const m = manifest(lake, `gold/${g.table}/`);
      const stored = m && Object.keys(m.partitions).length ? `read_parquet(${list(lake, m)}, union_by_name = true)` : `(SELECT * FROM gold.${g.table} LIMIT 0)`;
      const text = (rel: string) => `SELECT ${g.columns.map((c) => `CAST(${c} AS VARCHAR) AS ${c}`).join(', ')} FROM ${rel}`;
      const diff = await db.one<{ n: number }>(`SELECT count(*) AS n FROM ((${text(stored)} EXCEPT ALL ${text(`gold.${g.table}`)}) UNION ALL (${text(`gold.${g.table}`)} EXCEPT ALL ${text(stored)}))`);
      if (Number(diff.n)) {
        goldMismatches++;
        violations.push(`gold.${g.table}: ${diff.n} row(s) differ from its SQL over silver`);
      }
    }

    // Run records: a run that claims an object's rows committed it (its commit is in the history; a later rollback
    // may have undone it), and the run the manifest names as its committer is not recorded as having lost.
    for (const [ds, m] of [['sales', sales], ['accounts', accounts]] as const) {
      if (!m) continue;
      const dir = join(lake, '_strata/runs', ds);
      const records = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunRecord);
      const committed = new Set(m.history.filter((h) => h.kind === 'commit').map((h) => h.runId));
      for (const r of records) {
        if (r.status === 'SUCCEEDED' && (r.rowsIn > 0 || r.partitions.length > 0) && !committed.has(r.runId)) violations.push(`${ds}: run ${r.runId} claims ${r.source.key} but never committed it`);
      }
      for (const s of Object.values(m.sources)) {
        const r = records.find((x) => x.runId === s.runId);
        if (r && r.status !== 'SUCCEEDED' && r.status !== 'FAILED') violations.push(`${ds}: run ${s.runId} committed ${s.key} but is recorded ${r.status}`);
      }
    }
    return { violations, rowsLost, goldMismatches, silverRows };
  } finally {
    db.close();
  }
}

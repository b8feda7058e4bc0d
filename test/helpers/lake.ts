// Temporary lakes for tests: real folders, real DuckDB, the real state machine.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDuck } from '../../runtime/engine/duckdb.ts';
import { ingestFile, type IngestOptions, type IngestResult } from '../../workflows/ingest-local.ts';
import { openLocalLake, type LocalLake } from '../../workflows/lake.ts';
import { commitTable } from '../../runtime/table/store.ts';

export interface TestLake extends LocalLake {
  root: string;
  /** Write a file under the test folder and return its path. */
  file: (name: string, content: string | Buffer) => Promise<string>;
  ingest: (dataset: string, path: string, opts?: IngestOptions) => Promise<IngestResult>;
  /** SQL over the lake's catalog, as `strata query` runs it. */
  query: <T extends object = Record<string, unknown>>(sql: string) => Promise<T[]>;
  cleanup: () => Promise<void>;
}

export async function makeLake(schemas: Record<string, string>): Promise<TestLake> {
  const root = await mkdtemp(join(tmpdir(), 'strata-test-'));
  await mkdir(join(root, 'schemas'));
  await mkdir(join(root, 'in'));
  for (const [name, text] of Object.entries(schemas)) await writeFile(join(root, 'schemas', `${name}.yaml`), text);
  const lake = await openLocalLake({ lake: join(root, 'lake'), schemas: join(root, 'schemas') });
  const errors = lake.project.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`test schema errors: ${JSON.stringify(errors)}`);
  return {
    ...lake,
    root,
    file: async (name, content) => {
      const p = join(root, 'in', name);
      await mkdir(join(p, '..'), { recursive: true });
      await writeFile(p, content);
      return p;
    },
    ingest: (dataset, path, opts) => ingestFile(lake, dataset, path, opts),
    // On a leased instance (Duck.lease), the catalog detached after the query so that the next query reuses it: an
    // instance of its own per query cost 20–40 ms, and made a third of the DuckDB instances a full test run created
    // (2026-12-05).
    query: <T extends object>(sql: string) => withDuck(async (db) => {
      await lake.catalog.attachTo(db);
      try {
        return await db.all<T>(sql);
      } finally {
        await db.detach('lake');
      }
    }, { memoryLimit: '256MB' }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * Give partition `path` of silver.<table> a new version through the real commit path (commitTable): `copies` links to
 * its current version's first file (a version of one file), holding that version's rows `copies` times, which its
 * manifest says are `bytes` bytes (default: the version's bytes `copies` times). A partition of many files, or one
 * large by its manifest (what size checks read), without writing them.
 */
export async function seedVersion(l: TestLake, table: string, path: string, opts: { copies?: number; bytes?: number } = {}): Promise<void> {
  const plan = l.ctx.plans.get(table);
  const copies = opts.copies ?? 1;
  await commitTable(l.storage, {
    root: plan.prefixes.silver, shape: { table, layer: 'silver', schemaHash: plan.schemaHash, partitionKeys: plan.partitions.map((p) => p.name) },
    runId: 'seed', at: new Date().toISOString(), kind: 'commit', paths: [path],
    build: async (_path, base, prefix) => {
      const files: string[] = [];
      for (let i = 0; i < copies; i++) {
        await l.storage.copy(base!.files[0]!, `${prefix}part-seed-${i}.parquet`);
        files.push(`${prefix}part-seed-${i}.parquet`);
      }
      return { ...base!, location: prefix, files, rows: base!.rows * copies, bytes: opts.bytes ?? base!.bytes * copies, runId: 'seed' };
    },
  });
}

/** The orders schema of the issue (the contract example), with a tunable reject ratio. */
export function ordersSchema(opts: { maxRatio?: number; mode?: 'append' | 'upsert'; extra?: string } = {}): string {
  return `dataset: orders
description: Order lines from the web shop
owner: sales-data@example.com
source:
  format: csv
  compression: auto
  csv: { delimiter: ",", header: true, nullValues: [""] }
columns:
  - { name: order_id, type: bigint, required: true }
  - { name: customer_name, type: string, from: "Customer Name" }
  - { name: status, type: string, allowed: [NEW, SHIPPED, CANCELLED] }
  - { name: amount, type: "decimal(12,2)", min: 0 }
  - { name: ordered_on, type: date, format: "%b %d %Y" }
  - { name: created_at, type: timestamp, required: true }
primaryKey: [order_id]
mode: ${opts.mode ?? 'upsert'}
partitionBy:
  - { name: dt, column: created_at, transform: day }
rejects: { maxRatio: ${opts.maxRatio ?? 1} }
${opts.extra ?? ''}`;
}

export const ORDERS_HEADER = 'order_id,Customer Name,status,amount,ordered_on,created_at';

/** A gold table over orders for ordersSchema's `extra`: revenue and orders per day of created_at, refreshed incrementally. */
export const DAILY_REVENUE_GOLD = `gold:
  - table: daily_revenue
    sql: |
      SELECT CAST(created_at AS DATE) AS day, SUM(amount) AS revenue, COUNT(*) AS orders FROM silver.orders GROUP BY 1
    partitionBy: [day]
    refresh: incremental
`;

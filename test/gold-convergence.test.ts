// Gold converges to its SQL over silver: a publish that loses the compare-and-swap is computed again (never the
// rows it computed from an older silver), and a gold table left behind its silver (a crash between the silver
// commit and the refresh, a killed rollback) is caught up by the next run of the dataset, SKIPPED runs included.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { refreshGold } from '../runtime/gold/refresh.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { rollbackTable } from '../runtime/table/rollback.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { examine } from '../workflows/doctor.ts';
import { Duck, pathLit } from '../runtime/engine/duckdb.ts';
import { DAILY_REVENUE_GOLD, makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

async function lake(): Promise<TestLake> {
  const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: DAILY_REVENUE_GOLD }) });
  lakes.push(l);
  return l;
}

const order = (id: number, amount: string, day = '12') => `${id},c${id},NEW,${amount},Jun ${day} 2025,2025-06-${day}T10:00:00Z`;
const csv = (...rows: string[]) => `${ORDERS_HEADER}\n${rows.join('\n')}\n`;
const manifest = (l: TestLake, root: string): TableManifest => JSON.parse(readFileSync(join(l.dir, root, '_strata/manifest.json'), 'utf8'));

/** Gold as stored (its manifest's files) and gold as its SQL computes it from silver (its manifest's files), by DuckDB alone. */
async function goldVersusSql(l: TestLake): Promise<{ stored: unknown[]; computed: unknown[] }> {
  const files = (root: string) => Object.values(manifest(l, root).partitions).flatMap((p) => p.files.map((f) => pathLit(join(l.dir, f))));
  const db = await Duck.open();
  try {
    await db.run(`CREATE VIEW orders AS SELECT * FROM read_parquet([${files('silver/orders/').join(', ')}])`);
    const computed = await db.all(`SELECT CAST(created_at AS DATE)::VARCHAR AS day, CAST(SUM(amount) AS VARCHAR) AS revenue, COUNT(*) AS orders FROM orders GROUP BY 1 ORDER BY 1`);
    const stored = await db.all(`SELECT CAST(day AS DATE)::VARCHAR AS day, CAST(revenue AS VARCHAR) AS revenue, orders FROM read_parquet([${files('gold/daily_revenue/').join(', ')}]) ORDER BY 1`);
    return { stored, computed };
  } finally {
    db.close();
  }
}

describe('gold converges to its SQL over silver', () => {
  it('a publish that loses the compare-and-swap is computed again from the newer silver, not re-published from the older one', async () => {
    const l = await lake();
    await l.ingest('orders', await l.file('a.csv', csv(order(1, '10.00'))));
    // b reaches silver, but its run's gold step does not run (as if killed there): gold is behind by b.
    await l.ingest('orders', await l.file('b.csv', csv(order(2, '20.00'))), { wrap: (step, fn) => (step === 'gold' ? async () => [] : fn) });
    // Refresh A reads silver with a and b, computes, and waits before its publish (its gate is where it waits)...
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let computed!: () => void;
    const reached = new Promise<void>((r) => { computed = r; });
    const a = refreshGold(l.ctx, { table: 'daily_revenue', dataset: 'orders', runId: 'refresh-a', now: new Date().toISOString() }, {
      audit: async () => { computed(); await gate; return undefined; },
    });
    await reached;
    // ...while c is ingested and its run publishes gold with a, b and c.
    const c = await l.ingest('orders', await l.file('c.csv', csv(order(3, '30.00'))));
    expect(c.record.gold).toEqual([expect.objectContaining({ status: 'published' })]);
    release();
    // A lost the swap. Re-publishing what it computed would drop c's 30.00; computed again, it finds gold current.
    const out = await a;
    const { stored, computed: sql } = await goldVersusSql(l);
    expect(stored).toEqual([{ day: '2025-06-12', revenue: '60.00', orders: 3 }]);
    expect(stored).toEqual(sql);
    expect(out).toMatchObject({ status: 'unchanged' });
    expect(manifest(l, 'gold/daily_revenue/').derivedFrom).toEqual({ 'silver.orders': manifest(l, 'silver/orders/').version });
  });

  it('a run killed between its silver commit and gold: the re-ingest is SKIPPED and brings gold up to silver', async () => {
    const l = await lake();
    await l.ingest('orders', await l.file('a.csv', csv(order(1, '10.00'), order(2, '5.00', '13'))));
    const file = await l.file('b.csv', csv(order(3, '7.00'), order(4, '1.00', '14')));
    const cut = await l.ingest('orders', file, { wrap: (step, fn) => (step === 'gold' ? async () => { throw Object.assign(new Error('killed (injected)'), { name: 'Strata.Internal' }); } : fn) });
    expect(cut.record.status).toBe('FAILED');
    expect(cut.record.error?.message).toMatch(/^the silver commit stands \(silver\.orders version 2 holds this run's rows\); what failed after it: .*killed \(injected\)/);
    expect((await goldVersusSql(l)).stored).toEqual([{ day: '2025-06-12', revenue: '10.00', orders: 1 }, { day: '2025-06-13', revenue: '5.00', orders: 1 }]);
    const again = await l.ingest('orders', file);
    expect(again.record.status).toBe('SKIPPED');
    expect(again.execution.path).toEqual(['Prepare', 'Stage', 'Route', 'Resync', 'Gold', 'RefreshGold', 'RecordRun', 'Finish', 'Succeeded']);
    expect(again.record.gold).toEqual([expect.objectContaining({ status: 'published', mode: 'incremental', partitions: ['day=2025-06-12', 'day=2025-06-14'], read: 2 })]);
    const { stored, computed } = await goldVersusSql(l);
    expect(stored).toEqual([
      { day: '2025-06-12', revenue: '17.00', orders: 2 }, { day: '2025-06-13', revenue: '5.00', orders: 1 }, { day: '2025-06-14', revenue: '1.00', orders: 1 },
    ]);
    expect(stored).toEqual(computed);
  });

  it('after a rollback killed before its gold refresh, the next run of the dataset brings gold back to silver', async () => {
    const l = await lake();
    const first = await l.ingest('orders', await l.file('a.csv', csv(order(1, '10.00'))));
    await l.ingest('orders', await l.file('b.csv', csv(order(2, '20.00'), order(3, '1.00', '13'))));
    // The silver half of `strata rollback orders --to <first>`, and nothing after it.
    const plan = l.ctx.plans.get('orders');
    await rollbackTable(l.storage, plan.prefixes.silver, { table: 'orders', layer: 'silver', schemaHash: plan.schemaHash, partitionKeys: ['dt'] }, first.record.runId, 'rollback-killed');
    expect((await goldVersusSql(l)).stored).toHaveLength(2); // gold still shows b
    const next = await l.ingest('orders', await l.file('c.csv', csv(order(4, '4.00', '15'))));
    expect(next.record.status).toBe('SUCCEEDED');
    const { stored, computed } = await goldVersusSql(l);
    expect(stored).toEqual([{ day: '2025-06-12', revenue: '10.00', orders: 1 }, { day: '2025-06-15', revenue: '4.00', orders: 1 }]);
    expect(stored).toEqual(computed);
  });

  it('a compaction of silver (same rows, fewer files) leaves gold current: nothing to refresh, nothing behind', async () => {
    const l = await lake();
    await l.ingest('orders', await l.file('a.csv', csv(order(1, '10.00'))));
    await l.ingest('orders', await l.file('b.csv', csv(order(2, '20.00'))));
    const goldBefore = manifest(l, 'gold/daily_revenue/');
    const [compacted] = await compactLocal(l, ['orders'], { minFiles: 2 });
    expect(compacted!.execution.status).toBe('SUCCEEDED');
    const silver = manifest(l, 'silver/orders/');
    expect({ version: silver.version, kind: silver.history.at(-1)!.kind, files: silver.partitions['dt=2025-06-12']!.files.length }).toEqual({ version: 3, kind: 'compact', files: 1 });
    const r = await refreshGold(l.ctx, { table: 'daily_revenue', dataset: 'orders', runId: 'after-compaction', now: new Date().toISOString(), partitions: [] });
    expect(r.status).toBe('unchanged');
    expect(manifest(l, 'gold/daily_revenue/').version).toBe(goldBefore.version);
    expect((await examine(l)).findings.filter((f) => f.subject === 'gold.daily_revenue')).toEqual([]);
    // A later commit is caught up from the version gold reflects: the compaction's partition is not recomputed for it.
    const next = await l.ingest('orders', await l.file('c.csv', csv(order(3, '5.00', '13'))));
    expect(next.record.status).toBe('SUCCEEDED');
    const { stored, computed } = await goldVersusSql(l);
    expect(stored).toEqual([{ day: '2025-06-12', revenue: '30.00', orders: 2 }, { day: '2025-06-13', revenue: '5.00', orders: 1 }]);
    expect(stored).toEqual(computed);
    expect(manifest(l, 'gold/daily_revenue/').partitions['day=2025-06-12']!.location).toBe(goldBefore.partitions['day=2025-06-12']!.location);
  });

  it('a changed gold SQL with the same columns (a filter added) recomputes every partition, not only the ones the next run touches', async () => {
    const l = await lake();
    await l.ingest('orders', await l.file('a.csv', csv(order(1, '10.00', '12'), order(2, '5.00', '13'))));
    // The SQL gains a filter; its columns and types stay the same (it was never recomputed: an attack, stop 45).
    const file = join(l.root, 'schemas', 'orders.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('FROM silver.orders GROUP BY 1', 'FROM silver.orders WHERE amount > 6 GROUP BY 1'));
    const l2 = await openLocalLake({ lake: l.dir, schemas: join(l.root, 'schemas') });
    const next = await ingestFile(l2, 'orders', await l.file('c.csv', csv(order(3, '7.00', '14'))));
    expect(next.record.status).toBe('SUCCEEDED');
    const { stored } = await goldVersusSql(l);
    expect(stored).toEqual([{ day: '2025-06-12', revenue: '10.00', orders: 1 }, { day: '2025-06-14', revenue: '7.00', orders: 1 }]);
  });

  it('a gold partition value that cannot be a folder name fails the refresh, naming it; nothing is published (it shared the NULL folder, damaged, a row lost)', async () => {
    const gold = `gold:\n  - table: hive\n    sql: |\n      SELECT CASE WHEN amount > 15 THEN '__HIVE_DEFAULT_PARTITION__' WHEN amount > 5 THEN NULL ELSE status END AS gp, count(*) AS n FROM silver.orders GROUP BY 1\n    partitionBy: [gp]\n    refresh: full\n`;
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: gold }) });
    lakes.push(l);
    const { record } = await l.ingest('orders', await l.file('a.csv', csv(order(1, '20.00'), order(2, '10.00'))));
    expect(record.status).toBe('FAILED');
    expect(record.error?.message).toMatch(/gold table hive: its SQL failed: it gives partition gp the value "__HIVE_DEFAULT_PARTITION__", which cannot be a folder name \("__HIVE_DEFAULT_PARTITION__" is the folder name Hive gives NULL\); nothing was published\. Fix the SQL of gold table hive/);
    expect((await l.storage.list('gold/hive/')).filter((o) => o.key.endsWith('.parquet'))).toEqual([]);
  });
});

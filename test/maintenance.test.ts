// Rollback within the retention window, then garbage collection past it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { rollback as rollbackCommand } from '../cli/commands/rollback.ts';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { runCommand } from './helpers/cli.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const GOLD = `gold:
  - table: daily_revenue
    sql: |
      SELECT CAST(created_at AS DATE) AS day, SUM(amount) AS revenue FROM silver.orders GROUP BY 1
    partitionBy: [day]
`;
let lake: TestLake;
const runs: string[] = [];
beforeAll(async () => {
  lake = await makeLake({ orders: ordersSchema({ maxRatio: 1, extra: GOLD }) });
  const o = (id: number, amount: string, day: string) => `${id},c,NEW,${amount},Jun ${day} 2025,2025-06-${day}T10:00:00Z`;
  for (const [name, rows] of [['a.csv', [o(1, '10.00', '12')]], ['b.csv', [o(1, '99.00', '12'), o(2, '5.00', '13')]], ['c.csv', [o(3, '1.00', '14')]]] as const) {
    runs.push((await lake.ingest('orders', await lake.file(name, `${ORDERS_HEADER}\n${rows.join('\n')}\n`))).record.runId);
  }
});
afterAll(() => lake?.cleanup());

const manifest = (p: string): TableManifest => JSON.parse(readFileSync(join(lake.dir, p, '_strata/manifest.json'), 'utf8'));
const orders = () => lake.query(`SELECT order_id, CAST(amount AS VARCHAR) AS amount FROM silver.orders ORDER BY 1`);
const gold = () => lake.query(`SELECT CAST(day AS VARCHAR) AS day, CAST(revenue AS VARCHAR) AS revenue FROM gold.daily_revenue ORDER BY 1`);

describe('rollback and gc', () => {
  it('strata rollback of a gold table alone says gold may now disagree with silver, and how to recompute it', async () => {
    const r = await runCommand(rollbackCommand, { lake: lake.dir, schemas: join(lake.root, 'schemas') }, ['daily_revenue'], { to: runs[0]! });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n')).toContain(`gold.daily_revenue now shows what run ${runs[0]} left, which may disagree with silver today; `
      + 'strata refresh daily_revenue recomputes it from silver (so does the next run of a dataset it reads)');
    expect(await gold()).toEqual([{ day: '2025-06-12', revenue: '10.00' }]); // silver holds three days: it does disagree
  });

  it('rolls silver back to a run, recomputes gold from it, and lets the removed objects be ingested again', async () => {
    expect(await orders()).toEqual([{ order_id: 1, amount: '99.00' }, { order_id: 2, amount: '5.00' }, { order_id: 3, amount: '1.00' }]);
    const r = await rollback(lake, 'orders', runs[0]!);
    expect(r.changes.map((c) => c.path).sort()).toEqual(['dt=2025-06-12', 'dt=2025-06-13', 'dt=2025-06-14']);
    expect(r.forgotten).toHaveLength(2);
    expect(await orders()).toEqual([{ order_id: 1, amount: '10.00' }]);
    expect(await gold()).toEqual([{ day: '2025-06-12', revenue: '10.00' }]);
    expect(manifest('silver/orders').history.at(-1)).toMatchObject({ kind: 'rollback', runId: r.runId });
    // b.csv's data was removed by the rollback, so ingesting it again is a real ingest, not a no-op.
    const again = await lake.ingest('orders', join(lake.root, 'in', 'b.csv'));
    expect(again.record.status).toBe('SUCCEEDED');
    expect(await orders()).toEqual([{ order_id: 1, amount: '99.00' }, { order_id: 2, amount: '5.00' }]);
  });

  it('refuses a run that never changed the table, saying so', async () => {
    await expect(rollback(lake, 'orders', 'nope')).rejects.toMatchObject({ name: 'Strata.InvalidInput', message: 'run nope never changed table orders (or its history was collected); strata runs --dataset orders lists the runs that did' });
  });

  it('garbage-collects replaced versions past retention, after which they can no longer be restored', async () => {
    const before = manifest('silver/orders').retired.map((r) => r.version.location);
    expect(before.length).toBeGreaterThan(0);
    const dry = await garbageCollect(lake, { retentionDays: 0, dryRun: true, now: new Date(Date.now() + 1000) });
    expect(dry.tables.find((t) => t.table === 'silver.orders')!.expiredVersions).toBeGreaterThan(0);
    expect(before.every((l) => existsSync(join(lake.dir, l)))).toBe(true); // a dry run deletes nothing
    const history = await lake.query<{ version: number; partitions_changed: number; rows: number }>(`SELECT version, partitions_changed, "rows" FROM strata.history WHERE table_name = 'orders' ORDER BY version`);
    await garbageCollect(lake, { retentionDays: 0, now: new Date(Date.now() + 1000) });
    // History past the window keeps its counts, not its change lists (they only served rollbacks to collected versions).
    expect(manifest('silver/orders').history.map((h) => ({ version: h.version, changes: h.changes, collected: h.collected })))
      .toEqual(history.map((h) => ({ version: h.version, changes: [], collected: { partitions: h.partitions_changed, rows: h.rows } })));
    const current = new Set(Object.values(manifest('silver/orders').partitions).map((p) => p.location));
    for (const l of before.filter((x) => !current.has(x))) expect(existsSync(join(lake.dir, l)), l).toBe(false);
    expect(manifest('silver/orders').retired).toEqual([]);
    expect(await orders()).toEqual([{ order_id: 1, amount: '99.00' }, { order_id: 2, amount: '5.00' }]); // current data untouched
    await expect(rollback(lake, 'orders', runs[0]!)).rejects.toMatchObject({ message: expect.stringMatching(/was garbage-collected; it can no longer be restored$/) });
  });
});

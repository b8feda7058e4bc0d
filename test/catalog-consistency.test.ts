// catalog.duckdb, caught up run after run (runtime/catalog/local.ts applyTable, its changes sent in batches), shows
// what the manifests say after runs, a rollback, compaction, gc with archives, schema evolution in two datasets and
// partition values with quotes, semicolons and comment starts; and equals a catalog rebuilt from the entries.
// (Written by an attack on the batched catch-up; it held.)
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fullHistory } from '../runtime/table/store.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { DAILY_REVENUE_GOLD, makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let l: TestLake;
afterAll(() => l?.cleanup());

const items = (extra = '') => `dataset: items
source: { format: jsonl }
columns:
  - { name: id, type: bigint, required: true }
  - { name: tag, type: string, required: true }
${extra}mode: append
rejects: { maxRatio: 1 }
partitionBy:
  - { name: tag_p, column: tag }
compaction: { minFiles: 2 }
`;
const csv = (id: number, day: number) => `${ORDERS_HEADER}\n${id},c${id},NEW,${id}.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z\n`;

async function snapshot(lake: TestLake) {
  const q = lake.query;
  return {
    tables: await q(`SELECT layer, table_name, version::INT AS v, schema_hash, partitions::INT AS p, "rows"::INT AS r FROM strata.tables ORDER BY 1, 2`),
    partitions: await q(`SELECT layer, table_name, path, "values", location, files::INT AS f, "rows"::INT AS r, run_id FROM strata.partitions ORDER BY 1, 2, 3`),
    history: await q(`SELECT layer, table_name, version::INT AS v, run_id, kind, partitions_changed::INT AS pc, "rows"::INT AS r FROM strata.history ORDER BY 1, 2, 3`),
    schemas: await q(`SELECT layer, table_name, schema_hash, run_id FROM strata.schema_history ORDER BY 1, 2, applied_at, 3`),
    counts: {
      orders: await q('SELECT count(*)::INT AS n FROM silver.orders'),
      items: await q('SELECT tag, count(*)::INT AS n FROM silver.items GROUP BY 1 ORDER BY 1'),
    },
  };
}

async function fromManifests(lake: TestLake, tables: Array<[string, string, string]>) {
  const out = { tables: [] as unknown[], partitions: [] as unknown[], history: [] as unknown[], schemas: [] as unknown[] };
  for (const [layer, name, root] of tables.sort()) {
    const m: TableManifest = JSON.parse(readFileSync(join(lake.dir, root, '_strata/manifest.json'), 'utf8'));
    const parts = Object.values(m.partitions);
    out.tables.push({ layer, table_name: name, v: m.version, schema_hash: m.schemaHash, p: parts.length, r: parts.reduce((a, p) => a + p.rows, 0) });
    for (const p of parts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) out.partitions.push({ layer, table_name: name, path: p.path, values: p.values, location: p.location, f: p.files.length, r: p.rows, run_id: p.runId });
    for (const h of await fullHistory(lake.storage, root, m)) {
      const n = h.collected ?? { partitions: h.changes.length, rows: h.changes.reduce((a, c) => a + (c.rows ?? 0), 0) };
      out.history.push({ layer, table_name: name, v: h.version, run_id: h.runId, kind: h.kind, pc: n.partitions, r: n.rows });
    }
    for (const s of m.schemaHistory ?? []) out.schemas.push({ layer, table_name: name, schema_hash: s.hash, run_id: s.runId });
  }
  return out;
}

describe('catalog catch-up against the manifests', () => {
  it('matches the manifests run after run, and a rebuilt catalog equals the caught-up one', async () => {
    l = await makeLake({ orders: ordersSchema({ mode: 'append', extra: `compaction: { minFiles: 2 }\n${DAILY_REVENUE_GOLD}` }), items: items() });
    const a = await l.ingest('orders', await l.file('a.csv', csv(1, 12)), { compact: false });
    await l.ingest('orders', await l.file('b.csv', csv(2, 12)), { compact: false });
    await l.ingest('orders', await l.file('c.csv', csv(3, 13)), { compact: false });
    await rollback(l, 'orders', a.record.runId);
    await l.ingest('orders', await l.file('d.csv', csv(4, 12)), { compact: false });
    await l.ingest('orders', await l.file('d2.csv', csv(5, 12)), { compact: false });
    // odd partition values: quotes, semicolons, SQL comment starts, percent, unicode, backslash, a NUL
    const tags = [`O'Brien`, `a;b`, `--x`, `100%`, `ünï`, `back\\slash`, `semi';DROP TABLE strata.tables;--`, `nul\u0000x`, `new\nline`];
    const rows = tags.map((t, i) => JSON.stringify({ id: i, tag: t })).join('\n') + '\n';
    await l.ingest('items', await l.file('i1.jsonl', rows), { compact: false }); // NUL and newline tags are quarantined
    await l.ingest('items', await l.file('i2.jsonl', rows.replace(/"id":(\d+)/g, (_, d) => `"id":${Number(d) + 100}`)), { compact: false });
    await compactLocal(l, ['orders', 'items']);
    await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 1 });
    await l.ingest('orders', await l.file('e.csv', csv(6, 14)), { compact: false });
    await l.ingest('items', await l.file('i3.jsonl', JSON.stringify({ id: 900, tag: `O'Brien` }) + '\n'), { compact: false });

    // schema evolution: a new column in both datasets; the lake opened again
    writeFileSync(join(l.root, 'schemas', 'items.yaml'), items('  - { name: note, type: string }\n'));
    writeFileSync(join(l.root, 'schemas', 'orders.yaml'), ordersSchema({ mode: 'append', extra: `compaction: { minFiles: 2 }\n${DAILY_REVENUE_GOLD}` }).replace('  - { name: created_at', '  - { name: note, type: string, from: "note" }\n  - { name: created_at'));
    const l2 = await openLocalLake({ lake: l.dir, schemas: join(l.root, 'schemas') });
    const errs = l2.project.diagnostics.filter((d) => d.severity === 'error');
    expect(errs).toEqual([]);
    const r3 = await ingestFile(l2, 'items', await l.file('i4.jsonl', JSON.stringify({ id: 1000, tag: 'x', note: 'n' }) + '\n'), { compact: false });
    expect(r3.record.status).toBe('SUCCEEDED');
    const r4 = await ingestFile(l2, 'orders', await l.file('f.csv', `${ORDERS_HEADER},note\n7,c7,NEW,7.00,Jun 15 2025,2025-06-15T10:00:00Z,hi\n`), { compact: false });
    expect(r4.record.status).toBe('SUCCEEDED');
    await garbageCollect(l2, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 });
    await ingestFile(l2, 'orders', await l.file('g.csv', `${ORDERS_HEADER},note\n8,c8,NEW,8.00,Jun 16 2025,2025-06-16T10:00:00Z,yo\n`), { compact: false });

    const lake2: TestLake = { ...l, ...l2, query: l.query } as TestLake;
    const tables: Array<[string, string, string]> = [['gold', 'daily_revenue', 'gold/daily_revenue/'], ['silver', 'items', 'silver/items/'], ['silver', 'orders', 'silver/orders/']];
    const want = await fromManifests(lake2, tables);
    const caught = await snapshot(lake2);
    expect({ tables: caught.tables, partitions: caught.partitions, history: caught.history, schemas: caught.schemas }).toEqual(want);
    rmSync(join(l.dir, 'catalog.duckdb'));
    rmSync(join(l.dir, '_strata/catalog/materialized.json'), { force: true });
    const rebuilt = await snapshot(lake2);
    expect(rebuilt).toEqual(caught);
  }, 300_000);
});

// catalog.duckdb against the manifests, over generated sequences of what changes a table: runs, rollbacks,
// compactions, gc passes, manifests lost and restored by strata doctor (its catch-up of catalog.duckdb failing or
// not), a manifest put back from a backup and committed to, a table started over (its folder moved aside),
// catalog.duckdb deleted, a table's partition lines damaged, deleted, older than its entry or a folder. Whenever it
// is read, strata.tables, partitions, history and schema_history show exactly what the manifests (and their history
// archives) say, and the views read exactly the manifests' rows; after a last run,
// gold equals its SQL over silver; a catalog rebuilt from the entries alone shows the same. Example tests of the same
// mechanism: test/catalog-consistency.test.ts, test/catalog-catch-up.test.ts, test/gold-version-reused.test.ts.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStrataError } from '../core/errors.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { fullHistory } from '../runtime/table/store.ts';
import { armFaults } from '../runtime/util/fault.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { repair } from '../workflows/doctor.ts';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { DAILY_REVENUE_GOLD, makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

type Op =
  | { op: 'ingest'; day: number }
  | { op: 'rollback'; back: number }
  | { op: 'compact' }
  | { op: 'gc'; keepCollected: number }
  | { op: 'restore'; catchUpFails: boolean }
  | { op: 'dropCatalog' }
  | { op: 'startOver' }
  | { op: 'backup' }
  | { op: 'fromBackup' }
  | { op: 'damageLines'; how: 'truncate' | 'delete' | 'older' | 'folder' }
  | { op: 'check' };

const ingest = fc.record({ op: fc.constant('ingest' as const), day: fc.integer({ min: 12, max: 14 }) });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: ingest },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rollback' as const), back: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'compact' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('gc' as const), keepCollected: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('restore' as const), catchUpFails: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'dropCatalog' as const }) },
  // the table started over: its folder moved aside (the way back from a damaged file), its versions counted from 1 again
  { weight: 1, arbitrary: fc.constant({ op: 'startOver' as const }) },
  // a copy of the manifest kept outside strata, and put back (while gc has deleted nothing it names), then a run
  { weight: 1, arbitrary: fc.constant({ op: 'backup' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'fromBackup' as const }) },
  // a table's partition lines (strata.partitions' source) damaged, gone, older than its entry (a registration stopped
  // between its two writes), or a folder in their place: the next read writes them again from the entry (stop 51)
  { weight: 1, arbitrary: fc.record({ op: fc.constant('damageLines' as const), how: fc.constantFrom('truncate' as const, 'delete' as const, 'older' as const, 'folder' as const) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'check' as const }) },
);

const TABLES: Array<[string, string, string]> = [['gold', 'daily_revenue', 'gold/daily_revenue/'], ['silver', 'orders', 'silver/orders/']];
const manifestOf = (l: TestLake, root: string): TableManifest | undefined => {
  try { return JSON.parse(readFileSync(join(l.dir, root, '_strata/manifest.json'), 'utf8')) as TableManifest; } catch { return undefined; }
};

/** What the manifests say the catalog shows. */
async function fromManifests(l: TestLake) {
  const out = { tables: [] as unknown[], partitions: [] as unknown[], history: [] as unknown[], schemas: [] as unknown[], orders: 0 };
  for (const [layer, name, root] of TABLES) {
    const m = manifestOf(l, root);
    if (!m) continue;
    const parts = Object.values(m.partitions).sort((a, b) => (a.path < b.path ? -1 : 1));
    out.tables.push({ layer, table_name: name, v: m.version, p: parts.length, r: parts.reduce((a, p) => a + p.rows, 0) });
    for (const p of parts) out.partitions.push({ layer, table_name: name, path: p.path, location: p.location, f: p.files.length, r: p.rows, run_id: p.runId });
    for (const h of await fullHistory(l.storage, root, m)) out.history.push({ layer, table_name: name, v: h.version, run_id: h.runId, kind: h.kind });
    for (const h of m.schemaHistory ?? []) out.schemas.push({ layer, table_name: name, schema_hash: h.hash, run_id: h.runId });
    if (name === 'orders') out.orders = parts.reduce((a, p) => a + p.rows, 0);
  }
  return out;
}

async function shown(l: TestLake) {
  const q = l.query;
  return {
    tables: await q(`SELECT layer, table_name, version::INT AS v, partitions::INT AS p, "rows"::INT AS r FROM strata.tables WHERE table_name IN ('orders', 'daily_revenue') ORDER BY 1, 2`),
    partitions: await q(`SELECT layer, table_name, path, location, files::INT AS f, "rows"::INT AS r, run_id FROM strata.partitions WHERE table_name IN ('orders', 'daily_revenue') ORDER BY 1, 2, 3`),
    history: await q(`SELECT layer, table_name, version::INT AS v, run_id, kind FROM strata.history WHERE table_name IN ('orders', 'daily_revenue') ORDER BY 1, 2, 3`),
    schemas: await q(`SELECT layer, table_name, schema_hash, run_id FROM strata.schema_history WHERE table_name IN ('orders', 'daily_revenue') ORDER BY 1, 2, applied_at`),
    orders: manifestOf(l, 'silver/orders/') ? (await q<{ n: number }>('SELECT count(*)::INT AS n FROM silver.orders'))[0]!.n : 0,
  };
}

async function check(l: TestLake, log: string[]): Promise<void> {
  const want = await fromManifests(l);
  expect(await shown(l), log.join(' → ')).toEqual(want);
}

/** Lose the manifest and the newest file the last commit wrote; strata doctor --repair restores an older copy. */
async function restore(l: TestLake, catchUpFails: boolean): Promise<string> {
  const root = 'silver/orders/';
  const m = manifestOf(l, root);
  const last = m?.history.at(-1);
  if (!m || !last || last.kind !== 'commit' || m.version < 2) return 'restore: skipped';
  const path = last.changes.map((c) => c.path).find((p) => m.partitions[p]?.runId === last.runId);
  const file = path ? m.partitions[path]!.files.find((f) => f.includes(last.runId)) : undefined;
  if (!file) return 'restore: skipped';
  rmSync(join(l.dir, root, '_strata/manifest.json'));
  rmSync(join(l.dir, file));
  if (catchUpFails) armFaults('catalog.copied:error@*');
  try {
    await repair(l);
  } catch (e) {
    if (!catchUpFails) throw e;
  } finally {
    armFaults(undefined);
  }
  return `restore (v${m.version} lost${catchUpFails ? ', catch-up failed' : ''}) → v${manifestOf(l, root)?.version}`;
}

describe('catalog.duckdb against the manifests, over generated histories', () => {
  it('property: after any sequence of runs, rollbacks, compactions, gc passes, restores and a deleted catalog, the catalog shows exactly the manifests', async () => {
    // a few runs first, so that there is something to roll back, compact, collect and lose
    const history = fc.tuple(fc.array(ingest, { minLength: 2, maxLength: 3 }), fc.array(op, { minLength: 4, maxLength: 10 })).map(([a, b]) => [...a, ...b]);
    await fc.assert(fc.asyncProperty(history, async (ops) => {
      const l = await makeLake({ orders: ordersSchema({ mode: 'append', maxRatio: 1, extra: `compaction: { minFiles: 2 }\n${DAILY_REVENUE_GOLD}` }) });
      const runs: string[] = [];
      const log: string[] = [];
      try {
        let id = 0;
        let backup: string | undefined;
        let olderLines: string | undefined;
        const linesFile = join(l.dir, '_strata/catalog/partitions/silver.orders.jsonl');
        const ingest = async (day: number) => {
          id++;
          olderLines = existsSync(linesFile) && statSync(linesFile).isFile() ? readFileSync(linesFile, 'utf8') : olderLines;
          const r = await l.ingest('orders', await l.file(`f${id}.csv`, `${ORDERS_HEADER}\n${id},c${id},NEW,${id}.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z\n`), { compact: false });
          expect(r.record.status).toBe('SUCCEEDED');
          runs.push(r.record.runId);
          log.push(`ingest ${day}`);
        };
        for (const o of ops) {
          if (o.op === 'ingest') {
            await ingest(o.day);
          } else if (o.op === 'rollback') {
            const to = runs.at(-1 - o.back);
            if (!to) continue;
            await rollback(l, 'orders', to).then(() => log.push(`rollback ${o.back}`), (e) => {
              if (!isStrataError(e)) throw e;
              log.push(`rollback ${o.back} refused`);
            });
          } else if (o.op === 'compact') {
            await compactLocal(l, ['orders']);
            log.push('compact');
          } else if (o.op === 'gc') {
            await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: o.keepCollected });
            log.push(`gc ${o.keepCollected}`);
            backup = undefined; // it may name files gc deleted
          } else if (o.op === 'restore') {
            log.push(await restore(l, o.catchUpFails));
            backup = undefined;
          } else if (o.op === 'startOver') {
            if (!manifestOf(l, 'silver/orders/')) continue;
            renameSync(join(l.dir, 'silver/orders'), join(l.dir, `orders-aside-${log.length}`));
            log.push('silver/orders/ moved aside');
            backup = undefined;
            await ingest(12); // and ingested again: version 1 of a new line
          } else if (o.op === 'backup') {
            backup = manifestOf(l, 'silver/orders/') ? readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8') : undefined;
            log.push('backup');
          } else if (o.op === 'fromBackup') {
            if (!backup || !manifestOf(l, 'silver/orders/')) continue;
            writeFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), backup);
            log.push(`manifest put back from a backup (v${manifestOf(l, 'silver/orders/')!.version})`);
            await ingest(13);
          } else if (o.op === 'damageLines') {
            if (!existsSync(linesFile) || !statSync(linesFile).isFile()) continue;
            const text = readFileSync(linesFile, 'utf8');
            if (o.how === 'truncate') writeFileSync(linesFile, text.slice(0, Math.floor(text.length / 2)));
            else if (o.how === 'delete') rmSync(linesFile);
            else if (o.how === 'older') { if (olderLines === undefined) continue; writeFileSync(linesFile, olderLines); }
            else { rmSync(linesFile); mkdirSync(linesFile); writeFileSync(join(linesFile, 'x'), 'x'); }
            log.push(`partition lines ${o.how}`);
          } else if (o.op === 'dropCatalog') {
            rmSync(join(l.dir, 'catalog.duckdb'), { force: true });
            log.push('catalog.duckdb deleted');
          } else {
            await check(l, log);
            log.push('check');
          }
        }
        await check(l, log);
        // after a run, gold equals its SQL over silver, whatever went back before it
        await ingest(14);
        const gold = await l.query(`SELECT day::VARCHAR AS day, orders::INT AS n FROM gold.daily_revenue ORDER BY 1`);
        const sql = await l.query(`SELECT CAST(created_at AS DATE)::VARCHAR AS day, count(*)::INT AS n FROM silver.orders GROUP BY 1 ORDER BY 1`);
        expect(gold, log.join(' → ')).toEqual(sql);
        await check(l, log);
        // a catalog rebuilt from the entries alone shows the same
        rmSync(join(l.dir, 'catalog.duckdb'), { force: true });
        rmSync(join(l.dir, '_strata/catalog/materialized.json'), { force: true });
        await check(l, [...log, 'rebuilt']);
      } finally {
        await l.cleanup();
      }
    }), { numRuns: Number(process.env.STRATA_PROPERTY_RUNS ?? 7) });
  }, 300_000);
});

// strata gc run at any moment of an ingest (another process, a cron job), over generated tables: the ingest's k-th
// storage call, before or after it, is where gc runs, whatever the ingest was doing (staging, building a version by
// linking the partition's older files, the manifest's swap, the run record, the compaction after the run). The
// partition's files were written now, two days ago or ten (a version folder built from links to old files looked as
// old as they are: test/gc-safety.test.ts). After it: the ingest succeeded, every file the manifest names exists, the
// table holds every row, and strata doctor finds no problem.
import { existsSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../runtime/storage/local.ts';
import { readManifest } from '../runtime/table/store.ts';
import { examine } from '../workflows/doctor.ts';
import { garbageCollect } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema } from './helpers/lake.ts';

const DAY = 86_400_000;
const days = fc.uniqueArray(fc.constantFrom(12, 13, 14), { minLength: 1, maxLength: 3 });
const scenario = fc.record({
  first: days, second: days, same: fc.boolean(),
  ageDays: fc.constantFrom(0, 2, 10, 10),
  // an ingest makes about 35 storage calls; its commit (the version folders' links, the swap) is around the 12th to 20th
  at: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 10, max: 20 }) }, { weight: 1, arbitrary: fc.nat({ max: 40 }) }), after: fc.boolean(),
  retentionDays: fc.constantFrom(0, 7),
  compaction: fc.boolean(),
});

describe('gc during an ingest', () => {
  it('property: gc at any storage call of an ingest, before or after it, deletes nothing the ingest commits', async () => {
    await fc.assert(fc.asyncProperty(scenario, async (s) => {
      const lake = await makeLake({ orders: ordersSchema({ mode: 'append', extra: s.compaction ? 'compaction: { minFiles: 2 }\n' : '' }) });
      const storage = lake.storage as LocalStorage & Record<string, unknown>;
      const originals = new Map<string, (...a: unknown[]) => Promise<unknown>>();
      try {
        let id = 0;
        const rows = (ds: number[]) => ds.map((d) => { id++; return `${id},c${id},NEW,1.00,Jun ${d} 2025,2025-06-${d}T10:00:00Z`; }).join('\n');
        expect((await lake.ingest('orders', await lake.file('a.csv', `${ORDERS_HEADER}\n${rows(s.first)}\n`))).record.status).toBe('SUCCEEDED');
        // the table's files (and their folders, which a listing dates them by too) written ageDays ago
        const m0 = (await readManifest(storage, 'silver/orders/', lake.plans[0]!)).manifest;
        const old = new Date(Date.now() - s.ageDays * DAY);
        for (const p of Object.values(m0.partitions)) {
          for (const f of p.files) await utimes(storage.path(f), old, old);
          await utimes(dirname(storage.path(p.files[0]!)), old, old);
        }
        // gc at the at-th storage call of the next ingest
        let calls = 0;
        let gcRuns = 0;
        let inGc = false;
        const gc = async () => {
          inGc = true;
          try {
            await garbageCollect(lake, { retentionDays: s.retentionDays });
            gcRuns++;
          } finally {
            inGc = false;
          }
        };
        for (const name of Object.getOwnPropertyNames(LocalStorage.prototype)) {
          const f = storage[name];
          if (typeof f !== 'function' || f.constructor.name !== 'AsyncFunction') continue;
          const original = (f as (...a: unknown[]) => Promise<unknown>).bind(storage);
          originals.set(name, original);
          storage[name] = async (...a: unknown[]) => {
            if (inGc) return original(...a);
            const mine = calls++;
            if (mine === s.at && !s.after) await gc();
            const r = await original(...a);
            if (mine === s.at && s.after) await gc();
            return r;
          };
        }
        const r = await lake.ingest('orders', await lake.file('b.csv', `${ORDERS_HEADER}\n${rows(s.same ? s.first : s.second)}\n`));
        for (const [name, f] of originals) storage[name] = f;
        originals.clear();
        const ctx = JSON.stringify({ ...s, calls, gcRuns });
        expect(r.record.status, ctx).toBe('SUCCEEDED');
        const m = (await readManifest(storage, 'silver/orders/', lake.plans[0]!)).manifest;
        const missing = Object.values(m.partitions).flatMap((p) => p.files).filter((f) => !existsSync(storage.path(f)));
        expect(missing, ctx).toEqual([]);
        expect(await lake.query('SELECT count(*)::INT AS n, count(DISTINCT order_id)::INT AS d FROM silver.orders'), ctx).toEqual([{ n: id, d: id }]);
        const problems = (await examine(lake)).findings.filter((f) => f.level === 'problem');
        expect(problems, ctx).toEqual([]);
      } finally {
        for (const [name, f] of originals) storage[name] = f;
        await lake.cleanup();
      }
    }), { numRuns: Number(process.env.STRATA_PROPERTY_RUNS ?? 20) });
  }, 300_000);
});

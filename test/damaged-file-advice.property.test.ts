// The way back that strata gives for a damaged silver file, followed to the letter, over generated histories of runs
// into two days, compactions and gc passes whose windows start anywhere (runtime/table/damaged-file.ts). Whatever the
// message names must work and bring back exactly the rows the table held before the damage:
// - "strata rollback orders --to R, then ingest again the bronze objects of …": the rollback succeeds, leaves no
//   damaged file, and the named runs' objects ingested again give back the table's rows;
// - "no rollback reaches them" / "made the table": a rollback to the run before the writer is indeed refused, and
//   the table moved aside and its bronze objects ingested again gives back the rows.
// The example tests of the same messages: test/damaged-file-advice.test.ts, test/table-damaged-file.test.ts.
import { readFileSync, renameSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryLocal } from '../cli/commands/query.ts';
import { out } from '../cli/output.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { fullHistory } from '../runtime/table/store.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { ingestKey } from '../workflows/ingest-local.ts';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

afterEach(() => { vi.restoreAllMocks(); });

type Op = { op: 'ingest'; day: 12 | 13; rows: number } | { op: 'compact' } | { op: 'gc'; cut: number; keepCollected: number };
const ingest = fc.record({ op: fc.constant('ingest' as const), day: fc.constantFrom(12 as const, 13 as const), rows: fc.integer({ min: 1, max: 2 }) });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: ingest },
  { weight: 1, arbitrary: fc.constant({ op: 'compact' as const }) },
  // the window starts after the cut-th step (past the last: everything collected)
  { weight: 2, arbitrary: fc.record({ op: fc.constant('gc' as const), cut: fc.nat({ max: 8 }), keepCollected: fc.integer({ min: 0, max: 2 }) }) },
);
const pause = () => new Promise((r) => setTimeout(r, 15));
const ROOT = 'silver/orders/';
const manifestOf = (l: TestLake): TableManifest => JSON.parse(readFileSync(join(l.dir, ROOT, '_strata/manifest.json'), 'utf8'));
const ids = async (l: TestLake) => (await l.query<{ id: number }>('SELECT order_id::INT AS id FROM silver.orders ORDER BY 1')).map((r) => r.id);

async function queryError(l: TestLake): Promise<string> {
  const errors: string[] = [];
  vi.spyOn(out, 'error').mockImplementation((t: string) => { errors.push(t); });
  try {
    await queryLocal(l.dir, 'SELECT count(*) FROM silver.orders');
  } finally {
    vi.restoreAllMocks();
  }
  return errors.join('\n');
}

describe('the way back from a damaged silver file, followed', () => {
  it('property: the rollback it names works and the objects it names bring the rows back; where it says no rollback reaches, none does, and bronze brings them back', async () => {
    const history = fc.tuple(fc.array(ingest, { minLength: 1, maxLength: 2 }), fc.array(op, { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat())
      .map(([a, b, file, seed]) => ({ ops: [...a, ...b], file, seed }));
    await fc.assert(fc.asyncProperty(history, async ({ ops, file }) => {
      const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: 'compaction: { minFiles: 2 }\n' }) });
      try {
        const bronze = new Map<string, string>(); // run → its bronze object
        const times: Date[] = [];
        let id = 0;
        const log: string[] = [];
        for (const o of ops) {
          if (o.op === 'ingest') {
            const lines = Array.from({ length: o.rows }, () => { id++; return `${id},C${id},NEW,${id}.00,Jun ${o.day} 2025,2025-06-${o.day}T10:00:00Z`; });
            const r = await l.ingest('orders', await l.file(`f${id}.csv`, `${ORDERS_HEADER}\n${lines.join('\n')}\n`), { compact: false });
            expect(r.record.status).toBe('SUCCEEDED');
            bronze.set(r.record.runId, r.record.source.key);
            log.push(`ingest ${o.day}×${o.rows}`);
          } else if (o.op === 'compact') {
            await compactLocal(l, ['orders']);
            log.push('compact');
          } else {
            const now = times[o.cut] ?? new Date(Date.now() + 1000);
            await garbageCollect(l, { retentionDays: 0, now, keepCollected: o.keepCollected });
            log.push(`gc from ${o.cut < times.length ? `step ${o.cut}` : 'now'} keep ${o.keepCollected}`);
          }
          await pause();
          times.push(new Date());
          await pause();
        }
        const before = await ids(l);
        const m = manifestOf(l);
        const files = Object.values(m.partitions).flatMap((p) => p.files).sort();
        const damaged = files[file % files.length]!;
        truncateSync(join(l.dir, damaged), 10);
        log.push(`damaged ${damaged.split('/').slice(-3).join('/')}`);
        const message = await queryError(l);
        const ctx = `${log.join(' → ')}\n${message}`;
        expect(message, ctx).toContain('is damaged');
        const runs = (await fullHistory(l.storage, ROOT, m)).map((h) => h.runId);
        const writer = /part-(.+)-\d+\.parquet$/.exec(damaged)![1]!;

        const named = /strata rollback orders --to (\S+)/.exec(message)?.[1];
        let again: string[];
        if (named) {
          // the rollback it names works, and leaves no damaged file
          await rollback(l, 'orders', named);
          await ids(l);
          // "then ingest again the bronze objects of <writer> and of the runs after it" (after a compaction: of the runs after it)
          again = runs.slice(runs.indexOf(writer) + (message.includes('the version before the compaction') ? 1 : 0)).filter((r) => bronze.has(r));
          expect(again.length > 0 || message.includes('the version before the compaction'), ctx).toBe(true);
        } else {
          expect(message, ctx).toMatch(/no rollback reaches them: move silver\/orders\/ aside|made the table, so move silver\/orders\/ aside/);
          // no rollback reaches a version before the writer's: the run before it, where history still names it, is refused
          const at = runs.indexOf(writer);
          if (at > 0) {
            const refusal = await rollback(l, 'orders', runs[at - 1]!).then(() => undefined, (e: Error) => e.message);
            expect(refusal, ctx).toBeDefined();
          }
          renameSync(join(l.dir, ROOT), join(l.dir, 'orders-aside'));
          again = [...bronze.keys()];
        }
        for (const run of again) {
          const r = await ingestKey(l, 'orders', bronze.get(run)!, { compact: false });
          expect(r.record.status, ctx).toBe('SUCCEEDED');
        }
        expect(await ids(l), ctx).toEqual(before);
      } finally {
        await l.cleanup();
      }
    }), { numRuns: Number(process.env.STRATA_PROPERTY_RUNS ?? 8) });
  }, 300_000);
});

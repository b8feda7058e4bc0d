// A run killed after its silver commit and before its record (its process killed; in AWS, its Lambda timed out past
// the catch) left its rows in silver and in no run of strata.runs, and strata doctor only noted it (stop 50: "a run
// killed after its commit has no run record, and doctor --repair writes none"). Its commit now keeps what the record
// needs (SourceEntry.run), and doctor --repair, once the commit is an hour old, writes the record from it: strata.runs
// counts every committed row again, with the counts the run's own record would have had.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { garbageCollect } from '../workflows/maintenance.ts';
import { openLocalLake } from '../workflows/lake.ts';
import type { RunRecord } from '../runtime/runs/record.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { strataMain } from './helpers/cli.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const GOLD = `gold:
  - table: daily_revenue
    sql: |
      SELECT CAST(created_at AS DATE) AS day, SUM(amount) AS revenue, COUNT(*) AS orders FROM silver.orders GROUP BY 1
    partitionBy: [day]
`;

/** strata doctor over `k`'s lake, as the command runs it (in this process, its output captured). */
const doctor = (k: TestLake, ...args: string[]) => strataMain(k.root, 'doctor', ...args, '--lake', k.dir, '--schemas', join(k.root, 'schemas'));

afterEach(() => { vi.useRealTimers(); });

describe('a run killed right after its commit swap', () => {
  it('is recorded by strata doctor --repair from its commit once the commit is an hour old: its counts, partitions and times; a note before', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: GOLD }) });
    try {
      // Three records: two valid rows on two days, one bad (an amount that is no number is quarantined).
      const rows = [`1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z`, `2,Bob,NEW,5.50,Jun 13 2025,2025-06-13T10:00:00Z`, `3,Cy,NEW,oops,Jun 13 2025,2025-06-13T11:00:00Z`];
      const file = await k.file('a.csv', `${ORDERS_HEADER}\n${rows.join('\n')}\n`);
      const killed = spawnSync(process.execPath, ['cli/strata.ts', 'ingest', 'orders', file, '--lake', k.dir, '--schemas', join(k.root, 'schemas')],
        { env: { ...process.env, STRATA_FAULT: 'commit.swapped' } });
      expect(killed.signal, killed.stderr?.toString()).toBe('SIGKILL');
      const m = JSON.parse(readFileSync(join(k.dir, 'silver/orders/_strata/manifest.json'), 'utf8')) as TableManifest;
      const [[sourceId, source]] = Object.entries(m.sources) as [[string, TableManifest['sources'][string]]];
      expect(source.run).toMatchObject({ rowsIn: 3, rowsValid: 2, rowsQuarantined: 1, rowsSuperseded: 0 });
      const recordFile = join(k.dir, '_strata/runs/orders', `${source.runId}.json`);
      expect(existsSync(recordFile)).toBe(false);

      // Within the hour, the run may still be going: a note, nothing to repair.
      const now = await doctor(k);
      expect(now.stdout).toMatch(/runs\.orders +note {2}1 committed source without a run record \(committed in the last hour: the run may still be going, or died after its commit\), e\.g\. bronze\/orders\/\S*a\.csv by run \S+/);
      expect(now.stdout).not.toContain('strata.runs counts none of its rows');

      // Two hours later: a problem, which --repair records from the commit.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.parse(source.at) + 2 * 3600_000);
      const later = await doctor(k);
      expect(later.code, later.stdout).toBe(1);
      expect(later.stdout).toMatch(/runs\.orders +PROBLEM {2}1 committed source without a run record, committed over an hour ago \(the run died after its commit, before its record\): strata\.runs counts none of its rows, e\.g\. bronze\/orders\/\S*a\.csv by run \S+\n +way back: strata doctor --repair records each such run from what its commit kept/);
      const fixed = await doctor(k, '--repair');
      expect(fixed.stdout).toContain(`runs.orders: recorded 1 run from its commit, e.g. ${source.runId}`);
      expect(fixed.code, fixed.stdout).toBe(0);
      vi.useRealTimers();

      const record = JSON.parse(readFileSync(recordFile, 'utf8')) as RunRecord;
      const commit = m.history.find((h) => h.kind === 'commit' && h.runId === source.runId)!;
      expect(record).toMatchObject({
        runId: source.runId, dataset: 'orders', status: 'SUCCEEDED',
        source: { key: source.key, etag: source.contentId, sourceId },
        finishedAt: source.at, rowsIn: 3, rowsValid: 2, rowsQuarantined: 1, rowsSuperseded: 0,
        partitions: commit.changes.filter((c) => c.to).map((c) => c.path),
      });
      expect(record.partitions.length).toBe(2);
      expect(record.source.size).toBe(readFileSync(file).length);
      expect(Date.parse(record.startedAt)).toBeLessThanOrEqual(Date.parse(record.finishedAt));
      expect(record.durationMs).toBe(Date.parse(record.finishedAt) - Date.parse(record.startedAt));
      expect(record.warnings[0]).toMatch(/^recorded by strata doctor --repair: the run died after its silver commit/);
      // strata.runs now counts every row of the object once: rows in = silver + quarantine.
      expect(await k.query(`SELECT status, rows_in, rows_valid, rows_quarantined FROM strata.runs`)).toEqual([{ status: 'SUCCEEDED', rows_in: 3, rows_valid: 2, rows_quarantined: 1 }]);
      expect(await k.query(`SELECT count(*) AS n FROM silver.orders`)).toEqual([{ n: 2 }]);
      expect(await k.query(`SELECT count(*) AS n FROM quarantine.orders`)).toEqual([{ n: 1 }]);
      // The gold refresh the run never made was made by the repair: gold is its SQL over silver.
      expect(await k.query(`SELECT CAST(day AS VARCHAR) AS day, orders FROM gold.daily_revenue ORDER BY 1`)).toEqual([{ day: '2025-06-12', orders: 1 }, { day: '2025-06-13', orders: 1 }]);
      // Ingesting the object again changes nothing.
      expect((await k.ingest('orders', file)).record.status).toBe('SKIPPED');
    } finally {
      await k.cleanup();
    }
  }, 60_000);

  it('is recorded the same once gc has moved its committed source into a marker (an attack, stop 52: doctor then said every run was recorded)', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'upsert' }) });
    try {
      const file = await k.file('a.csv', `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bob,NEW,5.50,Jun 13 2025,2025-06-13T10:00:00Z\n3,Cy,NEW,oops,Jun 13 2025,2025-06-13T11:00:00Z\n`);
      const killed = spawnSync(process.execPath, ['cli/strata.ts', 'ingest', 'orders', file, '--lake', k.dir, '--schemas', join(k.root, 'schemas')],
        { env: { ...process.env, STRATA_FAULT: 'commit.swapped' } });
      expect(killed.signal, killed.stderr?.toString()).toBe('SIGKILL');
      await k.ingest('orders', await k.file('b.csv', `${ORDERS_HEADER}\n4,Di,NEW,1.00,Jun 14 2025,2025-06-14T10:00:00Z\n`));
      // A month later gc moves the first commit's source out of the manifest, into a marker.
      const later = new Date(Date.now() + 30 * 86_400_000);
      await garbageCollect(await openLocalLake({ lake: k.dir, schemas: join(k.root, 'schemas') }), { now: later });
      const m = JSON.parse(readFileSync(join(k.dir, 'silver/orders/_strata/manifest.json'), 'utf8')) as TableManifest;
      expect(m.sourceArchives?.length).toBeGreaterThan(0);
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(later);
      const seen = await doctor(k);
      expect(seen.stdout).toMatch(/runs\.orders +PROBLEM {2}1 committed source without a run record, committed over an hour ago/);
      const fixed = await doctor(k, '--repair');
      expect(fixed.stdout).toMatch(/runs\.orders: recorded 1 run from its commit/);
      vi.useRealTimers();
      expect(await k.query(`SELECT status, rows_in, rows_valid, rows_quarantined FROM strata.runs ORDER BY started_at`)).toEqual([
        { status: 'SUCCEEDED', rows_in: 3, rows_valid: 2, rows_quarantined: 1 }, { status: 'SUCCEEDED', rows_in: 1, rows_valid: 1, rows_quarantined: 0 }]);
    } finally {
      vi.useRealTimers();
      await k.cleanup();
    }
  }, 60_000);
});

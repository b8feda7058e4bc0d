// Compaction: partitions of many small files rewritten into files near a target size as a new version — the same
// rows (checked here independently of the compaction's own checksums), readers on the old or the new version, a
// concurrent ingest never lost, replaced files deleted only by gc after the retention window. Also on gold tables, and
// through the S3 and Glue adapters.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryLocal } from '../cli/commands/query.ts';
import { describeCompaction } from '../cli/compaction-summary.ts';
import { accessFor } from '../core/plan/access.ts';
import { layout } from '../core/plan/layout.ts';
import { guardStorage } from '../runtime/storage/guarded.ts';
import { armFaults } from '../runtime/util/fault.ts';
import { ERRORS, StrataError } from '../core/errors.ts';
import { out } from '../cli/output.ts';
import { goldShape } from '../core/gold/analyze.ts';
import { GlueCatalog } from '../runtime/catalog/glue.ts';
import { Duck, pathLit, withDuck } from '../runtime/engine/duckdb.ts';
import { compactDataset } from '../runtime/pipeline/compact.ts';
import { S3Storage } from '../runtime/storage/s3.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { commitTable } from '../runtime/table/store.ts';
import aslValidator from 'asl-validator';
import { localArn, renderAsl, substituteResources, taskStates, TRANSIENT_ERRORS } from '../workflows/asl.ts';
import { renderCompactionAsl } from '../workflows/asl-compact.ts';
import { compactAfterRun, compactLocal } from '../workflows/compact-local.ts';
import { ingestFile, ingestKey } from '../workflows/ingest-local.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { executeLocal } from '../workflows/local.ts';
import { examine } from '../workflows/doctor.ts';
import { garbageCollect, rollback } from '../workflows/maintenance.ts';
import { fakeGlue, fakeS3 } from './helpers/aws-fakes.ts';
import { batch, daily, EVENTS } from './helpers/events.ts';
import { makeLake, seedVersion, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });
async function lake(extra = '', schemas: Record<string, string> = {}, columns = ''): Promise<TestLake> {
  const l = await makeLake({ events: EVENTS(extra, columns), ...schemas });
  lakes.push(l);
  return l;
}

async function ingestBatches(l: TestLake, from: number, count: number, rows = 200, day = 15): Promise<void> {
  for (let b = from; b < from + count; b++) {
    const r = await l.ingest('events', await l.file(`b${b}.jsonl`, batch(b * rows, rows, day)));
    expect(r.record.status).toBe('SUCCEEDED');
  }
}

const manifest = (l: TestLake, table = 'silver/events'): TableManifest => JSON.parse(readFileSync(join(l.dir, table, '_strata/manifest.json'), 'utf8'));
/** Every row of silver.events as readers see it, in one order (independent of how compaction checks itself). */
const rows = (l: TestLake) => l.query('SELECT * FROM silver.events ORDER BY event_id');

describe('the compaction state machine', () => {
  it('is valid ASL (as rendered and with ARNs): one Task, the compact step, retried on transient errors only', async () => {
    const l = await lake('compaction: { sortBy: [kind] }\n');
    const asl = renderCompactionAsl(l.ctx.plans.get('events'));
    for (const def of [asl, substituteResources(asl, localArn)]) {
      expect(aslValidator(def as never)).toEqual({ isValid: true, errors: [], errorsText: expect.any(Function) });
    }
    expect(taskStates(asl)).toEqual([{ state: 'Compact', step: 'compact' }]);
    expect((asl.States as any).Compact.Retry[0].ErrorEquals).toEqual(TRANSIENT_ERRORS);
  });
});

describe('strata compact', () => {
  it('rewrites a partition of many small files into one, with the same rows, as a new version; a partition of one file is left alone', async () => {
    const l = await lake();
    await ingestBatches(l, 0, 5);
    await ingestBatches(l, 5, 1, 200, 16);
    const before = await rows(l);
    const old = manifest(l).partitions['dt=2025-06-15']!;
    expect(old.files).toHaveLength(5);

    const [run] = await compactLocal(l, ['events']);
    expect(run!.execution.path).toEqual(['Compact']);
    expect(run!.output!.tables).toEqual([expect.objectContaining({
      table: 'events', layer: 'silver', status: 'compacted',
      partitions: [{ path: 'dt=2025-06-15', outcome: 'compacted', filesBefore: 5, filesAfter: 1, rows: 1000, bytesBefore: old.bytes, bytesAfter: expect.any(Number), rebuilds: 0 }],
    })]);
    const m = manifest(l);
    expect(m.partitions['dt=2025-06-15']!.files).toHaveLength(1);
    expect(m.partitions['dt=2025-06-15']!.rows).toBe(1000);
    expect(m.partitions['dt=2025-06-16']!.location).toBe(manifest(l).partitions['dt=2025-06-16']!.location);
    expect(m.history.at(-1)).toMatchObject({ kind: 'compact', changes: [{ path: 'dt=2025-06-15', from: old.location, rows: 1000 }] });
    expect(m.retired.at(-1)!.version.location).toBe(old.location);
    expect(await rows(l)).toEqual(before);
    expect(await l.query(`SELECT kind, partitions_changed FROM strata.history WHERE table_name = 'events' ORDER BY version DESC LIMIT 1`))
      .toEqual([{ kind: 'compact', partitions_changed: 1 }]);
    // Nothing more to do: a second compaction changes nothing.
    const [again] = await compactLocal(l, ['events']);
    expect(again!.output!.tables[0]!.status).toBe('nothing-to-do');
    expect(manifest(l).version).toBe(m.version);
  });

  it('publishes nothing when what it wrote differs from what it read (a writer that duplicates a row, drops one, or both)', async () => {
    const l = await lake();
    await ingestBatches(l, 0, 3);
    const before = { rows: await rows(l), manifest: manifest(l) };
    for (const [fault, change] of [['duplicates', (sql: string) => sql.replace(/^COPY \((.*)\) TO /s, 'COPY ($1 UNION ALL ($1 LIMIT 1)) TO ')],
      ['drops', (sql: string) => sql.replace(/^COPY \((.*)\) TO /s, 'COPY ($1 OFFSET 1) TO ')],
      // The same number of rows: the first one lost, the second written twice (only the checksums can tell).
      ['swaps', (sql: string) => sql.replace(/^COPY \((.*)\) TO /s, 'COPY (($1 OFFSET 1) UNION ALL ($1 LIMIT 1 OFFSET 1)) TO ')]] as const) {
      const all = Duck.prototype.all;
      const spy = vi.spyOn(Duck.prototype, 'all').mockImplementation(function (this: Duck, sql: string) { return all.call(this, sql.startsWith('COPY (') ? change(sql) : sql); } as never);
      try {
        const [run] = await compactLocal(l, ['events']);
        expect({ fault, status: run!.execution.status, error: run!.execution.error?.name }).toEqual({ fault, status: 'FAILED', error: 'Strata.Internal' });
        expect(run!.execution.error!.cause).toMatch(/compaction of events dt=2025-06-15 would change its rows \(read 600 rows, checksums .*; wrote (601|600|599), .*\): nothing was published/);
      } finally {
        spy.mockRestore();
      }
      expect(manifest(l)).toEqual(before.manifest);
      expect(await rows(l)).toEqual(before.rows);
    }
  });

  it('leaves a partition holding a damaged file as it is, naming the file and the way back; other partitions and tables are compacted, then the step fails', async () => {
    const l = await lake(`gold:
  - table: by_kind
    sql: SELECT kind, count(*) AS n FROM silver.events GROUP BY 1
    refresh: full
    compaction: { minFiles: 2 }
`);
    await ingestBatches(l, 0, 3);
    await ingestBatches(l, 3, 3, 200, 16);
    const before = manifest(l);
    const damaged = before.partitions['dt=2025-06-15']!.files[1]!;
    truncateSync(join(l.dir, damaged), 100);
    // The gold table's manifest is damaged too: that table cannot be compacted, the others still are.
    const goldManifest = join(l.dir, 'gold/by_kind/_strata/manifest.json');
    writeFileSync(goldManifest, readFileSync(goldManifest, 'utf8').slice(0, 50));
    const [run] = await compactLocal(l, ['events', 'by_kind'], { minFiles: 2 });
    expect(run!.execution.status).toBe('FAILED');
    expect(run!.execution.error!.name).toBe('Strata.UnreadableFile');
    const message = run!.execution.error!.cause!;
    expect(message).toContain(`silver.events: dt=2025-06-15 was not compacted: ${damaged} of silver.events is damaged (`);
    expect(message).toMatch(/The way back is bronze: strata rollback events --to /);
    expect(message).toContain('gold.by_kind: the manifest of gold.by_kind (file://');
    expect(message).toContain('gold/by_kind/_strata/manifest.json) is damaged');
    expect(message).toMatch(/Compacted meanwhile, rows unchanged: silver\.events\.$/);
    // As a person reads it: what was published was verified, and the way back comes before running it again (an
    // attack, stop 49: "the data is as it was. strata compact retries it", which no retry mends).
    expect(describeCompaction(run!).split('\n')[1]).toBe('    every partition it published was verified first: rows as they were, in fewer files; nothing else changed. Take the way back the message gives, then run strata compact again.');
    const after = manifest(l);
    // The damaged day kept its version (no folder of the compaction left in it); the other day was compacted.
    expect(after.partitions['dt=2025-06-15']).toEqual(before.partitions['dt=2025-06-15']);
    expect(readdirSync(join(l.dir, 'silver/events/dt=2025-06-15')).filter((d) => d.startsWith('v-')).sort())
      .toEqual(before.history.filter((h) => h.changes.some((c) => c.path === 'dt=2025-06-15')).map((h) => `v-${h.runId}`).sort());
    expect(after.partitions['dt=2025-06-16']).toMatchObject({ files: [expect.any(String)], rows: 600 });
    expect(after.history.at(-1)).toMatchObject({ kind: 'compact', changes: [{ path: 'dt=2025-06-16', from: before.partitions['dt=2025-06-16']!.location, rows: 600 }] });
    // (silver.events itself now raises the damage for every reader: its files are read directly.)
    const day16 = after.partitions['dt=2025-06-16']!.files.map((f) => pathLit(join(l.dir, f))).join(', ');
    expect(await withDuck((db) => db.all(`SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS k, min(event_id)::INT AS lo, max(event_id)::INT AS hi FROM read_parquet([${day16}])`)))
      .toEqual([{ n: 600, k: 600, lo: 600, hi: 1199 }]);
  });

  it('a damaged file a compaction wrote: readers are told to roll back to the version before it (its small files are kept), and that brings the rows back', async () => {
    const l = await lake();
    await ingestBatches(l, 0, 3);
    const lastIngest = manifest(l).history.at(-1)!.runId;
    const [run] = await compactLocal(l, ['events']);
    const compactedBy = run!.output!.runId;
    await ingestBatches(l, 3, 1); // appends: the new version shares the compacted file (a hard link)
    const compactedFile = manifest(l).partitions['dt=2025-06-15']!.files.find((f) => f.includes(`part-${compactedBy}-`))!;
    truncateSync(join(l.dir, compactedFile), 100);
    const errors: string[] = [];
    vi.spyOn(out, 'error').mockImplementation((t: string) => { errors.push(t); });
    expect(await queryLocal(l.dir, 'SELECT count(*) FROM silver.events')).toBeUndefined();
    vi.restoreAllMocks();
    const message = errors.join('\n');
    expect(message).toContain(`${compactedFile} of silver.events is damaged (`);
    expect(message).toContain(`every version since compaction ${compactedBy} holds these same damaged bytes`);
    expect(message).toContain(`The way back: strata rollback events --to ${lastIngest} (the version before the compaction, in the small files it replaced`);
    expect(message).toContain(`then ingest again the bronze objects of the runs after ${compactedBy}`);
    // Following it: the three small files again, then the fourth batch once more.
    await rollback(l, 'events', lastIngest);
    expect(await l.query('SELECT count(*)::INT AS n, max(event_id)::INT AS hi FROM silver.events')).toEqual([{ n: 600, hi: 599 }]);
    expect((await l.ingest('events', await l.file('again/b3.jsonl', batch(600, 200)))).record.status).toBe('SUCCEEDED');
    expect(await l.query('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS k FROM silver.events')).toEqual([{ n: 800, k: 800 }]);
  });

  it('writes files near the target size, rows ordered by sortBy', async () => {
    const l = await lake('compaction: { minFiles: 1000, sortBy: [user_id] }\n', {}, '  - { name: note, type: string }\n');
    // Events with a note of 40 hex digits that do not compress: 3 × 20,000 rows, about 1.5 MiB of Parquet.
    for (let b = 0; b < 3; b++) {
      const text = batch(b * 20_000, 20_000).split('\n').filter(Boolean)
        .map((line, i) => line.replace(/}$/, `,"note":"${createHash('sha1').update(String(b * 20_000 + i)).digest('hex')}"}`)).join('\n');
      expect((await l.ingest('events', await l.file(`n${b}.jsonl`, `${text}\n`))).record.status).toBe('SUCCEEDED');
    }
    const before = await rows(l);
    const [run] = await compactLocal(l, ['events'], { targetMb: 1, minFiles: 2 });
    const p = run!.output!.tables[0]!.partitions[0]!;
    const v = manifest(l).partitions['dt=2025-06-15']!;
    const sizes = await withDuck(async (db) => db.all<{ file: string; rows: number; lo: number; hi: number; bytes: number }>(
      `SELECT filename AS file, count(*)::INT AS rows, min(user_id)::INT AS lo, max(user_id)::INT AS hi FROM read_parquet([${v.files.map((f) => pathLit(join(l.dir, f))).join(', ')}], filename = true) GROUP BY 1 ORDER BY lo`));
    const mib = v.files.map((f) => readFileSync(join(l.dir, f)).length / 2 ** 20);
    // Files of a little over 1 MiB each (a file ends after the row group that reaches the target), the last smaller.
    expect(p).toMatchObject({ outcome: 'compacted', filesBefore: 3, rows: 60_000 });
    expect(v.files.length).toBeGreaterThanOrEqual(2);
    expect(v.files.length).toBeLessThanOrEqual(Math.ceil(p.bytesBefore / 2 ** 20));
    for (const s of mib.slice(0, -1)) expect(s).toBeGreaterThan(0.9);
    for (const s of mib) expect(s).toBeLessThan(1.3);
    // sortBy: the files follow each other in user_id order, and each file is sorted.
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!.lo).toBeGreaterThanOrEqual(sizes[i - 1]!.hi);
    const unsorted = await withDuck((db) => db.one<{ n: number }>(`SELECT count(*)::INT AS n FROM (SELECT user_id, lag(user_id) OVER (PARTITION BY filename ORDER BY file_row_number) AS prev
      FROM read_parquet([${v.files.map((f) => pathLit(join(l.dir, f))).join(', ')}], filename = true, file_row_number = true)) WHERE prev > user_id`));
    expect(unsorted.n).toBe(0);
    expect(await rows(l)).toEqual(before);
  });

  it('compacts a partition whose files span schema versions: old files read the added column as NULL, as every reader does', async () => {
    const l = await lake();
    await ingestBatches(l, 0, 2);
    // An additive change: a nullable column. The next ingest applies it; the day now mixes both schemas.
    await writeFile(join(l.root, 'schemas', 'events.yaml'), EVENTS('', '  - { name: channel, type: string }\n'));
    const evolved = { ...l, ...(await openLocalLake({ lake: l.dir, schemas: join(l.root, 'schemas') })) };
    const withChannel = batch(400, 200).split('\n').filter(Boolean).map((x) => x.replace(/}$/, ',"channel":"web"}')).join('\n');
    expect((await ingestFile(evolved, 'events', await l.file('b2.jsonl', `${withChannel}\n`))).record.status).toBe('SUCCEEDED');
    expect(manifest(l).partitions['dt=2025-06-15']!.schemaHash).toBe('mixed');
    const before = await rows(l);
    expect(before.filter((r) => r.channel === null)).toHaveLength(400);
    const [run] = await compactLocal(evolved, ['events']);
    expect(run!.output!.tables[0]!.partitions[0]).toMatchObject({ outcome: 'compacted', filesBefore: 3, filesAfter: 1, rows: 600 });
    expect(manifest(l).partitions['dt=2025-06-15']!.schemaHash).toBe(evolved.plans[0]!.schemaHash);
    expect(await rows(l)).toEqual(before);
  });

  it('runs after an ingest that leaves a partition at minFiles (the local stand-in for the schedule); commits then append to the compacted version', async () => {
    const l = await lake('compaction: { minFiles: 3 }\n');
    await ingestBatches(l, 0, 2);
    const third = await l.ingest('events', await l.file('b2.jsonl', batch(400, 200)));
    expect(third.compactions!.map((c) => c.output!.tables[0]!.partitions)).toEqual([[expect.objectContaining({ outcome: 'compacted', filesBefore: 3, filesAfter: 1, rows: 600 })]]);
    const fourth = await l.ingest('events', await l.file('b3.jsonl', batch(600, 200)));
    expect(fourth.compactions).toBeUndefined();
    expect(manifest(l).partitions['dt=2025-06-15']!.files).toHaveLength(2);
    expect(await l.query('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS k FROM silver.events')).toEqual([{ n: 800, k: 800 }]);
  });

  it('with a compaction policy, an append never rewrites the partition inline (without one, the 33rd file does)', async () => {
    for (const [extra, files] of [['', 1], ['compaction: { minFiles: 100 }\n', 33]] as const) {
      const l = await lake(extra);
      // 32 files already in the day, committed by the real commit path (commitTable), then one ingest.
      await l.ingest('events', await l.file('seed.jsonl', batch(0, 32)));
      await seedVersion(l, 'events', 'dt=2025-06-15', { copies: 32 });
      const r = await l.ingest('events', await l.file('more.jsonl', batch(1000, 10)));
      expect(r.record.status).toBe('SUCCEEDED');
      expect({ extra, files: manifest(l).partitions['dt=2025-06-15']!.files.length }).toEqual({ extra, files });
      expect(await l.query('SELECT count(*)::INT AS n FROM silver.events')).toEqual([{ n: 32 * 32 + 10 }]);
    }
  });

  it('a compact step retried after it compacted (its answer lost) reports what the first attempt did, from the one result file of the execution', async () => {
    const l = await lake();
    await ingestBatches(l, 0, 3);
    let attempts = 0;
    // The step did its work, then its answer was lost: the state machine retries it, and the retry finds nothing due.
    const wrap = (step: string, fn: (input: unknown) => Promise<unknown>) => async (input: unknown) => {
      const out = await fn(input);
      if (step === 'compact' && ++attempts === 1) throw new StrataError(ERRORS.Transient, 'answer lost');
      return out;
    };
    const [run] = await compactLocal(l, ['events'], { minFiles: 2, wrap, retryIntervalMs: 1 });
    expect({ status: run!.execution.status, attempts }).toEqual({ status: 'SUCCEEDED', attempts: 2 });
    expect(describeCompaction(run!)).toMatch(/^✓ silver\.events: 1 partition compacted, 3 files → 1 \(600 rows, identical; run /);
    expect(readdirSync(join(l.dir, '_strata/compactions/events'))).toEqual([`${run!.runId}.json`]);
    // A compaction with nothing due writes no result.
    const [idle] = await compactLocal(l, ['events'], { minFiles: 2 });
    expect(describeCompaction(idle!)).toBe('= silver.events: nothing to compact');
    expect(readdirSync(join(l.dir, '_strata/compactions/events'))).toHaveLength(1);
    // strata gc deletes the result a week on, as the lake bucket's lifecycle rule does in AWS; not before.
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000);
    expect((await garbageCollect(l, { now: inDays(6) })).compactionResults).toMatchObject({ files: 0, kept: [] });
    expect((await garbageCollect(l, { now: inDays(8) })).compactionResults).toMatchObject({ files: 1, kept: [] });
    expect((await l.ctx.storage.list(layout.compactionsRoot)).map((o) => o.key)).toEqual([]);
  });

  it('a compact step failing after it published (its catalog sync throttled), retried, reports what it published; a retry that finds more reports both', async () => {
    // Throttled after publishing: the first attempt fails before its end, and the retry finds nothing left to do.
    const l = await lake();
    await ingestBatches(l, 0, 3);
    const sync = l.ctx.catalog.syncTable.bind(l.ctx.catalog);
    let calls = 0;
    (l.ctx.catalog as { syncTable: typeof sync }).syncTable = async (...args: Parameters<typeof sync>) => {
      if (++calls === 1) throw new StrataError(ERRORS.Transient, 'ThrottlingException: Rate exceeded');
      return sync(...args);
    };
    const [run] = await compactLocal(l, ['events'], { minFiles: 2, retryIntervalMs: 1 });
    expect(run!.execution.status).toBe('SUCCEEDED');
    expect(describeCompaction(run!)).toMatch(/^✓ silver\.events: 1 partition compacted, 3 files → 1 \(600 rows, identical; run /);
    // Its answer lost after it compacted one day, the step is retried once another day has become due: both are reported.
    const m = await lake();
    await ingestBatches(m, 0, 3);
    let attempts = 0;
    const wrap = (step: string, fn: (input: unknown) => Promise<unknown>) => async (input: unknown) => {
      const out = await fn(input);
      if (step === 'compact' && ++attempts === 1) {
        await ingestBatches(m, 10, 3, 200, 16);
        throw new StrataError(ERRORS.Transient, 'answer lost');
      }
      return out;
    };
    const [both] = await compactLocal(m, ['events'], { minFiles: 2, wrap, retryIntervalMs: 1 });
    expect(attempts).toBe(2);
    expect(both!.output!.tables[0]!.partitions.map((p) => [p.path, p.outcome]).sort()).toEqual([['dt=2025-06-15', 'compacted'], ['dt=2025-06-16', 'compacted']]);
    expect(describeCompaction(both!)).toMatch(/^✓ silver\.events: 2 partitions compacted, 6 files → 2 \(1,200 rows, identical; run /);
  });

  /** `strata compact` of events with `fault` armed: it SUCCEEDED after one retry of its step; its summary. */
  const retriedOnce = async (l: TestLake, fault: string): Promise<string> => {
    armFaults(fault);
    try {
      const [run] = await compactLocal(l, ['events'], { minFiles: 2, retryIntervalMs: 1 });
      expect(run!.execution.status).toBe('SUCCEEDED');
      expect(run!.execution.events.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
      return describeCompaction(run!);
    } finally {
      armFaults(undefined);
    }
  };

  it('a compact step that lost its connection between two chunks of 16 partitions, retried, reports both chunks', async () => {
    const l = await lake();
    for (const b of [0, 1]) {
      expect((await l.ingest('events', await l.file(`c${b}.jsonl`, daily(b * 17, 17)), { compact: false })).record.status).toBe('SUCCEEDED');
    }
    // The second chunk's commit is refused by a dropped connection (Strata.Transient), after the first chunk published.
    expect(await retriedOnce(l, 'commit.built:econnreset@2')).toMatch(/^✓ silver\.events: 17 partitions compacted, 34 files → 17 \(34 rows, identical; run /);
  });

  it('a compact step whose swap landed but whose answer was lost (a dropped connection after it), retried, reports what it compacted and the catalog follows (an attack, stop 57: "nothing to compact", the catalog a version behind)', async () => {
    const l = await lake();
    await ingestBatches(l, 0, 3);
    expect(await retriedOnce(l, 'commit.swapped:econnreset')).toMatch(/^✓ silver\.events: 1 partition compacted, 3 files → 1 \(600 rows, identical; run /);
    const version = manifest(l).version;
    expect(await l.query(`SELECT max(version)::INT AS v FROM strata.history WHERE table_name = 'events'`)).toEqual([{ v: version }]);
    expect((await examine(l)).problems).toBe(0);
  });

  it('the compaction role may write its result and read an earlier attempt\'s; a result that is not there is a miss, not a denial', async () => {
    const l = await lake('compaction: { minFiles: 2 }\n');
    const s = guardStorage(l.storage, accessFor(l.ctx.plans.get('events'), 'compact', { gold: l.ctx.gold.list() }), 'the compact step of events');
    const key = `${layout.compactions('events')}r1.json`;
    await expect(s.readText(key)).resolves.toBeUndefined();
    await s.writeText(key, '{}');
    await expect(s.readText(key)).resolves.toBe('{}');
    await expect(s.writeText(`${layout.compactions('orders')}r1.json`, '{}')).rejects.toMatchObject({ name: 'Strata.AccessDenied' });
  });

  it('keeps the replaced small files for rollback and readers until gc, after the retention window', async () => {
    const l = await lake('retention: { days: 7 }\n');
    await ingestBatches(l, 0, 4);
    const before = await rows(l);
    const old = manifest(l).partitions['dt=2025-06-15']!;
    const last = manifest(l).history.at(-1)!.runId;
    // A reader that attached the catalog before the compaction keeps reading the old files.
    const reader = await Duck.open();
    try {
      await reader.run(`ATTACH ${pathLit(join(l.dir, 'catalog.duckdb'))} AS lake (READ_ONLY); USE lake; SET file_search_path = ${pathLit(l.dir)}`);
      await compactLocal(l, ['events']);
      expect(await reader.all('SELECT * FROM silver.events ORDER BY event_id')).toEqual(before);
    } finally {
      reader.close();
    }
    const gcSoon = await garbageCollect(l, { now: new Date(Date.now() + 6 * 86_400_000) });
    expect(gcSoon.tables.find((t) => t.table === 'silver.events')!.expiredVersions).toBe(0);
    expect(readFileSync(join(l.dir, old.files[0]!)).length).toBeGreaterThan(0);
    // Rolled back to the last ingest: the small files again, the same rows.
    const back = await rollback(l, 'events', last);
    expect(back.changes).toEqual([expect.objectContaining({ path: 'dt=2025-06-15', to: old.location })]);
    expect(await rows(l)).toEqual(before);
    await compactLocal(l, ['events']);
    const compacted = manifest(l).partitions['dt=2025-06-15']!.location;
    const gc = await garbageCollect(l, { now: new Date(Date.now() + 8 * 86_400_000) });
    // Every version the partition had before (4 appends, the first compaction, the rollback's target): only the newest stays.
    expect(gc.tables.find((t) => t.table === 'silver.events')!.expiredVersions).toBeGreaterThanOrEqual(4);
    expect(() => readFileSync(join(l.dir, old.files[0]!))).toThrow(/ENOENT/);
    expect(manifest(l).partitions['dt=2025-06-15']!.location).toBe(compacted);
    expect(await rows(l)).toEqual(before);
  });
});

describe('compaction and a concurrent ingest', () => {
  it('rebuilds a partition an ingest changed while it worked (the ingest\'s rows land, none twice)', async () => {
    const l = await lake();
    await ingestBatches(l, 0, 4);
    let ingests = 0;
    const out = await compactDataset(l.ctx, { dataset: 'events', runId: 'c1', now: new Date().toISOString(), tables: ['events'] }, {
      // Between writing its version and publishing it, an ingest commits to the same partition (the real pipeline).
      onBuilt: async () => {
        if (ingests++) return;
        const key = 'bronze/events/late.jsonl';
        await l.storage.writeText(key, batch(10_000, 50));
        expect((await ingestKey(l, 'events', key, { compact: false })).record.status).toBe('SUCCEEDED');
      },
    });
    expect(out.tables[0]!.partitions).toEqual([expect.objectContaining({ outcome: 'compacted', filesBefore: 5, filesAfter: 1, rows: 850, rebuilds: 1 })]);
    const m = manifest(l);
    expect(m.history.slice(-2).map((h) => h.kind)).toEqual(['commit', 'compact']);
    expect(m.partitions['dt=2025-06-15']!.files).toHaveLength(1);
    expect(await l.query('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS k, max(event_id)::INT AS hi FROM silver.events')).toEqual([{ n: 850, k: 850, hi: 10_049 }]);
  });

  it('yields a partition that keeps changing under it: left as the other writer made it, every row there', async () => {
    const l = await lake();
    await ingestBatches(l, 0, 3);
    let n = 0;
    const out = await compactDataset(l.ctx, { dataset: 'events', runId: 'c2', now: new Date().toISOString(), tables: ['events'] }, {
      onBuilt: async () => {
        const key = `bronze/events/late-${n}.jsonl`;
        await l.storage.writeText(key, batch(10_000 + n++ * 10, 10));
        await ingestKey(l, 'events', key, { compact: false });
      },
    });
    expect(n).toBe(3); // built three times (the first try and two rebuilds), beaten each time
    expect(out.tables[0]).toMatchObject({ status: 'nothing-to-do', partitions: [expect.objectContaining({ outcome: 'yielded', rebuilds: 2 })] });
    expect(manifest(l).partitions['dt=2025-06-15']!.files).toHaveLength(6);
    expect(manifest(l).history.at(-1)!.kind).toBe('compact'); // a version with no change: the partition was left alone
    expect(manifest(l).history.at(-1)!.changes).toEqual([]);
    expect(await l.query('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS k FROM silver.events')).toEqual([{ n: 630, k: 630 }]);
  });

  it('concurrent ingests and a compaction, interleaved freely: every row once', async () => {
    const l = await lake();
    await ingestBatches(l, 0, 4);
    const files = await Promise.all([4, 5, 6].map((b) => l.file(`c${b}.jsonl`, batch(b * 200, 200))));
    const [runs] = await Promise.all([compactLocal(l, ['events']), ...files.map((f) => l.ingest('events', f))]);
    expect(runs[0]!.execution.status).toBe('SUCCEEDED');
    expect(await l.query('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS k FROM silver.events')).toEqual([{ n: 1400, k: 1400 }]);
  });
});

describe('compaction of gold tables', () => {
  it('rewrites a gold partition of many files with the same rows, after a run of a dataset that refreshes it (another schema\'s table)', async () => {
    const l = await lake('', {
      totals: `dataset: totals
source: { format: jsonl }
columns:
  - { name: id, type: bigint, required: true }
gold:
  - table: kind_totals
    sql: SELECT CAST("at" AS DATE) AS day, kind, count(*) AS events, sum(amount) AS amount FROM silver.events GROUP BY 1, 2
    partitionBy: [day]
    refresh: full
    compaction: { minFiles: 2, sortBy: [kind] }
`,
    });
    await ingestBatches(l, 0, 2);
    const g = l.ctx.gold.get('kind_totals');
    const goldManifest = () => JSON.parse(readFileSync(join(l.dir, 'gold/kind_totals/_strata/manifest.json'), 'utf8')) as TableManifest;
    const part = Object.values(goldManifest().partitions)[0]!;
    // Three copies of the partition's file as three files of one version, published by the real commit path.
    await commitTable(l.storage, {
      root: g.prefix, shape: goldShape(g), runId: 'split', at: new Date().toISOString(), kind: 'publish', paths: [part.path],
      build: async (path, base, prefix) => {
        const files = [];
        for (let i = 0; i < 3; i++) { await l.storage.copy(base!.files[0]!, `${prefix}part-${i}.parquet`); files.push(`${prefix}part-${i}.parquet`); }
        return { ...base!, location: prefix, files, rows: base!.rows * 3, bytes: base!.bytes * 3, runId: 'split' };
      },
    });
    const split = goldManifest().partitions[part.path]!;
    const before = await withDuck((db) => db.all(`SELECT * FROM read_parquet([${split.files.map((f) => pathLit(join(l.dir, f))).join(', ')}]) ORDER BY ALL`));
    expect(before).toHaveLength(9);
    // events refreshes kind_totals, which the totals schema defines: its compaction runs, as totals' execution.
    const runs = await compactAfterRun(l, 'events');
    expect(runs.map((r) => [r.dataset, r.output!.tables.map((t) => [t.table, t.status])])).toEqual([['totals', [['kind_totals', 'compacted']]]]);
    const m = goldManifest();
    expect(m.partitions[part.path]!.files).toHaveLength(1);
    expect(m.history.at(-1)).toMatchObject({ kind: 'compact', changes: [{ path: part.path, from: split.location, rows: 9 }] });
    expect(await l.query('SELECT * FROM gold.kind_totals ORDER BY ALL')).toEqual(before);
  });
});

describe('compaction on AWS (S3 and Glue adapters, in-memory)', () => {
  it('compacts through the compaction state machine, publishing to S3 and pointing the Glue partition at the new version', async () => {
    const creds = { region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };
    const s3Client = new S3Client(creds);
    const glueClient = new GlueClient(creds);
    const s3Mock = mockClient(s3Client);
    const glueMock = mockClient(glueClient);
    try {
      const s3 = fakeS3(s3Mock, { versioned: ['raw'] });
      const glue = fakeGlue(glueMock, ['dev_silver', 'dev_gold', 'dev_quarantine']);
      const storage = new S3Storage({ client: s3Client, locations: { bronze: { bucket: 'raw', prefix: '' }, lake: { bucket: 'lake', prefix: 'dev/' } } });
      const catalog = new GlueCatalog({ client: glueClient, locationOf: (k) => storage.uri(k), databases: { silver: 'dev_silver', gold: 'dev_gold', quarantine: 'dev_quarantine' }, retry: { sleep: async () => {} } });
      const l = await lake('compaction: { minFiles: 3, sortBy: [kind] }\n');
      const ctx = { ...l.ctx, storage, catalog };
      for (let b = 0; b < 3; b++) {
        s3.put('raw', `bronze/events/b${b}.jsonl`, Buffer.from(batch(b * 100, 100)));
        const input = { dataset: 'events', runId: `r${b}`, source: { key: `bronze/events/b${b}.jsonl` }, now: '2025-06-16T00:00:00Z', startedAt: '2025-06-16T00:00:00Z' };
        expect((await executeLocal(renderAsl(ctx.plans.get('events'), { goldTables: [] }), input, { ctx, name: input.runId })).status).toBe('SUCCEEDED');
      }
      const read = async () => JSON.parse((await storage.readText('silver/events/_strata/manifest.json'))!) as TableManifest;
      const rowsOf = async (m: TableManifest) => storage.withLocalFiles(m.partitions['dt=2025-06-15']!.files, (paths) => withDuck((db) =>
        db.all(`SELECT * FROM read_parquet([${paths.map(pathLit).join(', ')}]) ORDER BY event_id`)));
      const before = await read();
      // What the schedule starts: { dataset, runId, now } (stacks/compaction.ts scheduledInput).
      const ex = await executeLocal(renderCompactionAsl(ctx.plans.get('events')), { dataset: 'events', runId: 'd32c5kddcf5bb8c3', now: '2025-06-16T01:00:00Z' }, { ctx, name: 'd32c5kddcf5bb8c3' });
      expect(ex.status).toBe('SUCCEEDED');
      const after = await read();
      const v = after.partitions['dt=2025-06-15']!;
      expect(v.files).toHaveLength(1);
      expect(v.location).toMatch(/^silver\/events\/dt=2025-06-15\/v-d32c5kddcf5bb8c3-[0-9a-f]{6}\/$/);
      expect(s3.bucket('lake').has(`dev/${v.files[0]}`)).toBe(true);
      expect(await rowsOf(after)).toEqual(await rowsOf(before));
      expect(glue.parts.get('dev_silver.events')!.get('["2025-06-15"]')!.StorageDescriptor!.Location).toBe(`s3://lake/dev/${v.location}`);
    } finally {
      s3Mock.restore();
      glueMock.restore();
    }
  });
});

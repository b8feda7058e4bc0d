// A partition rewrite within the step's /tmp: in AWS a commit that merges an upsert into a partition, and a compaction,
// download the partition's files into the function's /tmp and write the new version beside them. The half of /tmp
// that is not DuckDB's spill (core/plan/sizing.ts tmpFileBytes) must hold both, about twice the files' bytes; a
// rewrite that would not fit is refused before any work (an upsert: the run FAILED, Strata.LimitExceeded, nothing
// committed), or not made where it is optional (an append's inline compaction, a compaction's partition), locally as in
// AWS. The partitions here are large by their manifests (the bytes the check reads), not on disk. Beneath those checks,
// the local executor counts every DuckDB step's /tmp as Lambda fills it (runtime/storage/tmp-budget.ts).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeCompaction } from '../cli/compaction-summary.ts';
import { tmpFileBytes } from '../core/plan/sizing.ts';
import { rewriteOverEnvelope, tmpOverEnvelope } from '../runtime/pipeline/limits.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { budgetTmp } from '../runtime/storage/tmp-budget.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { batch, EVENTS } from './helpers/events.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, seedVersion, type TestLake } from './helpers/lake.ts';

const MiB = 2 ** 20;
const manifestOf = (l: TestLake, table: string): TableManifest => JSON.parse(readFileSync(join(l.dir, 'silver', table, '_strata/manifest.json'), 'utf8'));


describe('a partition rewrite within the /tmp of its step', () => {
  it('fits while twice its files\' bytes fit in the half of /tmp that is not DuckDB\'s spill; one byte more is refused, naming the way out', () => {
    const plan = { dataset: 'orders', lambda: { ephemeralStorageMb: 512 } };
    expect(tmpFileBytes(plan, 'commit')).toBe(256 * MiB);
    expect(rewriteOverEnvelope(plan, 'commit', 'silver.orders', 'dt=2026-03-01', 128 * MiB)).toBeUndefined();
    expect(rewriteOverEnvelope(plan, 'commit', 'silver.orders', 'dt=2026-03-01', 128 * MiB + 1)).toBe(
      'silver.orders partition dt=2026-03-01 was not rewritten: its files are 134,217,729 bytes (128 MB), and the commit step downloads them and writes '
      + 'the new version beside them, about 256 MB of /tmp, over the 268,435,456 bytes (256 MB) its function has for files: the half of '
      + 'lambda.ephemeralStorageMb (512) that is not DuckDB\'s spill. Fix: raise lambda.ephemeralStorageMb in schemas/orders.yaml (now 512, at most '
      + '10240: partitions up to 2,560 MB), or partition silver.orders more finely (partitionBy), so that no partition holds more than 2,560 MB.');
    // At Lambda's maximum, or beyond what it would take, the way out is finer partitions.
    expect(rewriteOverEnvelope({ dataset: 'orders', lambda: { ephemeralStorageMb: 10240 } }, 'compact', 'gold.daily', '', 3000 * MiB)).toMatch(
      /^gold\.daily partition \(unpartitioned\) was not rewritten: .* Fix: partition gold\.daily more finely \(partitionBy\), so that no partition holds more than 2,560 MB\.$/);
    // What the executor's /tmp count says of a step over it (runtime/storage/tmp-budget.ts).
    expect(tmpOverEnvelope(plan, 'quality', 300 * MiB)).toBe(
      'the quality step of orders would hold 314,572,800 bytes (300 MB) of files in /tmp at once (those it downloads, and those it writes before uploading them), '
      + 'over the 268,435,456 bytes (256 MB) its function has for files: the half of lambda.ephemeralStorageMb (512) that is not DuckDB\'s spill. Not retried: '
      + 'the same files would fill it again. Fix: raise lambda.ephemeralStorageMb in schemas/orders.yaml (now 512, at most 10240), or send smaller files, or '
      + 'partition the tables it reads more finely (partitionBy).');
    expect(rewriteOverEnvelope(plan, 'compact', 'silver.orders', 'dt=1', 3000 * MiB)).toMatch(/Fix: partition silver\.orders more finely \(partitionBy\), so that no partition holds more than 2,560 MB, with lambda\.ephemeralStorageMb: 10240 in schemas\/orders\.yaml\.$/);
  });

  it('an upsert into a partition too large for the commit step\'s /tmp FAILS before any work, nothing committed; with twice the /tmp it commits', async () => {
    for (const tmp of [512, 1024]) {
      const l = await makeLake({ orders: ordersSchema({ mode: 'upsert', extra: `lambda: { ephemeralStorageMb: ${tmp} }\n` }) });
      try {
        const row = (amount: string) => `${ORDERS_HEADER}\n1,Ann,NEW,${amount},Mar 01 2026,2026-03-01T10:00:00Z\n`;
        expect((await l.ingest('orders', await l.file('a.csv', row('1.00')))).record.status).toBe('SUCCEEDED');
        // 200 MiB by its manifest: 400 MiB to rewrite, over 256 MiB (512 MB of /tmp), within 512 MiB (1024 MB).
        await seedVersion(l, 'orders', 'dt=2026-03-01', { bytes: 200 * MiB });
        const before = manifestOf(l, 'orders');
        const { record } = await l.ingest('orders', await l.file('b.csv', row('2.00')));
        if (tmp === 512) {
          expect(record.status).toBe('FAILED');
          expect(record.error!.name).toBe('Strata.LimitExceeded');
          // The version's 200 MiB and the batch's file of the partition.
          expect(record.error!.message).toMatch(/^silver\.orders partition dt=2026-03-01 was not rewritten: its files are 209,7\d\d,\d\d\d bytes \(200 MB\), and the commit step downloads them and writes the new version beside them, about 400 MB of \/tmp, over the 268,435,456 bytes \(256 MB\)/);
          expect(record.error!.message).toContain(`Nothing was committed; upload ${record.source.key} again once it fits.`);
          expect(manifestOf(l, 'orders').partitions).toEqual(before.partitions);
          expect(await l.query('SELECT CAST(amount AS VARCHAR) AS amount FROM silver.orders')).toEqual([{ amount: '1.00' }]);
        } else {
          expect(record.error).toBeUndefined();
          expect(record.status).toBe('SUCCEEDED');
          expect(await l.query('SELECT CAST(amount AS VARCHAR) AS amount FROM silver.orders')).toEqual([{ amount: '2.00' }]);
        }
      } finally {
        await l.cleanup();
      }
    }
  });

  it('an append\'s 33rd file into a partition too large to rewrite is linked as any append\'s, not compacted inline; compaction leaves it, saying why', async () => {
    const l = await makeLake({ events: EVENTS('lambda: { ephemeralStorageMb: 512 }\n') });
    try {
      await l.ingest('events', await l.file('seed.jsonl', batch(0, 32) + batch(100, 32, 16)));
      // dt=2025-06-15: 32 files that its manifest says are 150 MiB; dt=2025-06-16: 2 small files.
      await seedVersion(l, 'events', 'dt=2025-06-15', { bytes: 150 * MiB, copies: 32 });
      await seedVersion(l, 'events', 'dt=2025-06-16', { copies: 2 });
      const r = await l.ingest('events', await l.file('more.jsonl', batch(1000, 10)), { compact: false });
      expect(r.record.status).toBe('SUCCEEDED');
      expect(manifestOf(l, 'events').partitions['dt=2025-06-15']!.files).toHaveLength(33);
      const [run] = await compactLocal(l, ['events'], { minFiles: 2 });
      expect(run!.execution.status).toBe('SUCCEEDED');
      const parts = run!.output!.tables[0]!.partitions;
      expect(parts.map((p) => [p.path, p.outcome])).toEqual([['dt=2025-06-15', 'too-large'], ['dt=2025-06-16', 'compacted']]);
      expect(manifestOf(l, 'events').partitions['dt=2025-06-15']!.files).toHaveLength(33);
      expect(manifestOf(l, 'events').partitions['dt=2025-06-16']!.files).toHaveLength(1);
      const summary = describeCompaction(run!);
      expect(summary).toContain('✓ silver.events: 1 partition compacted, 2 files → 1');
      expect(summary).toContain('\n    left alone: silver.events partition dt=2025-06-15 was not rewritten: its files are');
      expect(summary).toContain('the compact step downloads them');
      expect(await l.query('SELECT count(*)::INT AS n FROM silver.events')).toEqual([{ n: 32 * 32 + 10 + 2 * 32 }]);
    } finally {
      await l.cleanup();
    }
  });
});

describe('a compaction policy and a partition too large to rewrite', () => {
  it('that partition is not due: a run after it starts no compaction (each would leave it as it is); strata compact says it compacted nothing, and why', async () => {
    const l = await makeLake({ events: EVENTS('lambda: { ephemeralStorageMb: 512 }\ncompaction: { minFiles: 2 }\n') });
    try {
      await l.ingest('events', await l.file('seed.jsonl', batch(0, 4)), { compact: false });
      await seedVersion(l, 'events', 'dt=2025-06-15', { bytes: 150 * MiB, copies: 3 });
      const again = await l.ingest('events', await l.file('again.jsonl', batch(2000, 3)));
      expect({ status: again.record.status, compactions: again.compactions?.length ?? 0 }).toEqual({ status: 'SUCCEEDED', compactions: 0 });
      const [only] = await compactLocal(l, ['events']);
      expect(describeCompaction(only!).split('\n').map((x) => x.replace(/ was not rewritten: .*/, ''))).toEqual(['= silver.events: nothing compacted', '    left alone: silver.events partition dt=2025-06-15']);
      // A partition of the same table that fits is due again, and only it is compacted.
      await l.ingest('events', await l.file('b1.jsonl', batch(3000, 2, 16)), { compact: false });
      const next = await l.ingest('events', await l.file('b2.jsonl', batch(3100, 2, 16)));
      expect(next.compactions?.map((c) => c.output!.tables[0]!.partitions.map((p) => [p.path, p.outcome]))).toEqual([[['dt=2025-06-15', 'too-large'], ['dt=2025-06-16', 'compacted']]]);
    } finally {
      await l.cleanup();
    }
  });
});

describe('a gold refresh on DuckDB within the /tmp of its step', () => {
  const goldOf = (engine: string) => `gold:
  - table: revenue
    sql: SELECT status, SUM(amount) AS revenue FROM silver.orders GROUP BY 1
    engine: ${engine}
lambda: { ephemeralStorageMb: 512 }
`;
  it('whose silver files exceed the step\'s files half of /tmp is refused before any work, naming engine: athena; a table with engine: athena is refreshed', async () => {
    for (const engine of ['duckdb', 'athena']) {
      const l = await makeLake({ orders: ordersSchema({ mode: 'upsert', extra: goldOf(engine) }) });
      try {
        const row = (id: number, day: number) => `${ORDERS_HEADER}\n${id},Ann,NEW,1.00,Mar 01 2026,2026-03-0${day}T10:00:00Z\n`;
        expect((await l.ingest('orders', await l.file('a.csv', row(1, 1)))).record.status).toBe('SUCCEEDED');
        // 300 MiB of silver by its manifest, over 256 MiB (512 MB of /tmp).
        await seedVersion(l, 'orders', 'dt=2026-03-01', { bytes: 300 * MiB });
        const { record } = await l.ingest('orders', await l.file('b.csv', row(2, 2)));
        const gold = record.gold as Array<{ table: string; status: string; error?: string }>;
        if (engine === 'duckdb') {
          expect(record.status).toBe('FAILED');
          expect(record.error!.name).toBe('Strata.LimitExceeded');
          expect(record.error!.message).toMatch(/gold table revenue was not refreshed: it reads 314,57\d,\d\d\d bytes \(300 MB\) of files, which the gold step of orders downloads into \/tmp and writes the table's new files beside, over the 268,435,456 bytes \(256 MB\) its function has for files: the half of lambda\.ephemeralStorageMb \(512\) that is not DuckDB's spill\. Fix: give it `engine: athena` \(the refresh then runs in Athena, which reads S3 itself\), raise lambda\.ephemeralStorageMb in .*orders\.yaml \(now 512, at most 10240: reads up to 5,120 MB\), or refresh it incrementally, so that a run reads only the partitions it changed\./);
          // Silver committed; the table kept what it had.
          expect(gold).toEqual([expect.objectContaining({ table: 'revenue', status: 'not refreshed' })]);
          expect(await l.query('SELECT count(*)::INT AS n FROM silver.orders')).toEqual([{ n: 2 }]);
        } else {
          expect(record.error).toBeUndefined();
          expect(gold).toEqual([expect.objectContaining({ table: 'revenue', status: 'published' })]);
        }
      } finally {
        await l.cleanup();
      }
    }
  });
});

describe('a step\'s /tmp counted as Lambda fills it (runtime/storage/tmp-budget.ts)', () => {
  it('files held at once (downloads in progress, nested ones added, a tree written) past the limit fail as Strata.LimitExceeded; released, they count no more', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-tmp-budget-'));
    try {
      const inner = new LocalStorage(root);
      for (const [k, n] of [['a', 400], ['b', 300], ['c', 200]] as const) await inner.writeText(`silver/t/${k}.bin`, 'x'.repeat(n));
      const seen: number[] = [];
      const s = budgetTmp(inner, 1000, (bytes) => { seen.push(bytes); return `over: ${bytes}`; });
      // 400 + 300 held, then 200 more inside: 900 fits; 300 more inside that does not (1,200).
      await s.withLocalFiles(['silver/t/a.bin', 'silver/t/b.bin', 'silver/t/a.bin'], async () => {
        await s.withLocalFile('silver/t/c.bin', async () => {
          await expect(s.withLocalFiles(['silver/t/b.bin'], async () => 'never')).rejects.toMatchObject({ name: 'Strata.LimitExceeded', message: 'over: 1200' });
        });
        // A tree written while 700 are held: 400 more is over.
        await expect(s.writeTree('silver/t/v-1/', async (dir) => { await writeFile(join(dir, 'part-0.parquet'), 'y'.repeat(400)); })).rejects.toMatchObject({ message: 'over: 1100' });
        // Not listed: counted by what its caller says it wrote (the stage's RETURN_STATS); without that, not counted.
        await expect(s.writeTree('silver/t/v-2/', async () => ({ bytes: 301 }), { list: false, bytes: (r) => r.bytes })).rejects.toMatchObject({ message: 'over: 1001' });
        await expect(s.writeTree('silver/t/v-3/', async () => ({ bytes: 300 }), { list: false, bytes: (r) => r.bytes })).resolves.toMatchObject({ result: { bytes: 300 } });
        await expect(s.writeTree('silver/t/v-4/', async () => ({ bytes: 301 }), { list: false })).resolves.toMatchObject({ result: { bytes: 301 } });
      });
      expect(seen).toEqual([1200, 1100, 1001]);
      // Released: all three at once fit (900), and the source file of a run is counted as a download.
      await expect(s.withLocalFiles(['silver/t/a.bin', 'silver/t/b.bin', 'silver/t/c.bin'], async (paths) => paths.length)).resolves.toBe(3);
      await expect(s.withSourceFile('silver/t/a.bin', {}, async () => s.withLocalFiles(['silver/t/b.bin', 'silver/t/v-1/part-0.parquet'], async () => 'ok'))).rejects.toMatchObject({ message: 'over: 1100' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('budgetTmp against a model (generated nestings of downloads and trees written)', () => {
  interface Op { kind: 'files' | 'tree'; sizes: number[]; inner: Op[] }
  const op: fc.Memo<Op> = fc.memo((depth) => fc.record({
    kind: fc.constantFrom<'files' | 'tree'>('files', 'tree'),
    sizes: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 3 }),
    inner: depth > 1 ? fc.array(op(depth - 1), { maxLength: 2 }) : fc.constant([]),
  }));
  it('property: a call fails exactly when what is held with it passes the limit, with that sum; held files count no more once released', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-tmp-model-'));
    try {
      const inner = new LocalStorage(root);
      let n = 0;
      await fc.assert(fc.asyncProperty(fc.array(op(3), { minLength: 1, maxLength: 3 }), fc.integer({ min: 100, max: 1500 }), async (ops, limit) => {
        const s = budgetTmp(inner, limit, (bytes) => `over: ${bytes}`);
        const seen: string[] = [];
        const expected: string[] = [];
        // The model: downloads are held while their callback runs; a tree counts at its end beside what is held.
        const run = async (o: Op, held: number): Promise<void> => {
          const keys: string[] = [];
          for (const size of o.sizes) { const k = `t/${n++}.bin`; await inner.writeText(k, 'x'.repeat(size)); keys.push(k); }
          const bytes = o.sizes.reduce((a, b) => a + b, 0);
          if (o.kind === 'files') {
            if (held + bytes > limit) expected.push(`over: ${held + bytes}`);
            await s.withLocalFiles(keys, async () => { for (const c of o.inner) await run(c, held + bytes); }).catch((e: Error) => { seen.push(e.message); });
          } else {
            for (const c of o.inner) await run(c, held);
            if (held + bytes > limit) expected.push(`over: ${held + bytes}`);
            await s.writeTree(`t/tree-${n++}/`, async () => bytes, { list: false, bytes: (b) => b }).catch((e: Error) => { seen.push(e.message); });
          }
        };
        for (const o of ops) await run(o, 0);
        expect(seen).toEqual(expected);
        // Nothing stays held: the whole limit is free again.
        await expect(s.writeTree('t/last/', async () => limit, { list: false, bytes: (b) => b })).resolves.toBeDefined();
      }), { numRuns: Number(process.env.STRATA_PROPERTY_RUNS ?? 60) });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('the stage\'s /tmp: the file, the copy it reads from, the Parquet it writes', () => {
  it('a function of 2 MB of /tmp (1 MiB for files; a plan changed in memory, below what a schema allows): a file and its Parquet that fit run; with a copy, or a larger Parquet, they do not', async () => {
    const schema = (skip: number) => `dataset: notes\nsource: { format: csv, csv: { skipRows: ${skip} } }\ncolumns:\n  - { name: id, type: bigint, required: true }\n  - { name: note, type: string }\nrejects: { maxRatio: 1 }\n`;
    // 600,000-odd bytes of notes DuckDB compresses well (one repeated text), and 900,000-odd it cannot (hex of a hash).
    // The skipped line holds a quote, which the stage reads around in a copy of the file (newlines.ts blankSkippedLines).
    const repeated = `"report\nid,note\n${Array.from({ length: 12_000 }, (_, i) => `${i},${'the same note'.repeat(3)}`).join('\n')}\n`;
    const hashed = `"report\nid,note\n${Array.from({ length: 9_000 }, (_, i) => `${i},${createHash('sha256').update(String(i)).digest('hex')}${createHash('md5').update(String(i)).digest('hex')}`).join('\n')}\n`;
    const outcome: Record<string, string> = {};
    for (const [name, skip, text] of [['compressible', 0, repeated], ['with its copy', 1, repeated], ['incompressible', 0, hashed]] as const) {
      const l = await makeLake({ notes: schema(skip) });
      try {
        (l.ctx.plans.get('notes').lambda as { ephemeralStorageMb?: number }).ephemeralStorageMb = 2;
        const body = skip ? text : text.slice(text.indexOf('\n') + 1);
        const { record } = await l.ingest('notes', await l.file('n.csv', body));
        outcome[name] = record.status === 'SUCCEEDED' ? `SUCCEEDED ${body.length}` : `${record.error!.name}: ${record.error!.message.replace(/ \(\d[\d.,]* MB\)/g, '').slice(0, 96)}`;
      } finally {
        await l.cleanup();
      }
    }
    expect(outcome).toEqual({
      compressible: `SUCCEEDED ${repeated.length - 8}`,
      'with its copy': expect.stringMatching(/^Strata\.LimitExceeded: the stage step of notes would hold 1,\d{3},\d{3} bytes of files in \/tmp at once/),
      incompressible: expect.stringMatching(/^Strata\.LimitExceeded: the stage step of notes would hold 1,\d{3},\d{3} bytes of files in \/tmp at once/),
    });
  });
});

describe('the quarantine a rejected file becomes, counted in the /tmp of the step that writes it', () => {
  it('the stage holds its file and its quarantined rows; the step that quarantines the batch the rows it reads and the file it writes: with 1 MiB for files, rows that fit pass, rows that do not fail', async () => {
    // Every id invalid, so every row is quarantined and the file rejected (maxRatio 0.01); notes DuckDB cannot compress.
    const schema = 'dataset: notes\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint, required: true }\n  - { name: note, type: string }\nrejects: { maxRatio: 0.01 }\n';
    const body = (n: number) => `id,note\n${Array.from({ length: n }, (_, i) => `x${i},${createHash('sha256').update(String(i)).digest('base64')}${createHash('md5').update(String(i)).digest('base64')}`).join('\n')}\n`;
    const outcome: Record<string, string> = {};
    for (const [n, small] of [[2_000, 'after'], [12_000, 'after'], [10_000, 'all']] as const) {
      const l = await makeLake({ notes: schema });
      try {
        const steps: string[] = [];
        // The steps after the stage ('after'), or all of them, run with 2 MB of /tmp (1 MiB for files), set in memory.
        const wrap = (step: string, fn: (input: unknown) => Promise<unknown>) => async (input: unknown) => {
          steps.push(step);
          if (step !== 'stage' || small === 'all') (l.ctx.plans.get('notes').lambda as { ephemeralStorageMb?: number }).ephemeralStorageMb = 2;
          return fn(input);
        };
        const { record } = await l.ingest('notes', await l.file('n.csv', body(n)), { wrap });
        const folder = join(l.dir, 'quarantine', 'notes');
        const files = existsSync(folder) ? readdirSync(folder) : [];
        outcome[`${n} ${small}`] = `${record.status} ${record.error!.name}: ${record.error!.message.slice(0, 99)}; ${steps.join(',')}; quarantine files ${files.length}`;
      } finally {
        await l.cleanup();
      }
    }
    expect(outcome).toEqual({
      // 115,962 bytes of quarantined rows, read and written again: 0.23 MB.
      '2000 after': expect.stringMatching(/^REJECTED Strata\.RejectedFile: .*: 2000 of 2000 rows .*; stage,reject; quarantine files 1$/),
      // Some 675,000 bytes read and as many written: 1.3 MB, over 1 MiB. Nothing is quarantined, nothing lost: the rows
      // stay in bronze, and the run says why.
      '12000 after': expect.stringMatching(/^FAILED Strata\.LimitExceeded: the reject step of notes would hold 1,\d{3},\d{3} bytes \(1\.\d MB\) of files in \/tmp at once.*; stage,reject,fail; quarantine files 0$/),
      // Some 720,000 bytes of file and 560,000 of its quarantined rows written beside it: the stage fails.
      '10000 all': expect.stringMatching(/^FAILED Strata\.LimitExceeded: the stage step of notes would hold 1,\d{3},\d{3} bytes \(1\.\d MB\) of files in \/tmp at once.*; stage,fail; quarantine files 0$/),
    });
  });
});

// Compaction under faults: a compaction process killed at named points (test/helpers/compact-child.ts: SIGKILL, no
// cleanup) and compactions racing ingests in other processes. Each time: nothing lost, nothing duplicated, the
// table readable with exactly the rows it had, and the next compaction or gc converges.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { garbageCollect } from '../workflows/maintenance.ts';
import { batch, EVENTS } from './helpers/events.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

/** A lake whose one day holds `files` small files of 300 events each. */
async function lakeWithSmallFiles(files: number): Promise<TestLake> {
  const l = await makeLake({ events: EVENTS() });
  lakes.push(l);
  for (let b = 0; b < files; b++) {
    expect((await l.ingest('events', await l.file(`b${b}.jsonl`, batch(b * 300, 300)))).record.status).toBe('SUCCEEDED');
  }
  return l;
}

const manifest = (l: TestLake): TableManifest => JSON.parse(readFileSync(join(l.dir, 'silver/events/_strata/manifest.json'), 'utf8'));
const DAY = 'dt=2025-06-15';
/** Rows as readers see them, and a fingerprint computed independently of the compaction's own checksum. */
const state = async (l: TestLake) => ({
  rows: await l.query('SELECT * FROM silver.events ORDER BY event_id'),
  counts: await l.query('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS k, sum(amount)::VARCHAR AS amount FROM silver.events'),
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, STRATA_LOG_LEVEL: 'SILENT', ...env } });
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}
const killedAt = (l: TestLake, point: string) => run(['test/helpers/compact-child.ts', l.dir, join(l.root, 'schemas'), point, 'events']);

describe('a compaction killed half-way', () => {
  it('while writing, or with its version written but not published: readers see the old version; the next compaction and gc finish the job', async () => {
    const l = await lakeWithSmallFiles(6);
    const before = await state(l);
    const m0 = manifest(l);
    for (const point of ['mid-write', 'before-swap']) {
      const child = await killedAt(l, point);
      expect({ point, signal: child.signal, stderr: child.stderr.replace(/.*DeprecationWarning.*\n|.*--trace-deprecation.*\n/g, '') }).toEqual({ point, signal: 'SIGKILL', stderr: '' });
      // The manifest is what it was; the dead process's folder is there, named by no version.
      expect(manifest(l)).toEqual(m0);
      const folders = readdirSync(join(l.dir, 'silver/events', DAY));
      expect(folders.length).toBeGreaterThan(m0.retired.length + 1);
      expect(await state(l)).toEqual(before);
    }
    // The next compaction succeeds; the table has the same rows in one file.
    const [ok] = await compactLocal(l, ['events']);
    expect(ok!.output!.tables[0]!.partitions[0]).toMatchObject({ outcome: 'compacted', filesBefore: 6, filesAfter: 1 });
    expect(await state(l)).toEqual(before);
    // gc removes the dead processes' folders once they are older than its grace period (a day), and keeps the rest.
    const live = manifest(l).partitions[DAY]!.location;
    const gc = await garbageCollect(l, { now: new Date(Date.now() + 2 * 86_400_000) });
    expect(gc.tables.find((t) => t.table === 'silver.events')!.orphanFolders).toBe(2);
    expect(existsSync(join(l.dir, live))).toBe(true);
    expect(await state(l)).toEqual(before);
  });

  it('after publishing, before the catalog followed: the catalog still reads the old version (kept), and the next run brings it to the new one', async () => {
    const l = await lakeWithSmallFiles(5);
    const before = await state(l);
    const child = await killedAt(l, 'after-swap');
    expect(child.signal).toBe('SIGKILL');
    const m = manifest(l);
    expect(m.history.at(-1)!.kind).toBe('compact');
    expect(m.partitions[DAY]!.files).toHaveLength(1);
    // The catalog entry names the replaced files, which are retired, not deleted: the same rows.
    const entry = readFileSync(join(l.dir, '_strata/catalog/tables/silver.events.json'), 'utf8');
    expect(entry).not.toContain(m.partitions[DAY]!.location);
    expect(await state(l)).toEqual(before);
    // Any later writer of the table syncs the catalog: here an ingest of one more batch.
    expect((await l.ingest('events', await l.file('late.jsonl', batch(5000, 10)))).record.status).toBe('SUCCEEDED');
    expect(readFileSync(join(l.dir, '_strata/catalog/tables/silver.events.json'), 'utf8')).toContain(manifest(l).partitions[DAY]!.location);
    expect(await l.query('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS k FROM silver.events')).toEqual([{ n: 1510, k: 1510 }]);
  });
});

describe('compaction racing ingests in other processes', () => {
  it('strata compact and two strata ingest at once: all exit 0, every row once', async () => {
    const l = await lakeWithSmallFiles(4);
    const files = await Promise.all([0, 1].map((i) => l.file(`p${i}.jsonl`, batch(10_000 + i * 500, 500))));
    const cli = (...args: string[]) => run(['cli/strata.ts', ...args, '--lake', l.dir, '--schemas', join(l.root, 'schemas')]);
    const results = await Promise.all([cli('compact', 'events'), ...files.map((f) => cli('ingest', 'events', f))]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(await l.query('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS k FROM silver.events')).toEqual([{ n: 2200, k: 2200 }]);
    // Whatever the interleaving, one more compaction leaves the day in one file with the same rows.
    await compactLocal(l, ['events'], { minFiles: 2 });
    expect(manifest(l).partitions[DAY]!.files).toHaveLength(1);
    expect(await l.query('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS k FROM silver.events')).toEqual([{ n: 2200, k: 2200 }]);
  });
});

// Commits to silver: atomic per partition, idempotent per source object, safe under concurrent writers.
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Duck, pathLit } from '../runtime/engine/duckdb.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

async function lake(mode: 'append' | 'upsert' = 'upsert'): Promise<TestLake> {
  const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode }) });
  lakes.push(l);
  return l;
}

const line = (id: number, name: string, day = '12', amount = '10.00') =>
  `${id},${name},NEW,${amount},Jun ${day} 2025,2025-06-${day}T10:00:00Z`;
const csv = (...rows: string[]) => `${ORDERS_HEADER}\n${rows.join('\n')}\n`;

function manifest(l: TestLake): TableManifest {
  return JSON.parse(readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8'));
}

function snapshot(l: TestLake): Record<string, string> {
  const m = manifest(l);
  return Object.fromEntries(Object.values(m.partitions).flatMap((p) => p.files.map((f) => [f, readFileSync(join(l.dir, f)).toString('base64')])));
}

describe('silver commits', () => {
  it('ingesting the same object twice leaves silver identical', async () => {
    const l = await lake();
    const f = await l.file('a.csv', csv(line(1, 'a'), line(2, 'b', '13')));
    const first = await l.ingest('orders', f);
    expect(first.record.status).toBe('SUCCEEDED');
    const before = { manifest: manifest(l), files: snapshot(l) };
    const again = await l.ingest('orders', f);
    expect(again.record).toMatchObject({ status: 'SKIPPED', committedBy: first.record.runId });
    expect(again.execution.path).toEqual(['Stage', 'Route', 'Resync', 'RecordRun', 'Finish', 'Succeeded']);
    expect(manifest(l)).toEqual(before.manifest);
    expect(snapshot(l)).toEqual(before.files);
  });

  it('upsert replaces rows by key; partitions the run did not touch keep their files', async () => {
    const l = await lake();
    await l.ingest('orders', await l.file('a.csv', csv(line(1, 'a', '12'), line(2, 'b', '13'))));
    const day13 = manifest(l).partitions['dt=2025-06-13']!;
    const r = await l.ingest('orders', await l.file('b.csv', csv(line(1, 'a2', '12', '99.00'), line(3, 'c', '12'))));
    expect(r.record.partitions).toEqual(['dt=2025-06-12']);
    const m = manifest(l);
    expect(m.partitions['dt=2025-06-13']).toEqual(day13);
    expect(m.partitions['dt=2025-06-12']!.rows).toBe(2);
    expect(m.retired.map((x) => x.version.path)).toEqual(['dt=2025-06-12']);
    const rows = await l.query(`SELECT order_id, customer_name, amount::VARCHAR AS amount FROM silver.orders ORDER BY 1`);
    expect(rows).toEqual([
      { order_id: 1, customer_name: 'a2', amount: '99.00' }, { order_id: 2, customer_name: 'b', amount: '10.00' }, { order_id: 3, customer_name: 'c', amount: '10.00' },
    ]);
  });

  it('append adds to a partition without rewriting its old files', async () => {
    const l = await lake('append');
    await l.ingest('orders', await l.file('a.csv', csv(line(1, 'a'))));
    const v1 = manifest(l).partitions['dt=2025-06-12']!;
    await l.ingest('orders', await l.file('b.csv', csv(line(2, 'b'))));
    const v2 = manifest(l).partitions['dt=2025-06-12']!;
    expect(v2.location).not.toBe(v1.location);
    expect(v2.files).toHaveLength(2);
    // The old version's file is shared (hard link): identical bytes, and the old version is still readable.
    const oldFile = v1.files[0]!;
    expect(existsSync(join(l.dir, oldFile))).toBe(true);
    expect(readFileSync(join(l.dir, v2.files.find((f) => f.endsWith(oldFile.split('/').pop()!))!))).toEqual(readFileSync(join(l.dir, oldFile)));
    expect(await l.query(`SELECT count(*) AS n FROM silver.orders`)).toEqual([{ n: 2 }]);
  });

  it('concurrent ingests into the same partition all land (no lost update)', async () => {
    const l = await lake('append');
    const files = await Promise.all([1, 2, 3, 4].map((i) => l.file(`c${i}.csv`, csv(line(i * 10, `w${i}`), line(i * 10 + 1, `w${i}`)))));
    const results = await Promise.all(files.map((f) => l.ingest('orders', f)));
    expect(results.map((r) => r.record.status), JSON.stringify(results.map((r) => r.record.error))).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const m = manifest(l);
    expect(m.version).toBe(4);
    expect(m.partitions['dt=2025-06-12']!.rows).toBe(8);
    expect(await l.query(`SELECT count(*) AS n, count(DISTINCT order_id) AS k FROM silver.orders`)).toEqual([{ n: 8, k: 8 }]);
  });

  it('two runs of the same object at once: both stage it, only one commits it (the check at commit time), silver holds it once', async () => {
    const l = await lake('upsert');
    const f = await l.file('same.csv', csv(line(1, 'a'), line(2, 'b', '13')));
    // Both runs stage before either commits (so neither is stopped early as already ingested): a barrier of two
    // in front of the commit step; a run that never reaches it fails the test instead of hanging.
    let arrived = 0;
    let open!: () => void;
    const opened = new Promise<void>((r) => { open = r; });
    const wrap = (step: string, fn: (input: unknown) => Promise<unknown>) => (step !== 'commit' ? fn : async (input: unknown) => {
      if (++arrived === 2) open();
      await Promise.race([opened, new Promise((_, no) => setTimeout(() => no(new Error('the other run never reached its commit')), 60_000))]);
      return fn(input);
    });
    const [a, b] = await Promise.all([l.ingest('orders', f, { wrap }), l.ingest('orders', f, { wrap })]);
    expect(arrived).toBe(2);
    const runs = [a.record, b.record];
    expect(runs.map((r) => r.source.key)).toEqual([a.record.source.key, a.record.source.key]); // one object
    const m = manifest(l);
    // One commit of the object, by one of the two runs; the other found it committed when it came to swap.
    expect(m.history.filter((h) => h.kind === 'commit').map((h) => h.runId)).toHaveLength(1);
    const winner = m.history.find((h) => h.kind === 'commit')!.runId;
    expect(runs.map((r) => r.runId)).toContain(winner);
    expect(Object.values(m.sources).map((s) => s.runId)).toEqual([winner]);
    const loser = runs.find((r) => r.runId !== winner)!;
    expect(loser.partitions).toEqual([]);
    expect(await l.query(`SELECT order_id, customer_name FROM silver.orders ORDER BY 1`)).toEqual([{ order_id: 1, customer_name: 'a' }, { order_id: 2, customer_name: 'b' }]);
  });

  it('two processes ingesting at once both land (locks and compare-and-swap across processes)', async () => {
    const l = await lake('append');
    const a = await l.file('p1.csv', csv(...Array.from({ length: 50 }, (_, i) => line(1000 + i, 'p1'))));
    const b = await l.file('p2.csv', csv(...Array.from({ length: 50 }, (_, i) => line(2000 + i, 'p2'))));
    const cli = (file: string) => new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ['cli/strata.js', 'ingest', 'orders', file, '--lake', l.dir, '--schemas', join(l.root, 'schemas'), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      p.on('exit', (code) => resolve(code ?? 1));
    });
    expect(await Promise.all([cli(a), cli(b)])).toEqual([0, 0]);
    expect(await l.query(`SELECT customer_name, count(*) AS n FROM silver.orders GROUP BY 1 ORDER BY 1`)).toEqual([
      { customer_name: 'p1', n: 50 }, { customer_name: 'p2', n: 50 },
    ]);
  });

  it('a reader keeps a consistent snapshot while a writer publishes (old version or new, never a mix)', async () => {
    const l = await lake();
    await l.ingest('orders', await l.file('a.csv', csv(line(1, 'old'), line(2, 'old', '13'))));
    const reader = await Duck.open();
    try {
      await reader.run(`ATTACH ${pathLit(join(l.dir, 'catalog.duckdb'))} AS lake (READ_ONLY); USE lake; SET file_search_path = ${pathLit(l.dir)}`);
      const q = () => reader.all(`SELECT order_id, customer_name FROM silver.orders ORDER BY 1`);
      expect(await q()).toEqual([{ order_id: 1, customer_name: 'old' }, { order_id: 2, customer_name: 'old' }]);
      await l.ingest('orders', await l.file('b.csv', csv(line(1, 'new'), line(2, 'new', '13'))));
      // The reader attached before the publish still sees the complete old version (its files are retained).
      expect(await q()).toEqual([{ order_id: 1, customer_name: 'old' }, { order_id: 2, customer_name: 'old' }]);
    } finally {
      reader.close();
    }
    // A new reader sees the complete new version.
    expect(await l.query(`SELECT order_id, customer_name FROM silver.orders ORDER BY 1`)).toEqual([
      { order_id: 1, customer_name: 'new' }, { order_id: 2, customer_name: 'new' },
    ]);
  });

  it('rows in = rows in silver + rows quarantined over many runs (append)', async () => {
    const l = await lake('append');
    const runs = [];
    for (let i = 0; i < 4; i++) {
      const rows = Array.from({ length: 20 }, (_, j) => (j % 7 === 3 ? `${i * 100 + j},bad,NEW,-1,Jun 12 2025,2025-06-12T10:00:00Z` : line(i * 100 + j, 'x', String(10 + i))));
      runs.push((await l.ingest('orders', await l.file(`m${i}.csv`, csv(...rows)))).record);
    }
    const rowsIn = runs.reduce((a, r) => a + r.rowsIn, 0);
    const silver = (await l.query<{ n: number }>(`SELECT count(*) AS n FROM silver.orders`))[0]!.n;
    const quarantined = (await l.query<{ n: number }>(`SELECT count(*) AS n FROM quarantine.orders`))[0]!.n;
    expect(rowsIn).toBe(80);
    expect(silver + quarantined).toBe(rowsIn);
    expect(quarantined).toBe(12);
  });
});

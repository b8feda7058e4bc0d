// Locks across processes: a lock left by a dead process is taken over at once, and a holder that was stopped long
// enough to be taken over is fenced: its manifest swap fails and it commits again on top of the newer manifest,
// instead of overwriting it (the rows committed meanwhile would be gone).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withLock } from '../runtime/storage/lock.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

const line = (id: number, who: string) => `${id},${who},NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z`;
const csv = (who: string, from: number) => `${ORDERS_HEADER}\n${Array.from({ length: 5 }, (_, i) => line(from + i, who)).join('\n')}\n`;

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  let out = '';
  p.stdout?.on('data', (d) => { out += d; });
  p.stderr?.on('data', (d) => { out += d; });
  return new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal, out })));
}

/** Resolves once the process is stopped (state T in /proc/<pid>/stat): waiting on a condition, not on time. */
async function stopped(pid: number): Promise<void> {
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('locks', () => {
  it('a lock whose owner died (kill -9 while holding it) is taken over at once, not after 30 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-lock-'));
    try {
      const lock = join(dir, 'manifest.json.lock');
      const child = spawn(process.execPath, ['--input-type=module', '-e',
        `const { withLock } = await import(${JSON.stringify(new URL('../runtime/storage/lock.ts', import.meta.url).href)});
         await withLock(${JSON.stringify(lock)}, async () => process.kill(process.pid, 'SIGKILL'));`], { stdio: 'pipe' });
      expect((await exited(child)).signal).toBe('SIGKILL');
      // The default takeover age is 30 s; with 5 s to get the lock, only a dead owner detected at once gets it.
      expect(await withLock(lock, async () => 'taken', 5_000)).toBe('taken');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(process.platform === 'linux')('a writer stopped inside its manifest swap is fenced when another takes its lock over: no rows lost', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    await l.ingest('orders', await l.file('base.csv', csv('base', 1)));
    const env = { ...process.env, STRATA_LOCK_STALE_MS: '1500' };
    const cli = (file: string, fault?: string) => spawn(process.execPath, ['cli/strata.ts', 'ingest', 'orders', file, '--lake', l.dir, '--schemas', join(l.root, 'schemas'), '--json'],
      { stdio: 'pipe', env: { ...env, ...(fault ? { STRATA_FAULT: fault } : {}) } });
    // A stops (SIGSTOP) in its silver commit, holding the manifest's lock, checked and about to rename its new manifest.
    const a = cli(await l.file('a.csv', csv('a', 100)), 'cas.rename:stop');
    const aDone = exited(a);
    await stopped(a.pid!);
    // B waits until the lock is older than STRATA_LOCK_STALE_MS, takes it over and commits.
    const b = await exited(cli(await l.file('b.csv', csv('b', 200))));
    expect(b.code).toBe(0);
    // A resumes: its rename is refused (the lock folder it prepared its manifest in is gone), so it commits again on top of B.
    a.kill('SIGCONT');
    expect((await aDone).code).toBe(0);
    expect(await l.query(`SELECT customer_name, count(*) AS n FROM silver.orders GROUP BY 1 ORDER BY 1`)).toEqual([
      { customer_name: 'a', n: 5 }, { customer_name: 'b', n: 5 }, { customer_name: 'base', n: 5 },
    ]);
    const m = JSON.parse(readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8')) as TableManifest;
    expect(m.history.map((h) => h.kind)).toEqual(['commit', 'commit', 'commit']);
  });
});

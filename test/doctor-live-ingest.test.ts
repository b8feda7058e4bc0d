// strata doctor --repair beside a live ingest: a run that commits and registers its table while doctor reads is no
// damage. doctor read the manifest, an ingest committed and registered a newer version, and doctor (reading the entry
// after) saw an entry ahead of the manifest: it reported a PROBLEM and --repair set the healthy entry aside as
// damaged (an attack, stop 53). Doctor is stopped (SIGSTOP at its named point) between the two reads.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterAll(async () => { for (const l of lakes) await l.cleanup(); });

const csv = (id: number) => `${ORDERS_HEADER}\n${id},c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z\n`;
const state = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];

describe('strata doctor --repair while an ingest commits', () => {
  it('an entry a run registered after doctor read the manifest is the manifest\'s: no problem, nothing set aside', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    expect((await l.ingest('orders', await l.file('a.csv', csv(1)))).record.status).toBe('SUCCEEDED');
    const doctor = spawn(process.execPath, ['cli/strata.ts', 'doctor', '--repair', '--lake', l.dir, '--schemas', join(l.root, 'schemas')],
      { env: { ...process.env, STRATA_FAULT: 'doctor.entry.before:stop' } });
    let out = '';
    doctor.stdout.on('data', (b: Buffer) => { out += b; });
    doctor.stderr.on('data', (b: Buffer) => { out += b; });
    const exited = new Promise<number | null>((done) => doctor.on('exit', done));
    // Stopped at its point: the manifest read, the entry not yet.
    for (let i = 0; state(doctor.pid!) !== 'T'; i++) {
      if (i > 600) throw new Error(`doctor never reached its point: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await l.ingest('orders', await l.file('b.csv', csv(2)))).record.status).toBe('SUCCEEDED');
    doctor.kill('SIGCONT');
    const code = await exited;
    expect(out).not.toMatch(/catalog entry .* shows/);
    expect(out).not.toContain('kept as');
    expect(code, out).toBe(0);
    expect(readdirSync(join(l.dir, '_strata/catalog/tables')).filter((n) => n.includes('damaged'))).toEqual([]);
    expect(await l.query('SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ ids: [1, 2] }]);
  });
});

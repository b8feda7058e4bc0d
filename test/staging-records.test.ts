// Staging records through real ingests killed at named points (their own processes, SIGKILL): a step records a
// staging folder before writing into it and deletes the record after the folder (runtime/table/staging.ts), so what a
// killed run leaves under staging/ is always named by a record, and strata gc removes it a day later; what strata did
// not write there (a folder someone made) strata gc keeps and strata doctor notes, for good.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor } from '../cli/commands/doctor.ts';
import { gc } from '../cli/commands/gc.ts';
import { gcStaging } from '../runtime/table/gc.ts';
import { recordStaging } from '../runtime/table/staging.ts';
import { armFaults } from '../runtime/util/fault.ts';
import { runCommand } from './helpers/cli.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const GOLD = `gold:
  - table: daily_revenue
    sql: |
      SELECT CAST(created_at AS DATE) AS day, SUM(amount) AS revenue FROM silver.orders GROUP BY 1
    partitionBy: [day]
`;
const csv = `${ORDERS_HEADER}\n1,c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z\n`;
const DAYS_LATER = new Date(Date.now() + 2 * 86_400_000);

/** `strata ingest orders` of a one-row file in a process of its own, killed at fault point `point`. */
async function killedIngest(k: TestLake, point: string): Promise<void> {
  const file = await k.file('a.csv', csv);
  const run = spawnSync(process.execPath, ['cli/strata.ts', 'ingest', 'orders', file, '--lake', k.dir, '--schemas', join(k.root, 'schemas')],
    { env: { ...process.env, STRATA_FAULT: point, STRATA_CLI: 'sources' } });
  expect(run.signal, run.stderr.toString()).toBe('SIGKILL');
}

const keys = async (k: TestLake) => (await k.storage.list('staging/')).map((o) => o.key).sort();

describe('staging records', () => {
  it('an ingest killed between removing its staging folder and its record leaves the record alone, which gc removes a day later', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    try {
      await killedIngest(k, 'staging.removed');
      expect(await keys(k)).toEqual([expect.stringMatching(/^staging\/orders\/_strata\/[^/]+\.json$/)]);
      expect(await gcStaging(k.storage)).toEqual({ folders: 0, bytes: 0, unrecorded: { objects: 0, folders: [] } });
      expect(await keys(k)).toHaveLength(1);
      expect(await gcStaging(k.storage, DAYS_LATER)).toEqual({ folders: 0, bytes: 0, unrecorded: { objects: 0, folders: [] } });
      expect(await keys(k)).toEqual([]);
    } finally {
      await k.cleanup();
    }
  });

  it('an ingest killed after its gold refresh computed leaves a recorded folder: doctor notes it and gc removes it a day later; a folder strata did not write stays', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: GOLD }) });
    try {
      await killedIngest(k, 'gold.computed');
      const left = await keys(k);
      const folder = /^(staging\/orders\/[^/_][^/]*\/gold\/daily_revenue\/)/.exec(left[0]!)?.[1];
      expect(folder, left.join('\n')).toBeDefined();
      const run = folder!.split('/')[2];
      expect(left).toContain(`staging/orders/_strata/${run}/gold/daily_revenue.json`);
      expect(left.filter((key) => key.endsWith('.parquet')).every((key) => key.startsWith(folder!))).toBe(true);
      // A folder someone made in staging: no record names it.
      mkdirSync(join(k.dir, 'staging', 'orders', 'mine'), { recursive: true });
      writeFileSync(join(k.dir, 'staging', 'orders', 'mine', 'notes.txt'), 'mine');
      const examined = await runCommand(doctor, { lake: k.dir, schemas: join(k.root, 'schemas') }, []);
      expect(examined.stdout).toContain(`1 staging folder of runs that are running or were killed, e.g. ${folder}`);
      expect(examined.stdout).toMatch(/1 file under staging\/ that strata has no record of writing, e\.g\. in staging\/orders\/mine\/\n +way back: strata did not write them, or an earlier strata that kept no staging records did: strata gc keeps them; delete them by hand once they are not wanted/);
      const collected = await runCommand(gc, { lake: k.dir, schemas: join(k.root, 'schemas') }, []);
      expect(collected.stdout).toContain('staging: deleted 0 old run folders');
      expect(collected.stdout).toContain('staging: kept 1 file no staging record of strata\'s names (in staging/orders/mine/): strata did not write them');
      // Files someone saved beside the records, where no record goes (an attack: gc counted them kept, then deleted them).
      const beside = [`staging/orders/_strata/${run}/notes.txt`, `staging/orders/_strata/${run}/gold/daily_revenue/keep.txt`];
      for (const key of beside) await k.storage.writeText(key, 'mine');
      expect(await gcStaging(k.storage, DAYS_LATER)).toMatchObject({ folders: 1, unrecorded: { objects: 3, folders: ['staging/orders/_strata/', 'staging/orders/mine/'] } });
      expect(await keys(k)).toEqual([...beside, 'staging/orders/mine/notes.txt'].sort());
    } finally {
      await k.cleanup();
    }
  });

  it('a killed run\'s staging goes a day after it was written, while other runs ingest meanwhile', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    try {
      await killedIngest(k, 'step.commit.before');
      const killed = await keys(k);
      // Three days pass: its files and record are dated then.
      const then = new Date(Date.now() - 3 * 86_400_000);
      const record = killed.find((key) => key.includes('/_strata/'))!;
      const folder = JSON.parse((await k.storage.readText(record))!).folder as string;
      await recordStaging(k.storage, folder, then.toISOString());
      for (const key of killed) await utimes(k.storage.path(key), then, then);
      const dirs = readdirSync(k.storage.path(folder), { recursive: true, withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(d.parentPath, d.name));
      for (const d of [k.storage.path(folder), ...dirs]) await utimes(d, then, then);
      // Another run ingests now, writing and deleting its own record beside the killed run's (before: that dated every
      // record in the folder now, so the killed run's staging never aged while the dataset ingested daily).
      expect((await k.ingest('orders', await k.file('b.csv', csv.replace('1,c', '2,c')))).record.status).toBe('SUCCEEDED');
      expect(await gcStaging(k.storage)).toMatchObject({ folders: 1 });
      expect(await keys(k)).toEqual([]);
    } finally {
      await k.cleanup();
    }
  });

  it('doctor --repair removes the temporary file of a record write a dead process left in staging/<dataset>/_strata/', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    try {
      expect((await k.ingest('orders', await k.file('a.csv', csv))).record.status).toBe('SUCCEEDED');
      const dead = spawnSync(process.execPath, ['-e', '0']).pid; // exited: no process has its pid now
      mkdirSync(join(k.dir, 'staging', 'orders', '_strata'), { recursive: true });
      writeFileSync(join(k.dir, 'staging', 'orders', '_strata', `.tmp-${dead}-abc`), '{"folder":');
      const args = { lake: k.dir, schemas: join(k.root, 'schemas') };
      expect((await runCommand(doctor, args, [])).stdout).toContain('staging/orders/_strata: 1 temporary file of processes that died before they finished writing (never read)');
      expect((await runCommand(doctor, args, [], { repair: true })).stdout).toContain('locks: removed 1 dead temporary file in staging/orders/_strata');
      expect(readdirSync(join(k.dir, 'staging', 'orders', '_strata'))).toEqual([]);
    } finally {
      await k.cleanup();
    }
  });

  it('a run whose id begins with "_" is refused before it writes anything and removes nothing: other runs\' records and a user\'s folder stay', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    try {
      await killedIngest(k, 'step.commit.before');
      mkdirSync(join(k.dir, 'staging', 'orders', '_archive'), { recursive: true });
      writeFileSync(join(k.dir, 'staging', 'orders', '_archive', 'notes.txt'), 'mine');
      const before = await keys(k);
      for (const runId of ['_strata', '_archive']) {
        const { record } = await k.ingest('orders', await k.file('b.csv', csv.replace('1,c', '2,c')), { runId });
        expect(record).toMatchObject({ status: 'FAILED', error: { name: 'Strata.InvalidInput' } });
        expect(record.error?.message).toContain(`run id "${runId}" begins with "_"`);
        expect(await keys(k)).toEqual(before);
      }
      // (Before: the refused run's failure removed staging/orders/_strata/, every run's records, and the killed run's
      // folder was then no one's, kept for good.)
      expect(await gcStaging(k.storage, DAYS_LATER)).toMatchObject({ folders: 1, unrecorded: { objects: 1, folders: ['staging/orders/_archive/'] } });
      expect(await keys(k)).toEqual(['staging/orders/_archive/notes.txt']);
    } finally {
      await k.cleanup();
    }
  });

  it('a run that failed before its Stage step recorded anything removes no folder of its run id\'s name', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    try {
      mkdirSync(join(k.dir, 'staging', 'orders', 'mine'), { recursive: true });
      writeFileSync(join(k.dir, 'staging', 'orders', 'mine', 'notes.txt'), 'mine');
      armFaults('step.stage.before:error');
      const { record } = await k.ingest('orders', await k.file('a.csv', csv), { runId: 'mine' });
      armFaults(undefined);
      expect(record.status).toBe('FAILED');
      expect(await keys(k)).toEqual(['staging/orders/mine/notes.txt']);
    } finally {
      armFaults(undefined);
      await k.cleanup();
    }
  });

  // A step that removed its staging folder and then lost its answer before deleting the record is retried by Step
  // Functions: the retry finds the run ended (or committed) and finishes the removal. Every way a run ends.
  for (const [outcome, schema, rows] of [
    ['SUCCEEDED', ordersSchema({ maxRatio: 1, mode: 'append' }), csv],
    ['REJECTED', ordersSchema({ maxRatio: 0, mode: 'append' }), `${ORDERS_HEADER}\n1,c,BOGUS,1.00,Jun 12 2025,2025-06-12T10:00:00Z\n`],
    ['HALTED', ordersSchema({ maxRatio: 1, mode: 'append', extra: 'quality:\n  silver:\n    halt:\n      - ColumnValues "amount" > 5\n' }), csv],
  ] as const) {
    it(`a ${outcome} run whose step lost its answer between removing its staging folder and the record leaves nothing under staging`, async () => {
      const k = await makeLake({ orders: schema });
      try {
        armFaults('staging.removed:econnreset');
        const { record, execution } = await k.ingest('orders', await k.file('a.csv', rows), { retryIntervalMs: 1 });
        armFaults(undefined);
        expect(record.status).toBe(outcome);
        expect(execution.events.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
        expect(await keys(k)).toEqual([]);
      } finally {
        armFaults(undefined);
        await k.cleanup();
      }
    });
  }
});

// Staging records through real ingests killed at named points (their own processes, SIGKILL): a step records a
// staging folder before writing into it and deletes the record after the folder (runtime/table/staging.ts), so what a
// killed run leaves under staging/ is always named by a record, and strata gc removes it a day later; what strata did
// not write there (a folder someone made) strata gc keeps and strata doctor notes, for good.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor } from '../cli/commands/doctor.ts';
import { gc } from '../cli/commands/gc.ts';
import { gcStaging } from '../runtime/table/gc.ts';
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
      expect(await gcStaging(k.storage, DAYS_LATER)).toMatchObject({ folders: 1, unrecorded: { objects: 1, folders: ['staging/orders/mine/'] } });
      expect(await keys(k)).toEqual(['staging/orders/mine/notes.txt']);
    } finally {
      await k.cleanup();
    }
  });

  it('a run whose id begins with "_" is refused before it writes anything: staging/<dataset>/_strata/ holds the records', async () => {
    const k = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    try {
      const { record } = await k.ingest('orders', await k.file('a.csv', csv), { runId: '_strata' });
      expect(record).toMatchObject({ status: 'FAILED', error: { name: 'Strata.InvalidInput' } });
      expect(record.error?.message).toContain('run id "_strata" begins with "_"');
      expect(await keys(k)).toEqual([]);
    } finally {
      await k.cleanup();
    }
  });
});

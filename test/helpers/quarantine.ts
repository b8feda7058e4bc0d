// Shared by the quarantine settlement tests (test/quarantine-settle.test.ts, test/quarantine-stale-races.test.ts):
// one object of three rows, schema files that treat it differently, what the lake holds of it, and the lake a rollback
// stopped after its swap leaves.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RunRecord } from '../../runtime/runs/record.ts';
import { armFaults } from '../../runtime/util/fault.ts';
import { ingestFile } from '../../workflows/ingest-local.ts';
import { openLocalLake, type LocalLake } from '../../workflows/lake.ts';
import { rollback } from '../../workflows/maintenance.ts';
import { ORDERS_HEADER, ordersSchema, type TestLake } from './lake.ts';

// Row 2 is SHIPPED: valid under the lake's schema, quarantined under the stricter one; row 3 has no valid time.
export const BODY = `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bo,SHIPPED,10.00,Jun 12 2025,2025-06-12T11:00:00Z\n3,Cy,NEW,10.00,Jun 12 2025,not a time\n`;
/** Quarantines rows 2 and 3 of BODY, and commits row 1. */
export const STRICT = ordersSchema({ maxRatio: 1 }).replace('allowed: [NEW, SHIPPED, CANCELLED]', 'allowed: [NEW]');
/** Rejects BODY whole. */
export const REJECTING = ordersSchema({ maxRatio: 0 }).replace('allowed: [NEW, SHIPPED, CANCELLED]', 'allowed: [NEW]');

/** A second lake over the same folder, under another schema file for orders. */
export async function otherSchema(lake: TestLake, name: string, text: string): Promise<LocalLake> {
  await mkdir(join(lake.root, name));
  await writeFile(join(lake.root, name, 'orders.yaml'), text);
  return openLocalLake({ lake: lake.dir, schemas: join(lake.root, name) });
}

/**
 * What the lake holds for the object: silver's ids, quarantine's (run, id), and anything left pending or staged
 * apart from the committing runs' markers (kept for the retention window: what each object's quarantine file holds
 * while that run's commit stands).
 */
export async function holdings(lake: TestLake) {
  const { catalog } = await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') });
  await catalog.materialize();
  const manifest = JSON.parse(await lake.storage.readText('silver/orders/_strata/manifest.json') ?? '{"history":[]}') as { history: Array<{ runId: string; kind: string }> };
  const committers = new Set(manifest.history.filter((h) => h.kind === 'commit').map((h) => h.runId));
  const marker = (k: string) => committers.has(k.slice(k.lastIndexOf('/') + 1).split('.')[1]!);
  return {
    silver: (await lake.query<{ order_id: number }>('SELECT order_id FROM silver.orders ORDER BY 1').catch(() => [])).map((r) => r.order_id),
    quarantine: await lake.query<{ run_id: string; record: number }>('SELECT run_id, record FROM quarantine.orders ORDER BY record').catch(() => []),
    left: (await lake.storage.list('quarantine/orders/_strata/')).map((o) => o.key).filter((k) => !marker(k)).concat((await lake.storage.list('staging/')).map((o) => o.key)),
  };
}

/**
 * c0 commits other.csv (row 10); c1 commits same.csv (BODY) under STRICT, quarantining rows 2 and 3. `stop`: then a
 * rollback to c0 stopped right after its swap (the fault harness's commit.swapped): the object is forgotten, and its
 * quarantine file `q` still holds c1's rows.
 */
export async function forgottenCommit(lake: TestLake, stop = true): Promise<{ c0: RunRecord; c1: RunRecord; file: string; q: string }> {
  const c0 = (await lake.ingest('orders', await lake.file('other.csv', `${ORDERS_HEADER}\n10,Di,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`))).record;
  const file = await lake.file('same.csv', BODY);
  const c1 = (await ingestFile(await otherSchema(lake, `strict-${Date.now()}`, STRICT), 'orders', file)).record;
  expect(c1).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1, rowsQuarantined: 2 });
  const q = (await lake.storage.list('quarantine/orders/')).map((o) => o.key).find((k) => !k.includes('/_strata/'))!;
  if (stop) await stoppedRollback(lake, c0.runId);
  return { c0, c1, file, q };
}

/** `strata rollback` to `to`, stopped right after its swap, before it settles (or registers anything). */
export async function stoppedRollback(lake: TestLake, to: string): Promise<void> {
  armFaults('commit.swapped:error');
  try {
    await expect(rollback(lake, 'orders', to)).rejects.toThrow(/fault injected at commit.swapped/);
  } finally {
    armFaults(undefined);
  }
}

/** Each reason of the quarantined rows of the file named `file` in quarantine.`dataset`, by record: its rule, column and message. */
export function reasonsOfFile(lake: Pick<TestLake, 'query'>, dataset: string, file: string): Promise<Array<{ record: number; rule: string; col: string; message: string }>> {
  return lake.query(`SELECT record::INT AS record, r.rule, r."column" AS col, r.message FROM (SELECT record, unnest(reasons) AS r FROM quarantine.${dataset} WHERE source LIKE '%/${file}') ORDER BY record`);
}

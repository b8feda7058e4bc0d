// Rows in = rows valid + rows quarantined, checked on every file before anything is returned. Valid and failing rows
// are counted separately, so a row that is neither (a check evaluating to NULL instead of false: a bug in a check's
// SQL) is not silently dropped: the file is refused with Strata.Internal naming it and the counts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../core/plan/compile.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import { withDuck, type Duck } from '../runtime/engine/duckdb.ts';
import { validateFile } from '../runtime/ingest/validate-file.ts';
import { ORDERS_HEADER, ordersSchema } from './helpers/lake.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-accounting-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

const plan = compile(loadSchemaText('orders.yaml', ordersSchema({ maxRatio: 1 })).spec!);

/** The session validateFile gets, with `after` run right after the typed rows are materialised. */
function tampered(db: Duck, after: string): Duck {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'run') {
        return async (sql: string) => {
          await target.run(sql);
          if (/^CREATE OR REPLACE TEMP TABLE __typed AS /.test(sql)) await target.run(after);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function validate(csv: string, after?: string) {
  const path = join(dir, `in-${Math.random().toString(16).slice(2)}.csv`);
  await writeFile(path, csv);
  const outDir = join(dir, `out-${Math.random().toString(16).slice(2)}`);
  return withDuck((db) => validateFile({
    db: after ? tampered(db, after) : db, plan, path, key: 'bronze/orders/a.csv', runId: 'r1', now: '2025-06-13T00:00:00Z', outDir,
  }));
}

// Three records: 1 valid, 2 valid, 3 fails min 0.
const CSV = `${ORDERS_HEADER}\n1,Ann,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bob,NEW,2.00,Jun 12 2025,2025-06-12T11:00:00Z\n3,Cy,NEW,-1,Jun 12 2025,2025-06-12T12:00:00Z\n`;

describe('row accounting', () => {
  it('counts each record once: 3 in = 2 valid + 1 quarantined', async () => {
    expect(await validate(CSV)).toMatchObject({ rowsIn: 3, rowsValid: 2, rowsQuarantined: 1, rowsSuperseded: 0 });
  });

  it('a row that is neither valid nor failing (its checks gave NULL) refuses the file, naming it and the counts', async () => {
    // Record 2's verdict made NULL, as a check missing its coalesce(…, false) would leave it.
    await expect(validate(CSV, 'UPDATE __typed SET __ok = NULL WHERE rowid = 1')).rejects.toMatchObject({
      name: 'Strata.Internal', message: 'row accounting broke for bronze/orders/a.csv: in 3 ≠ valid 1 + quarantined 1',
    });
  });
});

// A gold refresh whose step failed after it published and before its catalog followed (a throttled Glue sync, a lost
// connection: the fault point gold.published), retried by the state machine: the retry finds nothing new to compute,
// and returned "unchanged", leaving the table out of the catalog and its staging behind (an attack, stop 57). It now
// makes the catalog follow what the earlier attempt published, and the record says published.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { armFaults } from '../runtime/util/fault.ts';
import { examine } from '../workflows/doctor.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterEach(async () => { armFaults(undefined); await lake?.cleanup(); lake = undefined; });

const schema = `dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\ngold:
  - { table: g1, sql: "SELECT count(*) AS n FROM silver.t" }
  - { table: g2, sql: "SELECT max(id) AS m FROM silver.t" }
  - { table: g3, sql: "SELECT n + 1 AS k FROM gold.g1" }\n`;

describe('a gold refresh retried after it published', () => {
  for (const when of ['@1', '@*'] as const) {
    it(`the catalog follows what the earlier attempt published; the record says published; no staging is left (fault gold.published:econnreset${when})`, async () => {
      lake = await makeLake({ t: schema });
      // @*: the first attempt of every table fails after its publish (a retry that finds its table published does not
      // reach the point again, so the n-th time it is reached is the n-th table's first attempt).
      armFaults(when === '@1' ? 'gold.published:econnreset@1' : 'gold.published:econnreset@1,gold.published:econnreset@2,gold.published:econnreset@3');
      const r = (await lake.ingest('t', await lake.file('a.csv', 'id\n1\n2\n'), { retryIntervalMs: 1 })).record;
      armFaults(undefined);
      expect(r.status).toBe('SUCCEEDED');
      expect((r.gold as Array<{ table: string; status: string; rows?: number }>).map((g) => [g.table, g.status, g.rows])).toEqual([['g1', 'published', 1], ['g2', 'published', 1], ['g3', 'published', 1]]);
      expect(await lake.query('SELECT (SELECT n FROM gold.g1) AS n, (SELECT m FROM gold.g2) AS m, (SELECT k FROM gold.g3) AS k')).toEqual([{ n: 2, m: 2, k: 3 }]);
      expect(existsSync(join(lake.dir, 'staging', 't', r.runId))).toBe(false);
      expect((await examine(lake)).problems).toBe(0);
    });
  }
});

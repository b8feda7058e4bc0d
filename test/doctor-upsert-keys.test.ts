// strata doctor on an upsert table partitioned by a column outside its key: an upsert replaces a key within the
// partition its row belongs to, so a key sent again with another partition value left its earlier row where it was,
// and silver held two rows for one key while check, ingest and doctor were silent (newcomer's trial, stop 49). Doctor
// says so now, as a note naming a key and its partitions; a table whose keys each sit in one partition says nothing.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { doctor } from '../cli/commands/doctor.ts';
import { runCommand } from './helpers/cli.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterEach(async () => { await lake?.cleanup(); lake = undefined; });

const CUSTOMERS = (key: string) => `dataset: customers
source: { format: csv }
columns:
  - { name: customer_id, type: bigint, required: true }
  - { name: email, type: string }
  - { name: updated_at, type: timestamp, required: true }
primaryKey: [${key}]
mode: upsert
partitionBy:
  - { name: dt, column: updated_at, transform: year }
`;

describe('strata doctor: an upsert key held in more than one partition', () => {
  it('is a note naming a key, its partitions and the ways out; the same rows under a key that fixes the partition say nothing', async () => {
    for (const key of ['customer_id', 'customer_id, updated_at']) {
      lake = await makeLake({ customers: CUSTOMERS(key) });
      const g = { lake: lake.dir, schemas: join(lake.root, 'schemas') };
      await lake.ingest('customers', await lake.file('a.csv', 'customer_id,email,updated_at\n2,b@x.com,2025-01-01T00:00:00Z\n3,c@x.com,2025-06-01T00:00:00Z\n'));
      expect((await runCommand(doctor, g, [])).stdout).not.toMatch(/more than one partition/);
      await lake.ingest('customers', await lake.file('b.csv', 'customer_id,email,updated_at\n2,b-2026@x.com,2026-01-05T00:00:00Z\n3,c2@x.com,2025-07-01T00:00:00Z\n'));
      expect(await lake.query('SELECT customer_id, email FROM silver.customers ORDER BY 1, 2')).toEqual(key === 'customer_id'
        ? [{ customer_id: 2, email: 'b-2026@x.com' }, { customer_id: 2, email: 'b@x.com' }, { customer_id: 3, email: 'c2@x.com' }]
        : [{ customer_id: 2, email: 'b-2026@x.com' }, { customer_id: 2, email: 'b@x.com' }, { customer_id: 3, email: 'c2@x.com' }, { customer_id: 3, email: 'c@x.com' }]);
      const r = await runCommand(doctor, g, []);
      expect(r.code).toBe(0);
      if (key === 'customer_id') {
        expect(r.stdout).toMatch(/silver\.customers\s+note\s+1 key of primaryKey \[customer_id\] is held by rows in more than one partition \(e\.g\. customer_id=2, in dt=2025 and dt=2026\): an upsert replaces a key within the partition its row belongs to, and dt comes from updated_at, outside the key, so the earlier row stayed/);
        expect(r.stdout).toContain('way back: partition by a column of the key');
      } else {
        expect(r.stdout).not.toMatch(/more than one partition/);
      }
      await lake.cleanup();
      lake = undefined;
    }
  });
});

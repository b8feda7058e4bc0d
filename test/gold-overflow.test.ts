// A gold total past what a bigint holds: DuckDB's SUM of BIGINT is a HUGEINT, stored as Athena's bigint, and the
// refresh failed naming a cast, while strata check passes the SQL (the sum depends on the data) and doctor's repair
// failed the same way (newcomer's trial, stop 49). The message says how to keep such a total; written so, it publishes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { refresh } from '../workflows/maintenance.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterEach(async () => { await lake?.cleanup(); lake = undefined; });

const schema = (sum: string) => `dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: big, type: bigint }\ngold:\n  - table: g\n    sql: SELECT ${sum} AS s FROM silver.t\n    refresh: full\n`;
const rows = 'id,big\n1,9223372036854775807\n2,9223372036854775807\n';

describe('a gold total past a bigint', () => {
  it('fails saying how to compute it as a decimal; so computed, it is published exactly', async () => {
    lake = await makeLake({ t: schema('SUM(big)') });
    const failed = await lake.ingest('t', await lake.file('a.csv', rows));
    expect(failed.record.status).toBe('FAILED');
    expect(failed.record.error?.message).toContain('A value passed what a bigint holds (±9,223,372,036,854,775,807): compute it as a decimal, e.g. SUM(CAST(x AS DECIMAL(38, 0))), whose column is decimal(38,0)');
    // strata refresh fails the same way, and leaves nothing in staging (its empty output folder was: an attack, stop 51).
    await expect(refresh(lake, 'g', true)).rejects.toThrow(/A value passed what a bigint holds/);
    expect(existsSync(join(lake.dir, 'staging'))).toBe(false);
    await lake.cleanup();
    lake = await makeLake({ t: schema('SUM(CAST(big AS DECIMAL(38, 0)))') });
    expect((await lake.ingest('t', await lake.file('a.csv', rows))).record.status).toBe('SUCCEEDED');
    expect(await lake.query('SELECT CAST(s AS VARCHAR) AS s FROM gold.g')).toEqual([{ s: '18446744073709551614' }]);
  });
});

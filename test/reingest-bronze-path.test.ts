// A file of the lake's own bronze folder given to strata ingest is that bronze object, not a new one: strata doctor
// names such paths ("ingesting them again is SKIPPED"), and `strata put` and `strata dev` keep objects under folders
// (bronze/<dataset>/_objects/<id>/2026/12/07/07/<name>). strata ingest copied it to a new object named by its base
// name, whose source silver did not hold, and appended every row again (an attack, stop 53).
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({ clicks: 'dataset: clicks\nsource: { format: jsonl }\ncolumns:\n  - { name: click_id, type: bigint, required: true }\nrejects: { maxRatio: 1 }\n' });
});
afterAll(async () => { await lake?.cleanup(); });

const count = async () => (await lake.query<{ n: number }>('SELECT count(*)::INT AS n FROM silver.clicks'))[0]!.n;

describe('strata ingest of a path in the lake\'s own bronze', () => {
  it('an object kept under folders (as put and dev keep them): SKIPPED, silver unchanged', async () => {
    const first = await lake.ingest('clicks', await lake.file('a.jsonl', '{"click_id":1}\n{"click_id":2}\n{"click_id":"x"}\n'), { name: '2026/12/07/07/fh-1.jsonl' });
    expect(first.record).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2, rowsQuarantined: 1 });
    const key = first.record.source.key;
    expect(key).toMatch(/^bronze\/clicks\/_objects\/\w+\/2026\/12\/07\/07\/fh-1\.jsonl$/);
    const again = await lake.ingest('clicks', join(lake.dir, key));
    expect(again.record).toMatchObject({ status: 'SKIPPED', source: { key } });
    expect(await count()).toBe(2);
    expect((await lake.query<{ n: number }>('SELECT count(*)::INT AS n FROM quarantine.clicks'))[0]!.n).toBe(1);
  });

  it('a file dropped in bronze/<dataset>/ (strata dev\'s name for it): the same object as dev keeps, SKIPPED the second time', async () => {
    const dropped = join(lake.dir, 'bronze', 'clicks', 'drop', 'b.jsonl');
    await mkdir(dirname(dropped), { recursive: true });
    await copyFile(await lake.file('b.jsonl', '{"click_id":3}\n'), dropped);
    const first = await lake.ingest('clicks', dropped);
    expect(first.record.source.key).toMatch(/^bronze\/clicks\/_objects\/\w+\/drop\/b\.jsonl$/);
    expect(first.record.status).toBe('SUCCEEDED');
    expect((await lake.ingest('clicks', dropped)).record.status).toBe('SKIPPED');
    expect(await count()).toBe(3);
  });
});

// --lake naming a file: strata's own words and the way back, not the file system's ENOTDIR (newcomer's trial, stop 48).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { strataMain } from './helpers/cli.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterEach(async () => { await lake?.cleanup(); lake = undefined; });

describe('--lake', () => {
  it('a file is refused by name, with the way back', async () => {
    lake = await makeLake({ v: 'dataset: v\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n' });
    const file = join(lake.root, 'not-a-lake');
    await writeFile(file, 'x');
    const r = await strataMain(lake.root, 'ingest', 'v', await lake.file('a.csv', 'id\n1\n'), '--lake', file, '--schemas', join(lake.root, 'schemas'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Strata.InvalidInput: ${file} is a file, not a lake's folder: name a folder with --lake <dir> (or STRATA_LAKE), a new one or a lake\n`);
  });
});

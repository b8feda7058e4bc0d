// JSON lines of hundreds of KB each, within a function's memory: the parse of a record is kept until its chunk ends,
// and the relation parsed each record once per mention of a column in a pushed-down filter (the keys' sample: six
// parses) and the quarantine's literals ten times per field. 20 lines of 1.5 to 3 MB, 7 of them bad, ran out of
// 796 MB (an attack, stop 45); here 20 lines of 400 KB ran out of the 230 MB of lambda.memory 512. The check for a
// declared field given twice parsed each record once more per declared field (an attack, stop 47).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({
    j: 'dataset: j\nsource: { format: jsonl }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: text, type: string }\nrejects: { maxRatio: 1 }\nlambda: { memory: 512 }\n',
    // 31 declared fields: the check for a field given twice once parsed each record once per field.
    wide: `dataset: wide\nsource: { format: jsonl }\ncolumns:\n  - { name: id, type: int, required: true }\n${Array.from({ length: 30 }, (_, k) => `  - { name: f${k}, type: string }\n`).join('')}rejects: { maxRatio: 1 }\nlambda: { memory: 512 }\n`,
  });
});
afterAll(async () => { await lake?.cleanup(); });

describe('JSON lines of hundreds of KB', () => {
  it('a record of 100,000 keys naming its id twice is quarantined within lambda.memory 512, whatever the number of declared fields (an attack, stop 47)', async () => {
    const keys = Array.from({ length: 100_000 }, (_, k) => `"k${k}":1`).join(',');
    const lines = [`{"id":1,"id":2,${keys}}`, `{"id":3,${keys}}`, `{"id":4,${keys}}`];
    const { record } = await lake.ingest('wide', await lake.file('keys.jsonl', `${lines.join('\n')}\n`));
    expect(record.status, record.error?.message).toBe('SUCCEEDED');
    expect(record).toMatchObject({ rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });
    const q = await lake.query<{ message: string }>(`SELECT reasons[1].message AS message FROM quarantine.wide WHERE run_id = '${record.runId}'`);
    expect(q).toEqual([{ message: expect.stringMatching(/^key "id" appears more than once in the object/) }]);
  });

  it('20 lines of 400 KB, 7 of them bad, are read within lambda.memory 512: each record parsed a bounded number of times', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: i % 3 ? i : `x${i}`, text: 'y'.repeat(400_000), tags: Array.from({ length: 20 }, (_, k) => k) }));
    const { record } = await lake.ingest('j', await lake.file('big.jsonl', `${lines.join('\n')}\n`));
    expect(record.status, record.error?.message).toBe('SUCCEEDED');
    expect(record).toMatchObject({ rowsIn: 20, rowsValid: 13, rowsQuarantined: 7 });
    const q = await lake.query<{ n: number; len: number }>(`SELECT count(*) AS n, min(length(raw)) AS len FROM quarantine.j WHERE run_id = '${record.runId}'`);
    expect(q).toEqual([{ n: 7, len: lines[0]!.length }]);
  });
});

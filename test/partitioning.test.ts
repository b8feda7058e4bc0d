// Partition layout (core/plan/partitioning.ts) without a pipeline around it: folder names of values (escaping and
// back), each transform's value computed by its DuckDB expression on real DuckDB, and the byte limits of folder names
// and of a row's partition folders together, evaluated on rows sitting exactly on and one byte over each limit.
// Expected values are written by hand from the rules (Hive percent-encoding, S3 key and NAME_MAX limits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec, PartitionSpec } from '../core/schema/model.ts';
import type { LogicalType } from '../core/schema/types.ts';
import {
  escapePartitionValue, parsePartitionPath, partitionPath, partitionValueProblems, planPartition, unescapePartitionValue, type PlannedPartition,
} from '../core/plan/partitioning.ts';
import { Duck } from '../runtime/engine/duckdb.ts';

const column = (name: string, type: LogicalType): ColumnSpec => ({ name, typeText: type.name, type, from: name, required: false });
const plan = (name: string, col: ColumnSpec, transform: PartitionSpec['transform'] = 'identity'): PlannedPartition =>
  planPartition({ name, column: col.name, transform }, col);

let db: Duck;
beforeAll(async () => { db = await Duck.session(); });
afterAll(() => db?.release());

describe('partition folder names', () => {
  it('percent-encodes every byte outside [A-Za-z0-9._-], upper-case hex, ! \' ( ) * ~ included; NULL is Hive\'s default partition', () => {
    expect(escapePartitionValue('a-Z_0.9')).toBe('a-Z_0.9');
    expect(escapePartitionValue("it's (x)*~!")).toBe('it%27s%20%28x%29%2A%7E%21');
    expect(escapePartitionValue('a/b')).toBe('a%2Fb');
    expect(escapePartitionValue('..')).toBe('..'); // a folder name of its own only with "dt=" before it
    expect(escapePartitionValue('é')).toBe('%C3%A9');
    expect(escapePartitionValue('')).toBe('');
    expect(escapePartitionValue(null)).toBe('__HIVE_DEFAULT_PARTITION__');
  });

  it('reads folder names back exactly', () => {
    for (const v of ["it's (x)*~!", 'a/b', 'é', '', '%41', 'dt=x']) expect(unescapePartitionValue(escapePartitionValue(v))).toBe(v);
    expect(unescapePartitionValue('__HIVE_DEFAULT_PARTITION__')).toBeNull();
    expect(unescapePartitionValue('x%2Ay')).toBe('x*y');
  });

  it('a path is name=value per key in order; parsing splits at the first = of each folder', () => {
    expect(partitionPath(['dt', 'rg'], ['2025-06-15', 'a=b/c'])).toBe('dt=2025-06-15/rg=a%3Db%2Fc');
    expect(partitionPath(['dt', 'rg'], ['2025-06-15', null])).toBe('dt=2025-06-15/rg=__HIVE_DEFAULT_PARTITION__');
    expect(partitionPath(['dt'], [])).toBe('dt=__HIVE_DEFAULT_PARTITION__');
    expect(partitionPath([], [])).toBe('');
    expect(parsePartitionPath('dt=2025-06-15/rg=a%3Db%2Fc/')).toEqual([['dt', '2025-06-15'], ['rg', 'a=b/c']]);
    expect(parsePartitionPath('rg=__HIVE_DEFAULT_PARTITION__')).toEqual([['rg', null]]);
    expect(parsePartitionPath('')).toEqual([]);
  });
});

describe('partition values by transform', () => {
  it('each transform\'s DuckDB expression gives the value by hand: 2025-03-07 13:45:09', async () => {
    const ts = column('at', { name: 'timestamp' });
    const parts = { y: plan('y', ts, 'year'), m: plan('m', ts, 'month'), d: plan('d', ts, 'day'), h: plan('h', ts, 'hour') };
    const sql = Object.entries(parts).map(([k, p]) => `${p.duckdb} AS ${k}`).join(', ');
    expect(await db.all(`SELECT ${sql} FROM (SELECT TIMESTAMP '2025-03-07 13:45:09' AS at)`)).toEqual([{ y: 2025, m: '2025-03', d: '2025-03-07', h: '2025-03-07-13' }]);
    expect(Object.values(parts).map((p) => [p.type.name, p.duckdbType, p.glueType])).toEqual([
      ['int', 'INTEGER', 'int'], ['string', 'VARCHAR', 'string'], ['string', 'VARCHAR', 'string'], ['string', 'VARCHAR', 'string'],
    ]);
    // Athena (Trino) formats the same values with date_format's MySQL-style patterns.
    expect(Object.values(parts).map((p) => p.athena)).toEqual([
      'year("at")', `date_format("at", '%Y-%m')`, `date_format("at", '%Y-%m-%d')`, `date_format("at", '%Y-%m-%d-%H')`,
    ]);
  });

  it('identity keeps the column and its type', () => {
    const p = plan('rg', column('region', { name: 'string' }));
    expect(p).toEqual({ name: 'rg', column: 'region', transform: 'identity', type: { name: 'string' }, duckdbType: 'VARCHAR', glueType: 'string', duckdb: '"region"', athena: '"region"' });
  });
});

describe('partition values that cannot be folder names', () => {
  type Verdict = { problem: number; value: string; message: string };
  /** Which problems each row has: (row, index of the problem in partitionValueProblems' list, value, message). */
  async function verdicts(parts: PlannedPartition[], rows: Array<Record<string, string | null>>): Promise<Array<Verdict[]>> {
    const problems = partitionValueProblems(parts);
    const cols = [...new Set(parts.map((p) => p.column))];
    const values = rows.map((r, i) => `(${[i, ...cols.map((c) => (r[c] === null || r[c] === undefined ? 'NULL::VARCHAR' : `'${r[c]!.replace(/'/g, "''")}'`))].join(', ')})`).join(', ');
    const checks = problems.map((p, i) => `CASE WHEN ${p.when} THEN {'problem': ${i}, 'value': ${p.value}, 'message': ${p.message}} END`).join(', ');
    const out = await db.all<{ v: Array<Verdict | null> }>(`SELECT [${checks}] AS v FROM (VALUES ${values}) AS t(i, ${cols.map((c) => `"${c}"`).join(', ')}) ORDER BY i`);
    return out.map((r) => r.v.filter((x): x is Verdict => x !== null));
  }

  it('one string partition: control characters, the empty string, Hive\'s NULL name, and a folder name over 251 bytes percent-encoded', async () => {
    const rg = plan('rg', column('region', { name: 'string' }));
    expect(partitionValueProblems([rg]).length).toBe(4);
    // rg= is 3 bytes: 248 plain bytes make 251 (fits), 249 make 252; "é" is 2 bytes, 6 encoded: 41 of them + "ab" = 251.
    const v = await verdicts([rg], [
      { region: 'a'.repeat(248) }, { region: 'a'.repeat(249) }, { region: `${'é'.repeat(41)}ab` }, { region: `${'é'.repeat(41)}abc` },
      { region: 'tab\there' }, { region: 'del\u007f' }, { region: '__HIVE_DEFAULT_PARTITION__' }, { region: null }, { region: 'fine' }, { region: '' },
    ]);
    expect(v.map((r) => r.map((x) => x.problem))).toEqual([[], [3], [], [3], [0], [0], [2], [], [], [1]]);
    expect(v[9]![0]!.message).toBe('partition rg: the empty string makes the folder name "rg=", which Hive and Athena read as NULL; a partition value cannot be empty');
    expect(v[1]![0]!.message).toBe('partition rg: the value (249 characters) makes a folder name of 252 bytes percent-encoded; at most 251 fit (folder names hold 255 bytes)');
    expect(v[3]![0]!.message).toBe('partition rg: the value (44 characters) makes a folder name of 252 bytes percent-encoded; at most 251 fit (folder names hold 255 bytes)');
    expect(v[4]![0]).toEqual({ problem: 0, value: '"tab\\there"', message: 'partition rg: "tab\\there" has a control character (U+0000-U+001F or U+007F), which a partition value cannot hold' });
    expect(v[6]![0]!.message).toBe('partition rg: "__HIVE_DEFAULT_PARTITION__" is the folder name Hive gives NULL; as a value it would share the NULL partition\'s folder');
  });

  it('several string partitions: their folders together may take 768 bytes of the S3 key, counted with the other partitions at 32 bytes', async () => {
    const ts = column('at', { name: 'timestamp' });
    const parts = [plan('dt', ts, 'day'), ...['a', 'b', 'c'].map((n) => plan(n, column(n, { name: 'string' })))];
    const problems = partitionValueProblems(parts);
    expect(problems.length).toBe(3 * 4 + 1);
    // By hand: dt counts 2 + 4 (staging's "__p_") + 32 = 38; each string partition 1 + 4 + 2 ("=" and "/") = 7 plus its
    // encoded value: 38 + 21 + a + b + c ≤ 768, so the values may take 709 bytes together; NULL counts as 26.
    const x = (n: number) => 'x'.repeat(n);
    const v = await verdicts(parts, [
      { at: null, a: x(249), b: x(249), c: x(211) }, // 709: fits
      { at: null, a: x(249), b: x(249), c: x(212) }, // 710: one over
      { at: null, a: x(249), b: x(249), c: null }, // 524: fits
      { at: null, a: x(249), b: `${'é'.repeat(41)}ab`, c: x(211) }, // é encodes to 6 bytes: 249 + 248 + 211 = 708
    ]);
    expect(v.map((r) => r.map((p) => p.problem))).toEqual([[], [12], [], []]);
    expect(v[1]![0]!.message).toBe('partitions a, b, c: their folders take 769 bytes percent-encoded; at most 768 fit in an S3 key (1024 bytes) with the table, version and file names');
    expect(v[1]![0]!.value).toBe(`${x(200)}`);
  });

  it('time, year and non-string identity partitions have no problems to check', () => {
    const ts = column('at', { name: 'timestamp' });
    expect(partitionValueProblems([plan('y', ts, 'year'), plan('dt', ts, 'day'), plan('n', column('n', { name: 'bigint' }))])).toEqual([]);
  });
});

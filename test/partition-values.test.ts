// Partition values that cannot be folder names: Hive's NULL folder name, control characters, names longer than a
// file system or an S3 key allows. Each such row is quarantined with the reason; the rest of the file commits, the
// NULL partition keeps only NULLs, and the table stays readable.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../runtime/runs/record.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';
import { withDuck } from '../runtime/engine/duckdb.ts';
import { folderValueProblem, folderValueProblemOf } from '../core/plan/partitioning.ts';
import { str } from '../core/sql/quote.ts';

const events = (dataset: string, format: 'csv' | 'jsonl') => `dataset: ${dataset}
source: { format: ${format} }
columns:
  - { name: id, type: bigint, required: true }
  - { name: region, type: string }
partitionBy:
  - { name: rg, column: region }
rejects: { maxRatio: 1 }
`;

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({ ev: events('ev', 'csv'), evj: events('evj', 'jsonl'), other: events('other', 'csv') });
});
afterAll(async () => { await lake?.cleanup(); });

let n = 0;
async function ingest(dataset: string, content: string): Promise<RunRecord> {
  const { record } = await lake.ingest(dataset, await lake.file(`${dataset}-${++n}.${dataset === 'evj' ? 'jsonl' : 'csv'}`, content));
  expect(record.rowsIn).toBe(record.rowsValid + record.rowsQuarantined);
  return record;
}

type Reason = { column: string; rule: string; value: string; message: string };
const quarantined = (dataset: string, runId: string) =>
  lake.query<{ record: number; reasons: Reason[] }>(`SELECT record, reasons FROM quarantine.${dataset} WHERE run_id = '${runId}' ORDER BY record`);

/** A value as a folder name, written here from the rule: percent-encode every UTF-8 byte outside [A-Za-z0-9._-]. */
const encode = (v: string) => [...Buffer.from(v, 'utf8')].map((b) => (/[A-Za-z0-9._-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
const folderBytes = (name: string, v: string) => Buffer.byteLength(`${name}=${encode(v)}`);

describe('partition values that cannot be folder names', () => {
  it('NULL and the literal __HIVE_DEFAULT_PARTITION__: the NULL keeps its folder alone, the literal is quarantined, the table stays readable', async () => {
    const r = await ingest('ev', 'id,region\n1,\n2,__HIVE_DEFAULT_PARTITION__\n3,x\n');
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });
    expect(await quarantined('ev', r.runId)).toEqual([{ record: 2, reasons: [{
      column: 'region', rule: 'partition', value: '__HIVE_DEFAULT_PARTITION__',
      message: 'partition rg: "__HIVE_DEFAULT_PARTITION__" is the folder name Hive gives NULL; as a value it would share the NULL partition\'s folder',
    }] }]);
    expect(await lake.query('SELECT id, region, rg FROM silver.ev ORDER BY id')).toEqual([{ id: 1, region: null, rg: null }, { id: 3, region: 'x', rg: 'x' }]);
    // Again, with the literal alone: nothing reaches the NULL folder but NULLs.
    const again = await ingest('ev', 'id,region\n4,__HIVE_DEFAULT_PARTITION__\n5,\n');
    expect(again).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1, rowsQuarantined: 1 });
    expect(await lake.query(`SELECT list(id ORDER BY id) AS ids FROM silver.ev WHERE rg IS NULL`)).toEqual([{ ids: [1, 5] }]);
    expect(await lake.query(`SELECT count(*) AS n FROM silver.ev`)).toEqual([{ n: 3 }]);
  });

  it('the empty string is quarantined: its folder rg= is NULL to Hive and Athena (an attack, stop 48: a CSV "" reached one)', async () => {
    const r = await ingest('ev', 'id,region\n7,""\n8,\n');
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1, rowsQuarantined: 1 });
    expect(await quarantined('ev', r.runId)).toEqual([{ record: 1, reasons: [{ column: 'region', rule: 'partition', value: '',
      message: 'partition rg: the empty string makes the folder name "rg=", which Hive and Athena read as NULL; a partition value cannot be empty' }] }]);
    expect(existsSync(join(lake.dir, 'silver', 'ev', 'rg='))).toBe(false);
  });

  it('a 300-character value: that row is quarantined with the folder name\'s size, the rest commits, no staging is left', async () => {
    const long = 'r'.repeat(300);
    const r = await ingest('ev', `id,region\n6,${long}\n7,ok\n`);
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsIn: 2, rowsValid: 1, rowsQuarantined: 1 });
    expect((await quarantined('ev', r.runId))[0]!.reasons).toEqual([{
      column: 'region', rule: 'partition', value: 'r'.repeat(200),
      message: 'partition rg: the value (300 characters) makes a folder name of 303 bytes percent-encoded; at most 251 fit (folder names hold 255 bytes)',
    }]);
    expect(await lake.query(`SELECT id FROM silver.ev WHERE rg = 'ok'`)).toEqual([{ id: 7 }]);
    expect(existsSync(join(lake.dir, 'staging', 'ev')) ? readdirSync(join(lake.dir, 'staging', 'ev')) : []).toEqual([]);
  });

  it('the limit is on bytes once percent-encoded: 248 plain bytes fit in rg=…, 249 do not; 41 é (6 bytes each) + 2 do, 3 do not', async () => {
    const fits = ['a'.repeat(248), `${'é'.repeat(41)}ab`];
    const over = ['a'.repeat(249), `${'é'.repeat(41)}abc`];
    expect(fits.map((v) => folderBytes('rg', v))).toEqual([251, 251]);
    expect(over.map((v) => folderBytes('rg', v))).toEqual([252, 252]);
    const r = await ingest('ev', `id,region\n${[...fits, ...over].map((v, i) => `${100 + i},${v}`).join('\n')}\n`);
    expect(r).toMatchObject({ rowsValid: 2, rowsQuarantined: 2 });
    expect((await quarantined('ev', r.runId)).map((q) => q.record)).toEqual([3, 4]);
    expect(await lake.query(`SELECT id, region FROM silver.ev WHERE id >= 100 ORDER BY id`)).toEqual([{ id: 100, region: fits[0] }, { id: 101, region: fits[1] }]);
  });

  it('NUL and other control characters are quarantined, shown escaped; every other table and select 1 keep working', async () => {
    await ingest('other', 'id,region\n1,de\n');
    const r = await ingest('evj', `${JSON.stringify({ id: 1, region: 'a\u0000b' })}\n${JSON.stringify({ id: 2, region: 'tab\there' })}\n${JSON.stringify({ id: 3, region: 'line\nbreak' })}\n${JSON.stringify({ id: 4, region: 'fine' })}\n`);
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsIn: 4, rowsValid: 1, rowsQuarantined: 3 });
    expect((await quarantined('evj', r.runId)).map((q) => q.reasons.map((x) => x.message))).toEqual([
      ['partition rg: "a\\u0000b" has a control character (U+0000-U+001F or U+007F), which a partition value cannot hold'],
      ['partition rg: "tab\\there" has a control character (U+0000-U+001F or U+007F), which a partition value cannot hold'],
      ['partition rg: "line\\nbreak" has a control character (U+0000-U+001F or U+007F), which a partition value cannot hold'],
    ]);
    expect(await lake.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await lake.query('SELECT id, rg FROM silver.evj')).toEqual([{ id: 4, rg: 'fine' }]);
    expect(await lake.query('SELECT id, rg FROM silver.other')).toEqual([{ id: 1, rg: 'de' }]);
  });

  it('! \' ( ) * ~ are percent-encoded in folder names too (encodeURIComponent leaves them), and read back exactly', async () => {
    const values = ["it's", '(a)', 'x*y', '~home', 'hi!'];
    const r = await ingest('evj', values.map((v, i) => JSON.stringify({ id: 200 + i, region: v })).join('\n') + '\n');
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsIn: 5, rowsValid: 5 });
    // By hand: ' 27, ( 28, ) 29, * 2A, ~ 7E, ! 21.
    const folders = ['rg=it%27s', 'rg=%28a%29', 'rg=x%2Ay', 'rg=%7Ehome', 'rg=hi%21'];
    expect([...r.partitions].sort()).toEqual([...folders].sort());
    for (const f of folders) expect(existsSync(join(lake.dir, 'silver', 'evj', f)), f).toBe(true);
    expect(await lake.query(`SELECT id, region, rg FROM silver.evj WHERE id BETWEEN 200 AND 204 ORDER BY id`))
      .toEqual(values.map((v, i) => ({ id: 200 + i, region: v, rg: v })));
  });

  it('property: any string is either in silver exactly, in a folder named by its encoding, or quarantined for its partition value', async () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc.string({ unit: 'binary-ascii', minLength: 200, maxLength: 300 }),
      fc.constantFrom('__HIVE_DEFAULT_PARTITION__', '', ' ', '%00', '..', 'a/b', '\u007f', '\u0085', "it's (x)*~!"),
      // A leading byte-order mark: a decoder that drops it reads another value (the NULL folder's name, for the first).
      fc.oneof(fc.constantFrom('', '__HIVE_DEFAULT_PARTITION__', 'x'), fc.string({ unit: 'binary', maxLength: 20 })).map((v) => `\ufeff${v}`),
      fc.constant(null),
    );
    let base = 1000;
    await fc.assert(fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 40 }), async (values) => {
      const ids = values.map((_, i) => base + i);
      base += values.length;
      const r = await ingest('evj', values.map((v, i) => JSON.stringify({ id: ids[i], region: v })).join('\n') + '\n');
      // Expected outcome per value, from the rule as documented (not from the production predicate).
      const bad = (v: string | null) => v !== null && (v === '' || /[\u0000-\u001f\u007f]/.test(v) || v === '__HIVE_DEFAULT_PARTITION__' || folderBytes('rg', v) > 251);
      const q = await quarantined('evj', r.runId);
      expect(q.map((x) => ids[x.record - 1])).toEqual(ids.filter((_, i) => bad(values[i]!)));
      for (const x of q) expect(x.reasons.map((y) => y.rule)).toContain('partition');
      const paths = new Set((await lake.query<{ path: string }>(`SELECT path FROM strata.partitions WHERE table_name = 'evj'`)).map((p) => p.path));
      for (const v of values.filter((x) => !bad(x))) {
        const path = `rg=${v === null ? '__HIVE_DEFAULT_PARTITION__' : encode(v)}`;
        expect(paths.has(path), path).toBe(true);
        expect(existsSync(join(lake.dir, 'silver', 'evj', path)), path).toBe(true);
      }
      const silver = await lake.query<{ id: number; region: string | null }>(`SELECT id, region FROM silver.evj WHERE id BETWEEN ${ids[0]} AND ${ids.at(-1)} ORDER BY id`);
      expect(silver).toEqual(ids.flatMap((id, i) => (bad(values[i]!) ? [] : [{ id, region: values[i] ?? null }])));
    }), { seed: 12, numRuns: 4 });
  });

  it('property: the check of a value in hand (the Athena engine\'s, before its UNLOADs) says what the SQL check (the DuckDB engine\'s) says, word for word, for any string', async () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc.string({ unit: 'binary-ascii', minLength: 200, maxLength: 300 }),
      fc.string({ unit: fc.constantFrom('é', 'a', '-', ' ', '€', '😀'), minLength: 30, maxLength: 90 }),
      fc.constantFrom('__HIVE_DEFAULT_PARTITION__', '', ' ', '%00', 'a/b', "it's (x)*~!"),
    );
    await fc.assert(fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 30 }), fc.constantFrom('who', 'région'), async (values, name) => {
      const sql = await withDuck((db) => db.all<{ why: string | null }>(`SELECT ${folderValueProblem(name, 'v')} AS why FROM (SELECT unnest(from_json(${str(JSON.stringify(values))}, '["VARCHAR"]')) AS v, generate_subscripts(from_json(${str(JSON.stringify(values))}, '["VARCHAR"]'), 1) AS i) ORDER BY i`));
      expect(values.map((v) => folderValueProblemOf(name, v) ?? null)).toEqual(sql.map((r) => r.why));
      // And both agree with the rule as documented (hand-made: Hive's NULL folder, the empty string, 251 bytes encoded).
      expect(values.map((v) => folderValueProblemOf(name, v) !== undefined)).toEqual(values.map((v) => v === '' || v === '__HIVE_DEFAULT_PARTITION__' || folderBytes(name, v) > 251));
    }), { seed: 49, numRuns: 40 });
  });
});

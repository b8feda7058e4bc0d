// Every Parquet file an example run writes, read back with an independent reader (hyparquet), must hold exactly
// the types its Glue table declares, in a form Athena engine v3 reads: no INT96, UUID, unsigned, TIME, INTERVAL,
// micro/nanosecond timestamps, and no BROTLI.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GlueTableInput } from '../core/plan/glue-table.ts';
import { prepareDemoInputs } from '../cli/commands/demo.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

type Element = { name: string; type?: string; converted_type?: string; logical_type?: { type: string; unit?: string }; precision?: number; scale?: number; num_children?: number; repetition_type?: string };

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake(Object.fromEntries(['airports', 'flights', 'movies'].map((d) => [d, readFileSync(`schemas/${d}.yaml`, 'utf8')])));
  const inputs = await prepareDemoInputs(join(lake.root, 'demo-input'));
  for (const [d, f] of [['airports', inputs.airports], ['flights', inputs.flights[0]!], ['flights', inputs.flights[1]!], ['movies', inputs.movies]] as const) {
    expect((await lake.ingest(d, f)).record.status).toBe('SUCCEEDED');
  }
});
afterAll(() => lake?.cleanup());

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.parquet')).map((e) => join(e.parentPath, e.name));
}

function metadataOf(file: string) {
  const b = readFileSync(file);
  return parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
}

/** What a Glue/Hive type must be written as. */
function expectedFor(glueType: string): (e: Element) => boolean {
  const dec = /^decimal\((\d+),(\d+)\)$/.exec(glueType);
  if (dec) return (e) => e.converted_type === 'DECIMAL' && e.precision === Number(dec[1]) && e.scale === Number(dec[2]) && ['INT32', 'INT64', 'FIXED_LEN_BYTE_ARRAY'].includes(e.type!);
  switch (glueType) {
    case 'string': return (e) => e.type === 'BYTE_ARRAY' && e.converted_type === 'UTF8';
    case 'boolean': return (e) => e.type === 'BOOLEAN';
    case 'int': return (e) => e.type === 'INT32' && (e.converted_type === undefined || e.converted_type === 'INT_32');
    case 'bigint': return (e) => e.type === 'INT64' && (e.converted_type === undefined || e.converted_type === 'INT_64');
    case 'double': return (e) => e.type === 'DOUBLE';
    case 'float': return (e) => e.type === 'FLOAT';
    case 'date': return (e) => e.type === 'INT32' && e.converted_type === 'DATE';
    case 'timestamp': return (e) => e.type === 'INT64' && e.converted_type === 'TIMESTAMP_MILLIS';
    default: return () => false;
  }
}

function checkFile(file: string, glue: GlueTableInput): string[] {
  const md = metadataOf(file);
  const problems: string[] = [];
  const where = relative(lake.dir, file);
  const declared = new Map([...glue.StorageDescriptor.Columns, ...glue.PartitionKeys].map((c) => [c.Name, c.Type]));
  const top: Element[] = [];
  const schema = md.schema as Element[];
  // Top-level columns: walk the flattened schema tree.
  let i = 1;
  while (i < schema.length) {
    const e = schema[i]!;
    top.push(e);
    let skip = 1;
    let pending = e.num_children ?? 0;
    while (pending > 0) { pending += (schema[i + skip]!.num_children ?? 0) - 1; skip++; }
    i += skip;
  }
  for (const e of schema) {
    if (e.type === 'INT96') problems.push(`${where}: ${e.name} is INT96`);
    if (e.logical_type?.type === 'UUID' || e.logical_type?.type === 'INTERVAL') problems.push(`${where}: ${e.name} is ${e.logical_type.type}`);
    if (/^UINT_|^TIME_|^TIMESTAMP_MICROS$|^INTERVAL$/.test(e.converted_type ?? '')) problems.push(`${where}: ${e.name} is ${e.converted_type}`);
    if (e.logical_type?.type === 'TIMESTAMP' && e.logical_type.unit !== 'MILLIS') problems.push(`${where}: ${e.name} is a ${e.logical_type.unit} timestamp`);
  }
  for (const e of top) {
    const t = declared.get(e.name);
    if (t === undefined) { problems.push(`${where}: column ${e.name} is not in the Glue table`); continue; }
    if (t.startsWith('array<')) {
      if (e.converted_type !== 'LIST') problems.push(`${where}: ${e.name} should be a LIST for ${t}`);
      continue;
    }
    if (!expectedFor(t)(e)) problems.push(`${where}: ${e.name} is ${e.type}/${e.converted_type ?? '-'}, Glue says ${t}`);
  }
  for (const name of declared.keys()) if (!top.some((e) => e.name === name)) problems.push(`${where}: Glue column ${name} missing from the file`);
  for (const rg of md.row_groups) for (const c of rg.columns) {
    if (!['ZSTD', 'SNAPPY', 'UNCOMPRESSED'].includes(String(c.meta_data?.codec))) problems.push(`${where}: codec ${c.meta_data?.codec}`);
  }
  return problems;
}

describe('Parquet written by strata, as Athena will read it', () => {
  it('silver, gold and quarantine files match their Glue definitions exactly', () => {
    let checked = 0;
    const problems: string[] = [];
    for (const p of lake.plans) {
      for (const f of files(join(lake.dir, 'silver', p.dataset))) { problems.push(...checkFile(f, p.tables.silver)); checked++; }
      for (const f of files(join(lake.dir, 'quarantine', p.dataset))) { problems.push(...checkFile(f, p.tables.quarantine)); checked++; }
    }
    for (const g of lake.gold) {
      for (const f of files(join(lake.dir, 'gold', g.table))) { problems.push(...checkFile(f, g.glue)); checked++; }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(100);
    expect(lake.gold.map((g) => g.table).sort()).toEqual(['daily_delays', 'genre_box_office']);
    expect(files(join(lake.dir, 'quarantine', 'movies')).filter((f) => !f.includes('/_strata/'))).toHaveLength(1); // (and the committed run's marker, checked too)
  });
});

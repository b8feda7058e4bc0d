// Parquet files DuckDB does not write, for tests of what strata does with them: written with parquetjs-lite, their
// footers patched as other writers write them (Arrow's decimal256, pandas' tz-aware nanosecond timestamps, Impala's
// INT96). Test code only.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import parquet from 'parquetjs-lite';

const require = createRequire(import.meta.url);
const util = require('parquetjs-lite/lib/util') as { serializeThrift: (o: unknown) => Buffer };
const T = require('parquetjs-lite/gen-nodejs/parquet_types.js') as Record<string, any>;

/** Write rows {id, v} with `v`'s schema element changed by `patch` as the footer is written. */
async function withPatchedFooter(path: string, vType: Record<string, unknown>, rows: Array<{ id: bigint; v: unknown }>, patch: (e: Record<string, any>) => void): Promise<void> {
  const orig = util.serializeThrift;
  util.serializeThrift = (obj: any) => {
    if (obj && Array.isArray(obj.schema)) for (const e of obj.schema) if (e.name === 'v') patch(e);
    return orig(obj);
  };
  try {
    const w = await parquet.ParquetWriter.openFile(new parquet.ParquetSchema({ id: { type: 'INT64' }, v: vType as { type: string } }), path);
    for (const r of rows) await w.appendRow(r);
    await w.close();
  } finally {
    util.serializeThrift = orig;
  }
}

/** A DECIMAL(precision, scale) column `v` as FIXED_LEN_BYTE_ARRAY of `length` bytes (big-endian two's complement), from unscaled values. */
export async function writeWideDecimal(path: string, precision: number, scale: number, length: number, unscaled: bigint[]): Promise<void> {
  const be = (x: bigint) => {
    const b = Buffer.alloc(length);
    let v = x < 0n ? (1n << BigInt(length * 8)) + x : x;
    for (let i = length - 1; i >= 0; i--) { b[i] = Number(v & 0xffn); v >>= 8n; }
    return b;
  };
  await withPatchedFooter(path, { type: 'FIXED_LEN_BYTE_ARRAY', typeLength: length }, unscaled.map((u, i) => ({ id: BigInt(i + 1), v: be(u) })),
    (e) => { e.converted_type = 5; e.precision = precision; e.scale = scale; });
}

/** A TIMESTAMP(NANOS, isAdjustedToUTC) column `v` from nanoseconds since the epoch (pyarrow's timestamp[ns, tz]). */
export async function writeNanosTimestamp(path: string, adjustedToUtc: boolean, ns: bigint[]): Promise<void> {
  const unitWrite = T.TimeUnit.prototype.write;
  T.TimeUnit.prototype.write = function write(this: any, output: any) {
    if (!this.NANOS) return unitWrite.call(this, output);
    output.writeStructBegin('TimeUnit');
    output.writeFieldBegin('NANOS', 12, 3);
    output.writeStructBegin('NanoSeconds');
    output.writeFieldStop();
    output.writeStructEnd();
    output.writeFieldEnd();
    output.writeFieldStop();
    output.writeStructEnd();
  };
  try {
    await withPatchedFooter(path, { type: 'INT64' }, ns.map((v, i) => ({ id: BigInt(i + 1), v })), (e) => {
      const unit = new T.TimeUnit();
      unit.NANOS = true;
      e.logicalType = new T.LogicalType({ TIMESTAMP: new T.TimestampType({ isAdjustedToUTC: adjustedToUtc, unit }) });
    });
  } finally {
    T.TimeUnit.prototype.write = unitWrite;
  }
}

/** An INT96 column `v` (Impala's timestamps: nanoseconds of the day, then the Julian day), one row per [julianDay, nsOfDay]. */
export async function writeInt96(path: string, values: Array<[julianDay: number, nsOfDay: bigint]>): Promise<void> {
  // parquetjs-lite writes an INT96 from a number as 8 bytes of it and 4 of zero: each value is then found and its day set.
  const w = await parquet.ParquetWriter.openFile(new parquet.ParquetSchema({ id: { type: 'INT64' }, v: { type: 'INT96' } }), path);
  for (const [i, [, ns]] of values.entries()) await w.appendRow({ id: BigInt(i + 1), v: Number(ns) });
  await w.close();
  const buf = readFileSync(path);
  for (const [day, ns] of values) {
    const pattern = Buffer.alloc(12);
    pattern.writeBigInt64LE(ns, 0);
    for (let at = buf.indexOf(pattern); at >= 0; at = buf.indexOf(pattern, at + 1)) buf.writeUInt32LE(day, at + 8);
  }
  writeFileSync(path, buf);
}

// Query results as people read and export them: every value exactly as stored. DuckDB's JS conversion turns
// DECIMAL into a double (10.0 → 10, 12345678901234567890.12 → 12345678901234567000) and DATE into a Date at
// midnight; this one keeps numbers as their exact decimal text, dates as YYYY-MM-DD and timestamps as ISO 8601
// UTC with milliseconds. Internal code that wants JS numbers (counts) keeps using Duck.all.
import {
  DuckDBTypeId, arrayFromArrayValue, arrayFromListValue, booleanFromValue, createDuckDBValueConverter, fromVariantValue,
  nullConverter, objectArrayFromMapValue, DuckDBBlobValue, DuckDBDateValue, DuckDBGeometryValue, DuckDBStructType, DuckDBStructValue, DuckDBStructVector,
  DuckDBTimestampMillisecondsValue, DuckDBTimestampNanosecondsValue, DuckDBTimestampSecondsValue, DuckDBTimestampTZValue,
  DuckDBTimestampValue, DuckDBUnionType, DuckDBUnionValue, type DuckDBValue, type DuckDBValueConverter,
} from '@duckdb/node-api';
import { ExactNumber } from './exact-number.ts';
import { Binary32 } from '../../core/dqdl/exact.ts';

export { ExactNumber };


/** An exact value: NULL, a boolean, text (strings, dates, timestamps, NaN and the infinities), a number, or nested. */
export type ExactValue = null | boolean | string | ExactNumber | ExactValue[] | { [key: string]: ExactValue };

/** A double: its shortest round-trip text (JS's, as DuckDB's); -0 keeps its sign; NaN, Infinity, -Infinity as text. */
export function doubleText(v: number): ExactNumber | string {
  if (!Number.isFinite(v)) return String(v);
  return new ExactNumber(Object.is(v, -0) ? '-0' : String(v));
}

/** A float (binary32, handed over as the double of the same value): the shortest text that reads back to it. */
export function floatText(v: number): ExactNumber | string {
  if (!Number.isFinite(v) || v === 0) return doubleText(v);
  for (let p = 1; p < 9; p++) {
    const text = v.toPrecision(p);
    if (Math.fround(Number(text)) === v) return new ExactNumber(String(Number(text)));
  }
  return new ExactNumber(String(Number(v.toPrecision(9))));
}

const NS_PER_MS = 1_000_000n;

/**
 * Nanoseconds since the epoch as ISO 8601 UTC: 2025-06-15T10:00:00.000Z, with digits beyond the millisecond only
 * when there are any (a microsecond timestamp keeps them). Outside the years 0000-9999, DuckDB's own text.
 */
export function isoTimestamp(ns: bigint, fallback: string): string {
  let ms = ns / NS_PER_MS;
  let rest = ns % NS_PER_MS;
  if (rest < 0n) { rest += NS_PER_MS; ms -= 1n; }
  const date = new Date(Number(ms));
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) return fallback;
  const iso = date.toISOString();
  return rest === 0n ? iso : `${iso.slice(0, -1)}${rest.toString().padStart(6, '0').replace(/0+$/, '')}Z`;
}

/** DuckDB's text of an infinite date or timestamp: its stored number is the largest (or smallest) of its type. */
const infinity = (n: bigint | number): string => (n > 0 ? 'infinity' : '-infinity');

/**
 * A timestamp of any precision as ISO 8601 UTC (isoTimestamp); `infinity` and `-infinity` as DuckDB writes them (the
 * client's own text of an infinite TIMESTAMP_S, _MS or _NS is a date 292 billion years away, 2026-12-05).
 */
function timestampText(value: DuckDBValue): string {
  const fallback = String(value);
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return value.isFinite ? isoTimestamp(value.micros * 1000n, fallback) : infinity(value.micros);
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) return value.isFinite ? isoTimestamp(value.millis * NS_PER_MS, fallback) : infinity(value.millis);
  if (value instanceof DuckDBTimestampSecondsValue) return value.isFinite ? isoTimestamp(value.seconds * 1_000_000_000n, fallback) : infinity(value.seconds);
  if (value instanceof DuckDBTimestampNanosecondsValue) return value.isFinite ? isoTimestamp(value.nanos, fallback) : infinity(value.nanos);
  return fallback;
}

/** A DATE as YYYY-MM-DD (DuckDB's text); `infinity` and `-infinity` as DuckDB writes them (the client's: 5881580-07-11). */
function dateText(value: DuckDBValue): string {
  return value instanceof DuckDBDateValue && !value.isFinite ? infinity(value.days) : String(value);
}

/**
 * A BLOB as DuckDB's text of it (BLOB → VARCHAR), which its blob literals read back byte for byte: the printable
 * ASCII characters as they are, and every other byte as \xHH (upper-case hex): the control bytes, bytes from 0x7F,
 * the quotes ' and ", and the backslash. The client's own text leaves a backslash bare, so the byte 0x5C followed by
 * x41 and the byte 0x41 printed alike (attack on query output, stop 42).
 */
export function blobText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
    .replace(/[\x00-\x1f"'\\\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The values of a struct whose fields an object cannot hold by name, in the type's order (the struct vector's getItem below). */
const POSITIONAL = Symbol('strata.positional');
type Positional = DuckDBStructValue & { [POSITIONAL]?: DuckDBValue[] };

/** A struct type whose values print as the list of their fields: unnamed (row(1, 2), (1, 2), row(1): every field named ""), or two fields of one name. */
const listed = (names: readonly string[]): boolean => (names.length > 0 && names.every((n) => n === '')) || new Set(names).size < names.length;

/** Whether an object keyed by field name loses fields of this struct type: a listed one's, or __proto__. */
const unkeyable = (names: readonly string[]): boolean => names.includes('__proto__') || listed(names);

/**
 * A STRUCT as an object with one own property per field, in the type's order, whatever the field's name: the
 * client's converter assigns each (a field named __proto__ set the object's prototype, or was dropped) and finds a
 * field's type by a name lookup in an object (__proto__ found Object.prototype: 'reading typeId'). An unnamed struct
 * (row(1, 2), (1, 2), row(1): every field named "") is the list of its values in order, as an object keeps one value per name
 * (it printed {"": 2}); a column holds one struct type, so it is never mistaken for a LIST of the same column. The
 * values are read by position where names do not tell them apart: see the struct vector's getItem below.
 */
function structObject(value: DuckDBValue, type: unknown, converter: DuckDBValueConverter<ExactValue>): ExactValue {
  if (!(value instanceof DuckDBStructValue) || !(type instanceof DuckDBStructType)) throw new Error('expected a STRUCT value and type');
  const positional = (value as Positional)[POSITIONAL];
  if (listed(type.entryNames)) {
    if (!positional) throw new Error('an unnamed STRUCT was read without its values in order');
    return positional.map((v, i) => converter(v, type.entryTypes[i]!, converter));
  }
  const out: { [key: string]: ExactValue } = {};
  type.entryNames.forEach((name, i) => {
    if (!Object.hasOwn(value.entries, name)) throw new Error(`STRUCT field ${JSON.stringify(name)} is missing from the value the client read`);
    Object.defineProperty(out, name, { value: converter(value.entries[name]!, type.entryTypes[i]!, converter), enumerable: true, writable: true, configurable: true });
  });
  return out;
}

/** A UNION as {tag, value}, the member's type found by position (the client's lookup by tag fails for __proto__). */
function unionObject(value: DuckDBValue, type: unknown, converter: DuckDBValueConverter<ExactValue>): ExactValue {
  if (!(value instanceof DuckDBUnionValue) || !(type instanceof DuckDBUnionType)) throw new Error('expected a UNION value and type');
  return { tag: value.tag, value: converter(value.value, type.memberTypes[type.memberTags.indexOf(value.tag)]!, converter) };
}

// The client's struct vector builds a value's entries by assignment, so a field named __proto__ is lost before any
// converter sees it (its value became the entries' prototype, or was ignored), and of two fields of one name (an
// unnamed struct's) the last is kept. For such a struct type, its entries are read again, each by position, into an
// object without a prototype (where __proto__ is a key as any other), and the values in order beside it.
const structItem = DuckDBStructVector.prototype.getItem;
DuckDBStructVector.prototype.getItem = function getItem(this: DuckDBStructVector, itemIndex: number): DuckDBStructValue | null {
  const item = structItem.call(this, itemIndex);
  const names = this.type.entryNames;
  if (item === null || !unkeyable(names)) return item;
  const values = names.map((_, i) => this.getItemValue(itemIndex, i));
  const entries = Object.create(null) as Record<string, DuckDBValue>;
  names.forEach((name, i) => { entries[name] = values[i]!; });
  return Object.assign(new DuckDBStructValue(entries), { [POSITIONAL]: values });
};

const text = (value: DuckDBValue): string => String(value);
const exactNumber = (value: DuckDBValue): ExactNumber => new ExactNumber(String(value));

const CONVERTERS: Partial<Record<DuckDBTypeId, DuckDBValueConverter<ExactValue>>> = {
  [DuckDBTypeId.SQLNULL]: nullConverter,
  [DuckDBTypeId.BOOLEAN]: booleanFromValue,
  [DuckDBTypeId.TINYINT]: exactNumber, [DuckDBTypeId.SMALLINT]: exactNumber, [DuckDBTypeId.INTEGER]: exactNumber,
  [DuckDBTypeId.BIGINT]: exactNumber, [DuckDBTypeId.HUGEINT]: exactNumber, [DuckDBTypeId.UTINYINT]: exactNumber,
  [DuckDBTypeId.USMALLINT]: exactNumber, [DuckDBTypeId.UINTEGER]: exactNumber, [DuckDBTypeId.UBIGINT]: exactNumber,
  [DuckDBTypeId.UHUGEINT]: exactNumber, [DuckDBTypeId.BIGNUM]: exactNumber, [DuckDBTypeId.DECIMAL]: exactNumber,
  [DuckDBTypeId.DOUBLE]: (v) => doubleText(v as number),
  [DuckDBTypeId.FLOAT]: (v) => floatText(v as number),
  [DuckDBTypeId.TIMESTAMP]: timestampText, [DuckDBTypeId.TIMESTAMP_S]: timestampText, [DuckDBTypeId.TIMESTAMP_MS]: timestampText,
  [DuckDBTypeId.TIMESTAMP_NS]: timestampText, [DuckDBTypeId.TIMESTAMP_TZ]: timestampText,
  [DuckDBTypeId.DATE]: dateText, [DuckDBTypeId.BLOB]: (v) => blobText((v as DuckDBBlobValue).bytes),
  // Its WKB as a BLOB prints (DuckDB's ::VARCHAR of a GEOMETRY is WKT, which the client cannot write).
  [DuckDBTypeId.GEOMETRY]: (v) => blobText((v as DuckDBGeometryValue).bytes),
  [DuckDBTypeId.LIST]: arrayFromListValue, [DuckDBTypeId.ARRAY]: arrayFromArrayValue, [DuckDBTypeId.STRUCT]: structObject,
  [DuckDBTypeId.MAP]: objectArrayFromMapValue, [DuckDBTypeId.UNION]: unionObject, [DuckDBTypeId.VARIANT]: fromVariantValue,
};

/**
 * The same, but a DOUBLE as the JS number holding its value exactly, and a FLOAT as a Binary32 holding its value (a
 * float's value is a double's too, and a condition compares it as SQL compares a FLOAT: core/dqdl/exact.ts), for
 * quality metrics: their shortest text is not their value (a FLOAT of 123456792 prints 123456790, a DOUBLE of 2^70
 * prints 1.1805916207174113e+21), and a condition compares a floating metric as SQL does. Athena's runner gives
 * double, float and real cells as the numbers their text reads as (runtime/aws/athena-values.ts).
 */
export const metricConverter: DuckDBValueConverter<ExactValue | number | Binary32> = createDuckDBValueConverter(
  Object.fromEntries(Object.values(DuckDBTypeId).filter((id): id is DuckDBTypeId => typeof id === 'number')
    .map((id) => [id, id === DuckDBTypeId.DOUBLE ? (v: DuckDBValue) => v as number
      : id === DuckDBTypeId.FLOAT ? (v: DuckDBValue) => new Binary32(v as number) : CONVERTERS[id] ?? text])) as Record<DuckDBTypeId, DuckDBValueConverter<ExactValue | number | Binary32>>,
);

/** DuckDB value → ExactValue, by the value's DuckDB type; anything not listed (strings, dates, times, blobs, UUIDs, intervals) as DuckDB's text. */
export const exactConverter: DuckDBValueConverter<ExactValue> = createDuckDBValueConverter(
  Object.fromEntries(Object.values(DuckDBTypeId).filter((id): id is DuckDBTypeId => typeof id === 'number')
    .map((id) => [id, CONVERTERS[id] ?? text])) as Record<DuckDBTypeId, DuckDBValueConverter<ExactValue>>,
);

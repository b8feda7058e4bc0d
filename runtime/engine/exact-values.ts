// Query results as people read and export them: every value exactly as stored. DuckDB's JS conversion turns
// DECIMAL into a double (10.0 → 10, 12345678901234567890.12 → 12345678901234567000) and DATE into a Date at
// midnight; this one keeps numbers as their exact decimal text, dates as YYYY-MM-DD and timestamps as ISO 8601
// UTC with milliseconds. Internal code that wants JS numbers (counts) keeps using Duck.all.
import {
  DuckDBTypeId, arrayFromArrayValue, arrayFromListValue, booleanFromValue, createDuckDBValueConverter, fromVariantValue,
  nullConverter, objectArrayFromMapValue, objectFromStructValue, objectFromUnionValue,
  DuckDBTimestampMillisecondsValue, DuckDBTimestampNanosecondsValue, DuckDBTimestampSecondsValue, DuckDBTimestampTZValue,
  DuckDBTimestampValue, type DuckDBValue, type DuckDBValueConverter,
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

function timestampText(value: DuckDBValue): string {
  const fallback = String(value);
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return value.isFinite ? isoTimestamp(value.micros * 1000n, fallback) : fallback;
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) return value.isFinite ? isoTimestamp(value.millis * NS_PER_MS, fallback) : fallback;
  if (value instanceof DuckDBTimestampSecondsValue) return value.isFinite ? isoTimestamp(value.seconds * 1_000_000_000n, fallback) : fallback;
  if (value instanceof DuckDBTimestampNanosecondsValue) return value.isFinite ? isoTimestamp(value.nanos, fallback) : fallback;
  return fallback;
}

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
  [DuckDBTypeId.LIST]: arrayFromListValue, [DuckDBTypeId.ARRAY]: arrayFromArrayValue, [DuckDBTypeId.STRUCT]: objectFromStructValue,
  [DuckDBTypeId.MAP]: objectArrayFromMapValue, [DuckDBTypeId.UNION]: objectFromUnionValue, [DuckDBTypeId.VARIANT]: fromVariantValue,
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

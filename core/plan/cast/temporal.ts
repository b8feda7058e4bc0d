// date and timestamp. Text is ISO 8601 in the RFC 3339 profile, extended format:
//   date       YYYY-MM-DD (years 0001-9999)
//   timestamp  date, then T, t or one space, then HH:MM, HH:MM:SS or HH:MM:SS.f (1 to 9 fraction digits),
//              then optionally an offset: Z, z, ±HH, ±HHMM or ±HH:MM (hours 00-23, minutes 00-59; -00:00 is UTC);
//              a date alone is midnight; a timestamp without offset is UTC.
// Surrounding blanks are allowed. Silver keeps milliseconds (what Athena reads from Hive tables): non-zero digits
// beyond the millisecond quarantine the row unless the column asks to `round` them. Hour 24, leap second 60, week
// and ordinal dates, the basic format (20250615T100000Z), decimal commas and zone names are not read (a `format`
// with %Z reads zone names). DuckDB's cast to TIMESTAMP silently drops offsets, reads "24:00" as the next day and
// keeps only microseconds, so DuckDB's reading (its cast to TIMESTAMPTZ for text longer than the canonical 19
// characters: that one applies offsets) is used only where the text's shape proves it right, in three tiers of cost:
//   1. the text is exactly how DuckDB prints the value back (the common "2025-06-15 10:00:00"): one comparison;
//   2. the common ISO shapes (T or space, up to 6 fraction digits, Z or a numeric offset): one RE2 match;
//   3. anything else: the whole grammar, parsed field by field.
// Typed values: a date, or a timestamp at midnight for a date column; any timestamp unit (with or without
// isAdjustedToUTC) or a date for a timestamp column, under the same millisecond rule.
import type { RoundingMode } from '../../schema/model.ts';
import { str } from '../../sql/quote.ts';
import { BLANK, bind, isText, matches, quoted, type CastPlan } from './sql.ts';

const DATE_RE = `${BLANK}([0-9]{4}-[0-9]{2}-[0-9]{2})${BLANK}`;
const TS_RE = String.raw`^\s*([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.]([0-9]+))?)?(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?)?\s*$`;
const TS_GROUPS = `['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'z', 'osg', 'oh', 'om']`;
/** Tier 2: the shapes whose instant DuckDB's cast to TIMESTAMPTZ reads exactly (µs: at most 6 fraction digits). */
const HOUR = '([01][0-9]|2[0-3])';
const MINUTE = '[0-5][0-9]';
// (A written year 0000 is none of strata's, 0001-9999, even when an offset moves its instant into year 1: 0000-12-31
// 23:00-01:00 was read as 0001-01-01 00:00Z, where 10000-01-01 00:00+01:00 was refused: an attack, stop 52.)
const YEAR = '(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})';
const ISO_COMMON = `${YEAR}-[0-9]{2}-[0-9]{2}([T ]${HOUR}:${MINUTE}(:${MINUTE}([.][0-9]{1,6})?)?(Z|[+-]${HOUR}(:?${MINUTE})?)?)?`;
const NS_PER_MS = 1_000_000;
const MIN = `TIMESTAMP '0001-01-01 00:00:00'`;
const MAX = `TIMESTAMP '9999-12-31 23:59:59.999'`;

/** Whole UTC milliseconds plus the nanoseconds beyond them (0..999999) → TIMESTAMP_MS, or NULL when not exact. */
function fromMillis(ms: string, restNs: string, round: RoundingMode | undefined): string {
  const up = round === 'half_up' ? `${restNs} >= ${NS_PER_MS / 2}`
    : round === 'half_even' ? `(${restNs} > ${NS_PER_MS / 2} OR (${restNs} = ${NS_PER_MS / 2} AND ${ms} % 2 <> 0))`
      : undefined;
  const millis = up ? `${ms} + CASE WHEN ${up} THEN 1 ELSE 0 END` : ms;
  const value = `CAST(make_timestamp(CAST((${millis}) * 1000 AS BIGINT)) AS TIMESTAMP_MS)`;
  return up ? value : `CASE WHEN ${restNs} = 0 THEN ${value} END`;
}

/**
 * A count of `perMs`ths of a millisecond since the epoch (1000: µs, 1000000: ns) → TIMESTAMP_MS under the
 * millisecond rule. `count` must be cheap to repeat (a column, epoch_us of a column). Floor division, so counts
 * before 1970 split the same way; no unit is widened and nothing is added to the count, so nothing overflows (µs ×
 * 1000 would, past 2262).
 */
function fromEpoch(count: string, perMs: number, round: RoundingMode | undefined): string {
  const rest = `((${count} % ${perMs} + ${perMs}) % ${perMs})`;
  // DuckDB's // truncates: one less for a count before the epoch with a rest. (count - rest) // perMs, as this was,
  // overflowed BIGINT for nanoseconds in TIMESTAMP_NS's first millisecond and failed the whole file: an attack, stop 58.
  return fromMillis(`(${count} // ${perMs} - CASE WHEN ${count} % ${perMs} < 0 THEN 1 ELSE 0 END)`, `${rest} * ${NS_PER_MS / perMs}`, round);
}

/** The value, if it lies within the years 0001-9999. */
const within = (v: string) => `CASE WHEN ${v} BETWEEN ${MIN} AND ${MAX} THEN ${v} END`;

/** Tier 3: ISO text → TIMESTAMP_MS, or NULL; `t` is the regexp_extract struct of TS_RE. */
function isoValue(t: string, round: RoundingMode | undefined): string {
  const wall = `TRY_CAST(${t}.y || '-' || ${t}.mo || '-' || ${t}.d || ' ' || coalesce(nullif(${t}.h, ''), '00') || ':' || coalesce(nullif(${t}.mi, ''), '00') || ':' || coalesce(nullif(${t}.s, ''), '00') AS TIMESTAMP)`;
  const fraction = `rpad(${t}.f, 9, '0')`;
  const offsetMinutes = `CASE WHEN ${t}.osg = '' THEN 0 ELSE (CASE WHEN ${t}.osg = '-' THEN -1 ELSE 1 END) * (CAST(${t}.oh AS BIGINT) * 60 + coalesce(TRY_CAST(nullif(${t}.om, '') AS BIGINT), 0)) END`;
  const ms = `(epoch_ms(${wall}) + CAST(left(${fraction}, 3) AS BIGINT) - (${offsetMinutes}) * 60000)`;
  const valid = `${t}.y <> '' AND ${t}.y <> '0000' AND length(${t}.f) <= 9 AND (${t}.h = '' OR (${t}.h < '24' AND ${t}.mi < '60' AND (${t}.s = '' OR ${t}.s < '60'))) `
    + `AND (${t}.oh = '' OR (${t}.oh < '24' AND (${t}.om = '' OR ${t}.om < '60')))`;
  return `CASE WHEN ${valid} THEN ${bind(fromMillis(ms, `CAST(substr(${fraction}, 4) AS BIGINT)`, round), '_c_v', within('_c_v'))} END`;
}

/**
 * DuckDB's text of an infinite DATE or TIMESTAMP (a Parquet file's typed value, read back as text for its message):
 * said to be outside the years 0001-9999, not "expected ISO 8601", which is about text (an attack, stop 58).
 */
const INFINITY = '[+-]?(?i:infinity)';

function isoMessage(text: string, round?: RoundingMode): string {
  const wall = `TRY_CAST(_c_t.y || '-' || _c_t.mo || '-' || _c_t.d AS DATE)`;
  return bind(`regexp_extract(${text}, ${str(TS_RE)}, ${TS_GROUPS})`, '_c_t', `CASE `
    + `WHEN ${matches(text, `${BLANK}([0-9]{5,}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9:.]+)? \\(BC\\)|${INFINITY}${BLANK}$).*`)} THEN ${quoted(text)} || ' is not a timestamp: outside the years 0001-9999' `
    + `WHEN _c_t.y = '' THEN ${quoted(text)} || ' is not a timestamp: expected ISO 8601, e.g. 2025-06-15T10:00:00Z or 2025-06-15 10:00:00.123+02:00' `
    + `WHEN length(_c_t.f) > 9 THEN ${quoted(text)} || ' is not a timestamp: more than 9 fraction digits' `
    + `WHEN _c_t.h >= '24' OR _c_t.mi >= '60' OR _c_t.s >= '60' THEN ${quoted(text)} || ' is not a timestamp: hour 00-23, minute and second 00-59' `
    + `WHEN _c_t.oh >= '24' OR _c_t.om >= '60' THEN ${quoted(text)} || ' is not a timestamp: offset hours 00-23, minutes 00-59' `
    + `WHEN ${wall} IS NULL THEN ${quoted(text)} || ' is not a timestamp: no such date' `
    + `WHEN rtrim(_c_t.f, '0') <> left(rtrim(_c_t.f, '0'), 3) THEN ${subMillisecondMessage(text, round)} `
    + `ELSE ${quoted(text)} || ' is not a timestamp: outside the years 0001-9999' END`);
}

/**
 * Why a time with digits past the millisecond gave no value: without `round`, those digits; with it, the rounding
 * went past the years 0001-9999 (9999-12-31 23:59:59.9996 rounds up to year 10000), which was said as the digits,
 * asking for the rounding it had (an attack, stop 53).
 */
function subMillisecondMessage(text: string, round?: RoundingMode): string {
  if (round) return `${quoted(text)} || ' rounds to a time outside the years 0001-9999 (round: ${round})'`;
  return `${quoted(text)} || ' has sub-millisecond digits, timestamp keeps milliseconds (round: half_even or half_up rounds them)'`;
}

/** The epoch count and its unit (per millisecond) of a typed timestamp, with or without time zone; else undefined. */
function epochOf(src: string, from: string): [string, number] | undefined {
  switch (from) {
    case 'TIMESTAMP_NS': return [`epoch_ns(${src})`, NS_PER_MS];
    case 'TIMESTAMP_MS': case 'TIMESTAMP_S': case 'TIMESTAMP': case 'TIMESTAMP WITH TIME ZONE': return [`epoch_us(${src})`, 1000];
    default: return undefined;
  }
}

/** What each strptime specifier reads, as an RE2 pattern: enough to find where a value's zone is, and a zone's offset in range. */
const SPEC_RE: Record<string, string> = {
  d: '[0-9]+', e: '[0-9]+', m: '[0-9]+', y: '[0-9]+', Y: '[+-]?[0-9]+', G: '[+-]?[0-9]+', H: '[0-9]+', I: '[0-9]+', M: '[0-9]+',
  S: '[0-9]+', j: '[0-9]+', f: '[0-9]+', g: '[0-9]+', n: '[0-9]+', U: '[0-9]+', W: '[0-9]+', V: '[0-9]+', w: '[0-9]+', u: '[0-9]+',
  a: '[A-Za-z]+', A: '[A-Za-z]+', b: '[A-Za-z]+', B: '[A-Za-z]+', h: '[A-Za-z]+', p: '[AaPp][Mm]', '%': '%',
  // An offset of at most 23:59, as ISO 8601 text is held to (+24:00 is quarantined there): DuckDB's
  // %z took +2500, -9999 and +0099 (read as +1:39), and silver held instants the text does not name (an attack, stop 52).
  z: '(?:[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?|Z)', Z: '[A-Za-z][A-Za-z0-9_/+-]*',
};

/**
 * For a format holding one zone (%z or %Z), the value without its zone and the format without it: the format read as
 * a regular expression splits the value at its zone. undefined for a format without one zone, or with a specifier
 * this does not know (%c, %x, %X, %T, %D, %R): such a value is read as DuckDB reads it.
 */
function wallOf(src: string, format: string): { text: string; format: string; zone: string } | undefined {
  const parts = formatParts(format);
  if (parts.filter((x) => x === '%z' || x === '%Z').length !== 1) return undefined;
  const split = splitFormat(parts, parts.findIndex((x) => x === '%z' || x === '%Z'));
  if (!split) return undefined;
  return { ...withoutPiece(src, split), zone: `regexp_extract(${src}, ${str(split.pattern)}, 2)` };
}

/** A format's pieces: its specifiers (%x) and the literal text between them, in order. */
function formatParts(format: string): string[] {
  return format.split(/(%.)/).filter((x) => x !== '');
}

/**
 * A format split at its piece `at` (formatParts): the RE2 pattern of a whole value of it, whose groups are what comes
 * before the piece (1), the piece (2: `pieceRe`, by default what the piece reads) and what comes after (3); and the
 * format without the piece. undefined when a specifier is one SPEC_RE does not know.
 */
function splitFormat(parts: readonly string[], at: number, pieceRe = partRe(parts[at]!)): { pattern: string; without: string } | undefined {
  if (pieceRe === undefined || parts.some((x) => partRe(x) === undefined)) return undefined;
  return {
    pattern: `^(${parts.slice(0, at).map(partRe).join('')})(${pieceRe})(${parts.slice(at + 1).map(partRe).join('')})$`,
    without: [...parts.slice(0, at), ...parts.slice(at + 1)].join(''),
  };
}

/** The value without the piece a split names (splitFormat: its groups 1 and 3), and the format without it. */
function withoutPiece(src: string, split: { pattern: string; without: string }): { text: string; format: string } {
  return { text: `regexp_replace(${src}, ${str(split.pattern)}, '\\1\\3')`, format: split.without };
}

/** A piece of a format as an RE2 pattern: a specifier by what it reads (SPEC_RE; undefined when not known), other text as itself, any blanks as blanks. */
function partRe(x: string): string | undefined {
  // Only ASCII punctuation is escaped: RE2 refuses an escaped letter of another script ("\年", "\à"), and the
  // pattern, a constant, failed every file of a format holding one (an attack, stop 53).
  return x.startsWith('%') ? SPEC_RE[x[1]!] : x.replace(/\s+/g, ' ').split('').map((c) => (c === ' ' ? '\\s+' : /[!-/:-@[-`{-~]/.test(c) ? `\\${c}` : c)).join('');
}

/**
 * For a format naming the weekday (%a or %A): SQL that is true when the value's weekday is not its date's (DuckDB's
 * strptime reads the name and ignores it: "Mon 2025-06-17", a Tuesday, read as that Tuesday: an attack, stop 53),
 * NULL or false otherwise. `wall`: the value's date and time as written (without its zone). undefined for other
 * formats, and for one with a specifier SPEC_RE does not know.
 */
function weekdayWrong(src: string, format: string, wall: string): string | undefined {
  return weekdayOf(src, format, wall)?.wrong;
}

/** weekdayWrong's parts: the test, the weekday the value names, and its date's own (full name) as SQL. */
function weekdayOf(src: string, format: string, wall: string): { wrong: string; named: string; actual: string } | undefined {
  const parts = formatParts(format);
  const at = parts.findIndex((x) => x === '%a' || x === '%A');
  const split = at < 0 ? undefined : splitFormat(parts, at);
  if (!split) return undefined;
  // The name is found only between literals (or the ends): beside another specifier the split is a guess ("%b%a" split
  // "JunTue" as "JunTu" and "e": an attack, stop 53), and the value is read as DuckDB reads it.
  if ((at > 0 && parts[at - 1]!.startsWith('%')) || (at + 1 < parts.length && parts[at + 1]!.startsWith('%'))) return undefined;
  const named = `regexp_extract(${src}, ${str(split.pattern)}, 2)`;
  return { wrong: `lower(${named}) <> lower(strftime(${wall}, ${str(parts[at]!)}))`, named, actual: `strftime(${wall}, '%A')` };
}

/** A CASE branch (with a trailing space) saying that a value no format read names another weekday than its date's; '' without %a or %A. */
function weekdayMessage(text: string, formats: readonly string[]): string {
  const branches = formats.flatMap((f) => {
    const wall = wallOf(text, f);
    const w = weekdayOf(text, f, wall ? `TRY_STRPTIME(${wall.text}, ${str(wall.format)})` : `TRY_STRPTIME(${text}, ${str(f)})`);
    return w ? [`WHEN _c_p IS NULL AND ${w.wrong} THEN ${quoted(text)} || ' names the weekday ' || ${w.named} || ', but its date is a ' || ${w.actual} `] : [];
  });
  return branches.join('');
}

/** A CASE branch (with a trailing space) saying why a value no format read names no single instant of its zone; '' without %Z. */
function zoneDoubtMessage(text: string, formats: readonly string[]): string {
  const doubts = formats.flatMap((f) => zoneDoubt(text, f) ?? []);
  if (!doubts.length) return '';
  const doubt = doubts.length === 1 ? doubts[0]! : `coalesce(${doubts.join(', ')})`;
  return `WHEN _c_p IS NULL AND (${doubt}) IS NOT NULL THEN ${quoted(text)} || (${doubt}) `;
}

/**
 * For a format with a zone name (%Z): why the value's wall time names no single instant in its zone, or NULL. A wall
 * time a zone repeats (its clocks set back: 01:30 on 2025-11-02 in America/New_York is 05:30 and 06:30 UTC) or skips
 * (set forward: 02:30 on 2025-03-09 there) was read as one instant DuckDB chose (an attack, stop 53). The offsets a
 * day before and a day after the instant DuckDB read give the candidates; each is the value's instant if the zone's
 * clock shows the wall time then. Only for values DuckDB read (its zone is then one ICU knows).
 */
function zoneDoubt(src: string, format: string): string | undefined {
  const wall = wallOf(src, format);
  if (!wall || !format.includes('%Z')) return undefined;
  const at = `TRY_STRPTIME(${src}, ${str(format)})`;
  const w = `epoch_us(TRY_STRPTIME(${wall.text}, ${str(wall.format)}))`;
  const local = (t: string) => `epoch_us(timezone(${wall.zone}, make_timestamptz(${t})))`; // the zone's clock at instant t (µs)
  const offset = (t: string) => `(${local(t)} - (${t}))`;
  const shows = (c: string) => `${local(c)} = ${w}`;
  const [before, after] = [offset(`epoch_us(${at}) - 86400000000`), offset(`epoch_us(${at}) + 86400000000`)];
  // A name ICU reads but that names no zone, or an abbreviation (no "/"), which names none for sure: BST is British
  // Summer Time and Bangladesh Standard Time, and ICU read PST as America/Los_Angeles, 10:00 PST in June as 17:00 UTC
  // (an attack, stop 53). UTC, GMT, UT and Z are no abbreviations of a zone with another offset.
  return `CASE WHEN ${at} IS NULL OR ${w} IS NULL THEN NULL `
    + `WHEN lower(${wall.zone}) IN ('etc/unknown', 'factory') THEN ' names no time zone (ICU reads it as UTC): write its offset (%z) or the zone''s name' `
    + `WHEN NOT regexp_full_match(${wall.zone}, '(?i)utc|gmt|ut|z|[^/]+/.+') THEN ' names its zone by an abbreviation, which names no single zone (BST is British Summer Time and Bangladesh Standard Time): write its offset (%z) or the zone''s name (Europe/London)' `
    + `WHEN ${before} <> ${after} AND ${shows(`${w} - ${before}`)} AND ${shows(`${w} - ${after}`)} THEN ' is a wall time that occurs twice in ' || ${wall.zone} || ' (its clocks are set back then): write its offset (%z) instead of the zone' `
    + `WHEN NOT ${shows(`${w} - ${before}`)} AND NOT ${shows(`${w} - ${after}`)} THEN ' is a wall time ' || ${wall.zone} || ' skips (its clocks are set forward then): no such time there' END`;
}

/**
 * The instant the first of `formats` reads the value as, exactly, in nanoseconds since the epoch (a HUGEINT: the
 * years 0001-9999 are past BIGINT's nanoseconds), or NULL. DuckDB's strptime with %z or %Z (a TIMESTAMPTZ, read
 * through ICU) rolls an impossible wall time forward (31.06.2025 10:00 UTC becomes 2025-07-01, 29.02.2025 becomes
 * 03-01), and so does its list form for the formats after one with a zone. So each format is tried on its own, and a
 * format with a zone also needs the value without its zone to read by the format without it (strptime without a
 * zone refuses 31.06). With %n (nanoseconds) strptime gives a TIMESTAMP_NS (years 1677-2262), but with a zone a
 * TIMESTAMPTZ, in microseconds, rounded: the instant is then the wall time read without the zone, in nanoseconds,
 * less the zone's offset (whole seconds). The digits past the microsecond were dropped before the millisecond rule
 * (…00.123000999 stored as .123), and a list or a zone mixing units failed every file (an attack, stop 53). A wall
 * time its zone name (%Z) repeats or skips reads as nothing (zoneDoubt). Left as DuckDB reads it: day 366 of a year
 * of 365 (%j).
 */
function strptimeExact(src: string, formats: readonly string[]): string {
  const ns = (text: string, f: string) => {
    const parse = `TRY_STRPTIME(${text}, ${str(f)})`;
    const wall = wallOf(text, f);
    if (!f.includes('%n')) return `CAST(epoch_us(${parse}) AS HUGEINT) * 1000`;
    // (%n not split off: a specifier SPEC_RE does not know. Read by DuckDB: years 1677-2262.)
    if (!/%[zZ]/.test(f)) return `CAST(epoch_ns(${parse}) AS HUGEINT)`;
    if (!wall) return 'CAST(NULL AS HUGEINT)';
    const at = `TRY_STRPTIME(${wall.text}, ${str(wall.format)})`;
    return `CAST(epoch_ns(${at}) AS HUGEINT) - CAST(round((epoch_us(${at}) - epoch_us(${parse})) / 1e6) AS HUGEINT) * 1000000000`;
  };
  // The instant format `f` reads, in nanoseconds, or NULL (its weekday aside).
  // (The wall time too within the years 0001-9999: an offset moved a written year 0 into year 1.)
  // (In microseconds: a TIMESTAMP_NS of %n compared with year 1 failed the file, "Could not convert Timestamp(US) to
  // Timestamp(NS)".)
  const readAs = (text: string, f: string, wall: ReturnType<typeof wallOf>, doubt: string | undefined) => (wall
    ? `CASE WHEN CAST(TRY_STRPTIME(${wall.text}, ${str(wall.format)}) AS TIMESTAMP) BETWEEN ${MIN} AND ${MAX} + INTERVAL 999 MICROSECONDS${doubt ? ` AND (${doubt}) IS NULL` : ''} THEN ${ns(text, f)} END`
    : ns(text, f));
  // A format with an offset and a zone name (%z and %Z): read once by each alone, and only when both read the same
  // instant. Neither was checked (wallOf takes one zone): 2025-06-31 rolled to 07-01, and "+0000 (America/New_York)"
  // was read as one of them (an attack, stop 53).
  const both = (format: string) => {
    const z = dropSpec(src, format, '%Z');
    const o = dropSpec(src, format, '%z');
    if (!z || !o) return undefined;
    const [a, b] = [one(z.text, z.format), one(o.text, o.format)];
    return `CASE WHEN ${a} = ${b} THEN ${a} END`;
  };
  return `coalesce(${formats.map((format) => both(format) ?? one(src, format)).join(', ')})`;
  function one(src: string, format: string): string {
    // %n's digits are read apart, as nanoseconds added to what the rest reads (in microseconds: every year 0001-9999;
    // DuckDB's %n gives a TIMESTAMP_NS, years 1677-2262, and a value outside them was said not to read: an attack, stop 53).
    const nanos = nanosApart(src, format);
    const [text, f] = nanos ? [nanos.text, nanos.format] : [src, format];
    const wall = wallOf(text, f);
    const doubt = zoneDoubt(text, f);
    const weekday = weekdayWrong(text, f, wall ? `TRY_STRPTIME(${wall.text}, ${str(wall.format)})` : `TRY_STRPTIME(${text}, ${str(f)})`);
    const read = weekday ? `CASE WHEN NOT coalesce(${weekday}, false) THEN ${readAs(text, f, wall, doubt)} END` : readAs(text, f, wall, doubt);
    return nanos ? `CASE WHEN ${nanos.matches} THEN ${read} + ${nanos.ns} END` : read;
  }
}

/**
 * For a format holding `spec` once beside the other zone specifier (%z with %Z), and specifiers SPEC_RE all knows:
 * the value without the text `spec` reads and the format without it (blanks and brackets around it stay, read as
 * written). undefined otherwise.
 */
function dropSpec(src: string, format: string, spec: '%z' | '%Z'): { text: string; format: string } | undefined {
  const parts = formatParts(format);
  if (parts.filter((x) => x === '%z').length !== 1 || parts.filter((x) => x === '%Z').length !== 1) return undefined;
  const split = splitFormat(parts, parts.indexOf(spec));
  return split && withoutPiece(src, split);
}

/**
 * For a format with one %n whose specifiers SPEC_RE all knows: the value without %n's digits, the format without %n,
 * whether the value has 1 to 9 such digits where %n stands (as DuckDB's %n takes), and their nanoseconds (HUGEINT).
 */
function nanosApart(src: string, format: string): { text: string; format: string; matches: string; ns: string } | undefined {
  const parts = formatParts(format);
  const at = parts.findIndex((x) => x === '%n');
  if (at < 0 || parts.filter((x) => x === '%n').length !== 1) return undefined;
  // Digits right before %n (as in %S%n) split only as DuckDB's widths split them: left to DuckDB (a regression an
  // attack found, stop 53: "10:00:05123" by %H:%M:%S%n was quarantined).
  if (at > 0 && parts[at - 1]!.startsWith('%')) return undefined;
  const split = splitFormat(parts, at, '[0-9]{1,9}');
  if (!split) return undefined;
  const pattern = str(split.pattern);
  return {
    ...withoutPiece(src, split),
    matches: `regexp_full_match(${src}, ${pattern})`,
    ns: `CAST(rpad(regexp_extract(${src}, ${pattern}, 2), 9, '0') AS HUGEINT)`,
  };
}

/** Nanoseconds since the epoch of the first and the last instant of the years 0001-9999 (HUGEINT SQL). */
const FIRST_NS = `CAST(epoch_us(${MIN}) AS HUGEINT) * 1000`;
const LAST_NS = `(CAST(epoch_us(${MIN.replace('0001-01-01 00:00:00', '9999-12-31 23:59:59.999999')}) AS HUGEINT) * 1000 + 999)`;

export function timestampCast(formats: string[] | undefined, round: RoundingMode | undefined, src: string, from: string): CastPlan {
  // A format reads text; a typed value is the value it is (a Parquet TIMESTAMP into a column with a format failed
  // the file: "No function matches try_strptime(TIMESTAMP, …)", an attack, stop 53).
  if (formats && isText(from)) {
    // With %z or %Z the instant; without, the wall time read as UTC.
    return {
      draft: strptimeExact(src, formats),
      value: (d) => `CASE WHEN ${d} BETWEEN ${FIRST_NS} AND ${LAST_NS} THEN ${within(fromEpoch(d, NS_PER_MS, round))} END`,
      // Read but outside the years 0001-9999 (year 0, which strptime takes as 1 BC, or an offset past 9999-12-31), or
      // rounded past them: said so, not as sub-millisecond digits (an attack, stop 52).
      message: (text) => bind(strptimeExact(text, formats), '_c_p', `CASE ${zoneDoubtMessage(text, formats)}${weekdayMessage(text, formats)}WHEN _c_p IS NULL THEN ${quoted(text)} || ${str(` does not read as ${formats.join(' or ')} (another format, or no such day)`)} `
        + `WHEN NOT (_c_p BETWEEN ${FIRST_NS} AND ${LAST_NS}) THEN ${quoted(text)} || ' is outside the years 0001-9999' `
        + `WHEN ${fromEpoch('_c_p', NS_PER_MS, round)} IS NOT NULL THEN ${quoted(text)} || ' rounds to a time outside the years 0001-9999' `
        + `ELSE ${subMillisecondMessage(text, round)} END`),
    };
  }
  if (isText(from)) {
    const full = bind(`regexp_extract(${src}, ${str(TS_RE)}, ${TS_GROUPS})`, '_c_t', isoValue('_c_t', round));
    // The draft: DuckDB's reading of the instant. Text longer than 19 characters may carry an offset, which only the
    // cast to TIMESTAMPTZ applies (in the session's zone, UTC, when there is none); epoch_us keeps it plain arithmetic.
    const common = (d: string) => `CASE WHEN ${matches(src, ISO_COMMON)} THEN ${within(fromEpoch(`epoch_us(${d})`, 1000, round))} END`;
    return {
      draft: `CASE WHEN length(${src}) > 19 THEN make_timestamp(epoch_us(TRY_CAST(${src} AS TIMESTAMPTZ))) ELSE TRY_CAST(${src} AS TIMESTAMP) END`,
      value: (d) => `CASE WHEN length(${src}) = 19 AND CAST(${d} AS VARCHAR) = ${src} THEN CAST(${d} AS TIMESTAMP_MS) `
        + `ELSE coalesce(${common(d)}, ${full}) END`,
      message: (text) => isoMessage(text, round),
    };
  }
  const epoch = epochOf(src, from);
  if (epoch) return { value: () => within(fromEpoch(epoch[0], epoch[1], round)), message: (text) => subMillisecondMessage(text, round) };
  // (Guarded: DATE 5000000-01-01 cast to a timestamp failed the whole file, an attack, stop 53.)
  if (from === 'DATE') {
    return { value: () => `CASE WHEN ${src} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31' THEN CAST(${src} AS TIMESTAMP_MS) END`, message: (text) => `${quoted(text)} || ' is not a timestamp: outside the years 0001-9999'` };
  }
  return { value: () => 'CAST(NULL AS TIMESTAMP_MS)', message: (text) => `${quoted(text)} || ${str(` is not a timestamp (a ${from.toLowerCase()} value)`)}` };
}

export function dateCast(formats: string[] | undefined, src: string, from: string): CastPlan {
  // A day of the years 0001-9999: strptime reads year 0 as 0000-01-01, 1 BC, which the ISO path refuses (an attack, stop 52).
  const DAY_NS = 86_400_000_000_000;
  // (A TIMESTAMP_NS by its nanoseconds: its day compared as a TIMESTAMP_NS failed the file on 1677-09-21, whose
  // midnight is before the type's first instant: an attack, stop 53. Its years are all within 0001-9999.)
  const midnight = (ts: string) => (from === 'TIMESTAMP_NS' ? `CASE WHEN epoch_ns(${ts}) % ${DAY_NS} = 0 THEN CAST(${ts} AS DATE) END`
    : `CASE WHEN CAST(${ts} AS DATE) = ${ts} AND CAST(${ts} AS DATE) BETWEEN DATE '0001-01-01' AND DATE '9999-12-31' THEN CAST(${ts} AS DATE) END`);
  if (formats && isText(from)) {
    // (strptimeExact's nanoseconds: a day at midnight is a whole number of days.)
    return {
      draft: strptimeExact(src, formats),
      value: (d) => `CASE WHEN ${d} % ${DAY_NS} = 0 AND ${d} BETWEEN ${FIRST_NS} AND ${LAST_NS} THEN CAST(make_timestamp(CAST(${d} // 1000 AS BIGINT)) AS DATE) END`,
      message: (text) => bind(strptimeExact(text, formats), '_c_p', `CASE ${zoneDoubtMessage(text, formats)}${weekdayMessage(text, formats)}WHEN _c_p IS NULL THEN ${quoted(text)} || ${str(` does not read as ${formats.join(' or ')} (another format, or no such day)`)} `
        + `WHEN NOT (_c_p BETWEEN ${FIRST_NS} AND ${LAST_NS}) THEN ${quoted(text)} || ' is outside the years 0001-9999' `
        + `ELSE ${quoted(text)} || ' has a time of day, a date column keeps days' END`),
    };
  }
  const message = (text: string) => `${quoted(text)} || ' is not a date' || CASE `
    // (A typed DATE of year 10000 or BC is said so, not "expected YYYY-MM-DD": its text is DuckDB's, an attack, stop 53.)
    + `WHEN ${matches(text, `${BLANK}([0-9]{5,}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2} \\(BC\\)|${INFINITY})${BLANK}`)} THEN ': outside the years 0001-9999' `
    + `WHEN ${matches(text, `${BLANK}[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]${BLANK}[0-9]{1,2}:[0-9]{2}.*`)} THEN ': it has a time of day' `
    + `WHEN ${matches(text, DATE_RE)} THEN ': no such day in the years 0001-9999' `
    + `ELSE ': expected YYYY-MM-DD' END`;
  if (isText(from)) {
    const slow = bind(`TRY_CAST(regexp_extract(${src}, ${str(`^${DATE_RE}$`)}, 1) AS DATE)`, '_c_dt', `CASE WHEN _c_dt BETWEEN DATE '0001-01-01' AND DATE '9999-12-31' THEN _c_dt END`);
    // Canonical text of 10 characters: years 0001-9999 (DuckDB also reads and prints 10000-01-01 and "infinity").
    return { draft: `TRY_CAST(${src} AS DATE)`, value: (d) => `CASE WHEN length(${src}) = 10 AND CAST(${d} AS VARCHAR) = ${src} THEN ${d} ELSE ${slow} END`, message };
  }
  // (A typed DATE too is a day of the years 0001-9999: 0044-03-15 (BC) and 10000-01-01 were stored, where the same
  // days as timestamps were quarantined: an attack, stop 53.)
  if (from === 'DATE') return { value: () => `CASE WHEN ${src} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31' THEN ${src} END`, message: (text) => `${quoted(text)} || ' is not a date: outside the years 0001-9999'` };
  if (epochOf(src, from)) return { value: () => midnight(src), message };
  return { value: () => 'CAST(NULL AS DATE)', message: (text) => `${quoted(text)} || ${str(` is not a date (a ${from.toLowerCase()} value)`)}` };
}

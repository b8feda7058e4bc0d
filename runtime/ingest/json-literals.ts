// JSON values as the text they were written with. DuckDB's JSON functions parse numbers to doubles and print them
// back: 1.10 comes back as "1.1", 1e2 as "100.0", 12345678901234567.89 as "12345678901234568.0", 1e-400 as "0.0",
// -0 as "0". That reading is exact where the contract allows it: any integer of up to 64 bits, and any number of at
// most 15 significant digits (DBL_DIG: two such decimals never share a double, and DuckDB prints the shortest text),
// and it is the right verdict for int columns (a fraction or an exponent is refused either way). It is not exact
// for a string column (the literal is the value), a float column (a double rounded again to a float), or a
// decimal or double column given more digits or an exponent beyond ±99. Only records that need it are read from
// their literals, by rewriting their text before parsing so that every scalar becomes a tagged JSON string: a string
// "x" becomes "x~", a number 1.10 becomes "~1.10" (a string always ends with the tag, a number never does; keys are
// strings too, so field "a" is looked up as "a~"). The rewrite is one RE2 pass matching whole string tokens first,
// so digits inside strings are never touched; valid JSON stays valid and invalid JSON invalid. It costs ~4 µs a
// record, which is why it is not done for every record; quarantined records always get it, for their messages.
import type { PlannedColumn } from '../../core/plan/compile.ts';
import { sourceFields } from '../../core/plan/validation.ts';
import { str } from '../../core/sql/quote.ts';

const JSON_SCALARS = String.raw`"((?:[^"\\]|\\.)*)"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|-?Infinity|NaN)`;
const TAG = '~';
/** A number token of 16 characters or more, or an exponent of 3 digits: maybe beyond what a double carries exactly. */
const LONG_NUMBER = '[0-9.eE+-]{16}|[eE][+-]?[0-9]{3}';
const NUMBER_TYPES = `('BIGINT', 'UBIGINT', 'HUGEINT', 'DOUBLE')`;
/** A JSON number's literal (RFC 8259 §6). */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** SQL: record text `j` with every scalar tagged. */
function tagScalars(j: string): string {
  return `regexp_replace(${j}, ${str(JSON_SCALARS)}, ${str(`"\\1${TAG}\\2"`)}, 'g')`;
}

const isTaggedString = (v: string) => `ends_with(${v}, ${str(TAG)})`;

/** SQL: the text of a tagged scalar: a string's value, or a number's literal. */
function untag(v: string): string {
  return `CASE WHEN ${isTaggedString(v)} THEN left(${v}, length(${v}) - 1) ELSE substr(${v}, 2) END`;
}

/** JSONPath of a top-level key, plain or tagged. */
function path(key: string, tagged: boolean): string {
  return str(`$."${`${key}${tagged ? TAG : ''}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
}

export interface JsonFields {
  /** SELECT over `reader` (a relation with one column __j, the record's text): __j, __t, __v, __vt, __ks, __lit, __tv, __tvt. */
  relation: (reader: string) => string;
  /**
   * SQL over that relation: whether an object names a declared field more than once (`{"id": 1, "id": 2}`), and the
   * struct {rule, column, message} that says so. RFC 8259 §4 leaves which value such an object means to the reader:
   * DuckDB reads the first, JavaScript's JSON.parse the last; so the record is quarantined rather than given either.
   */
  duplicateKey: { when: string; reason: string };
  /**
   * SQL over that relation: whether an object names a declared field only in another case (`{"Amount": 5}` for field
   * "amount", which it lacks), and the struct that says so. JSON keys are matched exactly (RFC 8259 strings), so such
   * a record's value would read as NULL: it is quarantined instead (stop 50), where a CSV header is matched ignoring
   * case. Where fields differ only in case ("Code", "code"), such a key is one of theirs unless the record holds all
   * of them; the reason names the first it lacks.
   */
  caseKey: { when: string; reason: string };
  /** SQL for field `f`'s text over that relation (NULL when absent or JSON null; `nulls` apply to strings). */
  fieldRef: (f: string) => string;
  /** A struct of every field's literal text (keys from `key`; NULL for records that are not JSON), for quarantined records. */
  literals: (key: (i: number) => string) => string;
}

/**
 * The declared fields of JSON records. __t says what a record is (object, array, string, number, boolean, null;
 * NULL when it is not JSON); __v/__vt hold the fields' values and JSON types as DuckDB reads them, __tv/__tvt the
 * same from the literals, for the records (__lit) that need them.
 */
export function jsonFields(columns: readonly PlannedColumn[], nulls: readonly string[]): JsonFields {
  const fields = sourceFields(columns);
  const plain = `[${fields.map((f) => path(f, false)).join(', ')}]`;
  const tagged = `[${fields.map((f) => path(f, true)).join(', ')}]`;
  const typesOf = (f: string) => new Set(columns.filter((c) => c.from === f).map((c) => c.type.name));
  // A string, float or boolean column given a number needs its literal ("-0" is not "0" for a boolean); a decimal
  // or double column any long number.
  // nullValues name a number by its literal as written (1.50 is not 1.5, -0 not 0): a field a column's nullValues
  // could name a number in, or any field when the source's could, needs its literal too. (A column's were compared
  // with DuckDB's double text, the source's never with a number: an attack, stop 53.)
  const numericNulls = nulls.filter((v) => JSON_NUMBER.test(v));
  const nullable = (f: string) => numericNulls.length > 0 || columns.some((c) => c.from === f && c.nullValues?.some((v) => JSON_NUMBER.test(v)));
  const literalFields = fields.flatMap((f, i) => (['string', 'float', 'boolean'].some((t) => typesOf(f).has(t as never)) || nullable(f) ? [i + 1] : []));
  const longNumbers = fields.some((f) => ['decimal', 'double', 'float'].some((t) => typesOf(f).has(t as never)));
  const lit = [
    ...literalFields.map((i) => `__vt[${i}] IN ${NUMBER_TYPES}`),
    ...(longNumbers ? [`regexp_matches(__j, ${str(LONG_NUMBER)})`] : []),
  ];
  // __jt named once, in a lambda's argument: a filter on __t (the sample of keys) is pushed down with __jt replaced by
  // its parse of the record, and a CASE naming __jt in each branch (an IN list in four) parsed it that many times,
  // each parse kept until the chunk ends: 20 JSON lines of 1.5 to 3 MB ran out of 796 MB (an attack, stop 45).
  const kind = `list_transform([__jt], x -> CASE WHEN x IN ${NUMBER_TYPES} THEN 'number' WHEN x = 'VARCHAR' THEN 'string' ELSE lower(x) END)[1]`;
  // Fields by their lower case: a key equal to one of them ignoring case only (__kc). Where two fields share it ("Code"
  // and "code"), such a key ("CODE") may be either: it was left out of this, and its value lost without a word (an
  // attack, stop 53); it is one of theirs unless the record holds them all.
  const lower = new Map<string, string[]>();
  for (const f of fields) lower.set(f.toLowerCase(), [...(lower.get(f.toLowerCase()) ?? []), f]);
  const groups = [...lower];
  const caseVariants = `list_filter(__ak, __k -> lower(__k) IN (${groups.map(([l]) => str(l)).join(', ')}) AND __k NOT IN (${fields.map(str).join(', ')}))`;
  /** SQL over key `k`: the first of its fields the record lacks (NULL when it holds them all). */
  const fieldOf = (k: string) => `CASE lower(${k}) ${groups.map(([l, fs]) => `WHEN ${str(l)} THEN list_filter([${fs.map(str).join(', ')}], __f -> NOT list_contains(__ks, __f))[1]`).join(' ')} END`;
  /** SQL over key `k`: its fields, as the message names them ("amount"; "Code" or "code"). */
  const namesOf = (k: string) => `CASE lower(${k}) ${groups.map(([l, fs]) => `WHEN ${str(l)} THEN ${str(fs.length === 1 ? `field "${fs[0]}"` : `field ${fs.map((f) => `"${f}"`).join(' or ')}`)}`).join(' ')} END`;
  // (json_keys parsed once per record, in __ak, and read by both lists.)
  const relation = (reader: string) => `SELECT __j, __t, __v, __vt, __ks, __kc, __lit, `
    + `CASE WHEN __lit THEN json_extract_string(__x, ${tagged}) END AS __tv, CASE WHEN __lit THEN json_type(__x, ${tagged}) END AS __tvt `
    + `FROM (SELECT *, CASE WHEN __lit THEN ${tagScalars('__j')} END AS __x `
    + `FROM (SELECT *, __t = 'object' AND (${lit.length ? lit.join(' OR ') : 'false'}) AS __lit `
    + `FROM (SELECT __j, ${kind} AS __t, CASE WHEN __jt = 'OBJECT' THEN json_extract_string(__j, ${plain}) END AS __v, `
    + `CASE WHEN __jt = 'OBJECT' THEN json_type(__j, ${plain}) END AS __vt, `
    + `list_filter(__ak, __k -> __k IN (${fields.map(str).join(', ')})) AS __ks, ${caseVariants} AS __kc `
    + `FROM (SELECT __j, __jt, CASE WHEN __jt = 'OBJECT' THEN json_keys(__j) END AS __ak FROM (SELECT __j, TRY(json_type(__j)) AS __jt FROM (${reader}))))))`;
  // (The empty string is not among them here: "" is NULL only in a column of another type than string, as a CSV's
  // quoted "" is: core/plan/validation.ts emptyAsNull.)
  const textNulls = nulls.filter((v) => v !== '');
  const isNull = (v: string) => (textNulls.length ? ` AND ${v} IN (${textNulls.map(str).join(', ')})` : ' AND false');
  const plainRef = (i: number) => `CASE WHEN __vt[${i}] = 'VARCHAR'${isNull(`__v[${i}]`)} THEN NULL ELSE __v[${i}] END`;
  const numberIsNull = (v: string) => (numericNulls.length ? `WHEN NOT ${isTaggedString(v)} AND ${untag(v)} IN (${numericNulls.map(str).join(', ')}) THEN NULL ` : '');
  const taggedRef = (v: string, t: string) => `CASE WHEN ${t} <> 'VARCHAR' THEN ${v} WHEN ${isTaggedString(v)}${isNull(untag(v))} THEN NULL ${numberIsNull(v)}ELSE ${untag(v)} END`;
  // __ks: the record's top-level keys that are declared fields, in order, repeats kept (json_keys decodes escapes:
  // "\u0069d" is "id"); ~70 ms per 1M records. Parsed once per record, and only here: a json_keys per declared field
  // (each parse of a record kept until its chunk ends) ran out of memory on one record of 3.5 MB (an attack, stop 47).
  const twice = `list_filter([${fields.map(str).join(', ')}], __f -> len(list_filter(__ks, __k -> __k = __f)) > 1)[1]`;
  /** SQL: the column that reads declared field `f` (an SQL text expression). */
  const columnOf = (f: string) => `CASE ${f} ${fields.map((x) => `WHEN ${str(x)} THEN ${str(columns.find((c) => c.from === x)!.name)}`).join(' ')} END`;
  const duplicateKey = { when: `len(__ks) > len(list_distinct(__ks))`, reason: `list_transform([${twice}], __f -> {'rule': 'malformed', 'column': `
    + `${columnOf('__f')}, `
    + `'message': 'key "' || __f || '" appears more than once in the object, so which value it holds is ambiguous (RFC 8259 §4): give each key once'})[1]` };
  const missing = `list_filter(__kc, __k -> ${fieldOf('__k')} IS NOT NULL)`;
  const caseKey = fields.length ? { when: `len(${missing}) > 0`, reason: `list_transform([${missing}[1]], __k -> {'rule': 'malformed', 'column': `
    + `${columnOf(fieldOf('__k'))}, `
    + `'message': 'key "' || __k || '" is ' || ${namesOf('__k')} || ' in another case: JSON keys are matched exactly, so its value would be lost; send the key as "' || ${fieldOf('__k')} || '", or name it in the schema (from: ' || __k || ')'})[1]` }
    : { when: 'false', reason: 'NULL' };
  return {
    relation,
    duplicateKey,
    caseKey,
    fieldRef: (f) => {
      const i = fields.indexOf(f) + 1;
      return `CASE WHEN __lit THEN ${taggedRef(`__tv[${i}]`, `__tvt[${i}]`)} ELSE ${plainRef(i)} END`;
    },
    // The tagged record parsed twice in all (its values, their types: one list each), not twice per mention of each
    // field (ten per field): each parse of a record is kept until the chunk ends, and 7 bad JSON lines of 1.5 to
    // 3 MB ran out of 796 MB (an attack, stop 45).
    literals: (key) => {
      const fieldsOf = `list_transform([{'v': TRY(json_extract_string(_c_j, ${tagged})), 't': TRY(json_type(_c_j, ${tagged}))}], _c_x -> {${
        fields.map((_, i) => `${str(key(i))}: ${taggedRef(`_c_x.v[${i + 1}]`, `_c_x.t[${i + 1}]`)}`).join(', ')}})[1]`;
      return `list_transform([${tagScalars('__j')}], _c_j -> ${fieldsOf})[1]`;
    },
  };
}

// The schema's building blocks, one function at a time: logical types and their engine names, "did you mean",
// diagnostics as printed, the streaming and compaction keys, schema evolution's messages. Pure and fast (mutation
// testing runs it once per planted bug); every expectation is written out by hand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withDuck } from '../runtime/engine/duckdb.ts';
import { closest, formatDiagnostic, hasErrors } from '../core/schema/diagnostics.ts';
import { hasRules } from '../core/schema/model.ts';
import { compareSchemas } from '../core/schema/evolution.ts';
import { compactionSpec, datasetCompactionSpec, scheduleProblem, sortByProblems, streamSpec } from '../core/schema/streaming.ts';
import {
  duckdbReadType, duckdbType, formatType, glueType, isNumeric, isTemporal, isWidening, parquetType, parseType, trinoType, TYPE_NAMES,
  type LogicalType,
} from '../core/schema/types.ts';

const T = (text: string): LogicalType => {
  const t = parseType(text);
  if ('error' in t) throw new Error(t.error);
  return t;
};

describe('logical types', () => {
  it('parseType reads the simple names in any case and with spaces, and decimal(p,s) with spaces inside', () => {
    expect(parseType('string')).toEqual({ name: 'string' });
    expect(parseType('  BigInt ')).toEqual({ name: 'bigint' });
    expect(parseType('TIMESTAMP')).toEqual({ name: 'timestamp' });
    expect(parseType('decimal(12,2)')).toEqual({ name: 'decimal', precision: 12, scale: 2 });
    expect(parseType('DECIMAL ( 38 , 0 )')).toEqual({ name: 'decimal', precision: 38, scale: 0 });
    expect(parseType('decimal(1,1)')).toEqual({ name: 'decimal', precision: 1, scale: 1 });
    expect(parseType('decimal(20,10)')).toEqual({ name: 'decimal', precision: 20, scale: 10 });
    expect(TYPE_NAMES).toEqual(['string', 'boolean', 'int', 'bigint', 'double', 'float', 'date', 'timestamp', 'decimal(p,s)']);
  });

  it('parseType refuses, with the reason: precision out of 1..38, scale above precision, a bare decimal, unknown names', () => {
    expect(parseType('decimal(0,0)')).toEqual({ error: 'decimal precision must be 1..38, got 0' });
    expect(parseType('decimal(39,2)')).toEqual({ error: 'decimal precision must be 1..38, got 39' });
    expect(parseType('decimal(5,6)')).toEqual({ error: 'decimal scale 6 exceeds precision 5' });
    expect(parseType('decimal')).toEqual({ error: 'decimal needs precision and scale, e.g. "decimal(12,2)"' });
    expect(parseType('x decimal(5,2)')).toMatchObject({ error: expect.stringMatching(/^unknown type "x decimal\(5,2\)"/) });
    expect(parseType('decimal(5,2) x')).toMatchObject({ error: expect.stringMatching(/^unknown type "decimal\(5,2\) x"/) });
    // aliases of other engines, then the closest name, then the whole list
    expect(parseType('varchar')).toEqual({ error: 'unknown type "varchar": did you mean "string"?' });
    expect(parseType('text')).toEqual({ error: 'unknown type "text": did you mean "string"?' });
    expect(parseType('long')).toEqual({ error: 'unknown type "long": did you mean "bigint"?' });
    expect(parseType('real')).toEqual({ error: 'unknown type "real": did you mean "float"?' });
    expect(parseType('bool')).toEqual({ error: 'unknown type "bool": did you mean "boolean"?' });
    expect(parseType('Datetime')).toEqual({ error: 'unknown type "Datetime": did you mean "timestamp"?' });
    expect(parseType('decimel')).toEqual({ error: 'unknown type "decimel": did you mean "decimal(p,s)"?' });
    expect(parseType('doubel')).toEqual({ error: 'unknown type "doubel": did you mean "double"?' });
    expect(parseType('money')).toEqual({ error: 'unknown type "money": use one of string, boolean, int, bigint, double, float, date, timestamp, decimal(p,s)' });
  });

  it('each type has its DuckDB, reader, Glue, Trino and Parquet name', () => {
    const rows = ['string', 'boolean', 'int', 'bigint', 'double', 'float', 'decimal(12,2)', 'date', 'timestamp'].map((t) => {
      const l = T(t);
      return [formatType(l), duckdbType(l), duckdbReadType(l), glueType(l), trinoType(l), parquetType(l)];
    });
    expect(rows).toEqual([
      ['string', 'VARCHAR', 'VARCHAR', 'string', 'varchar', { physical: 'BYTE_ARRAY', logical: 'STRING' }],
      ['boolean', 'BOOLEAN', 'BOOLEAN', 'boolean', 'boolean', { physical: 'BOOLEAN' }],
      ['int', 'INTEGER', 'INTEGER', 'int', 'integer', { physical: 'INT32' }],
      ['bigint', 'BIGINT', 'BIGINT', 'bigint', 'bigint', { physical: 'INT64' }],
      ['double', 'DOUBLE', 'DOUBLE', 'double', 'double', { physical: 'DOUBLE' }],
      ['float', 'FLOAT', 'FLOAT', 'float', 'real', { physical: 'FLOAT' }],
      ['decimal(12,2)', 'DECIMAL(12,2)', 'DECIMAL(12,2)', 'decimal(12,2)', 'decimal(12,2)', { physical: 'INT64', logical: 'DECIMAL' }],
      ['date', 'DATE', 'DATE', 'date', 'date', { physical: 'INT32', logical: 'DATE' }],
      ['timestamp', 'TIMESTAMP_MS', 'TIMESTAMP', 'timestamp', 'timestamp(3)', { physical: 'INT64', logical: 'TIMESTAMP_MILLIS' }],
    ]);
  });

  it('a decimal is stored in INT32 up to 9 digits, INT64 up to 18, a fixed-length array above (18 without a precision)', () => {
    const physical = (p: number | undefined) => parquetType({ name: 'decimal', ...(p === undefined ? {} : { precision: p }), scale: 0 }).physical;
    expect([1, 9, 10, 18, 19, 38, undefined].map(physical)).toEqual(['INT32', 'INT32', 'INT64', 'INT64', 'FIXED_LEN_BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY', 'INT64']);
  });

  it('numeric, temporal and widening', () => {
    const names = ['string', 'boolean', 'int', 'bigint', 'double', 'float', 'decimal(5,2)', 'date', 'timestamp'];
    expect(names.filter((n) => isNumeric(T(n)))).toEqual(['int', 'bigint', 'double', 'float', 'decimal(5,2)']);
    expect(names.filter((n) => isTemporal(T(n)))).toEqual(['date', 'timestamp']);
    const w = (a: string, b: string) => isWidening(T(a), T(b));
    expect([w('int', 'int'), w('int', 'bigint'), w('float', 'double'), w('bigint', 'int'), w('double', 'float'), w('int', 'double'), w('string', 'string')])
      .toEqual([true, true, true, false, false, false, true]);
    expect([w('decimal(5,2)', 'decimal(7,2)'), w('decimal(5,2)', 'decimal(5,2)'), w('decimal(7,2)', 'decimal(5,2)'), w('decimal(5,2)', 'decimal(7,3)'), w('decimal(5,2)', 'double')])
      .toEqual([true, true, false, false, false]);
    // nothing else widens into bigint, and only a decimal widens into a decimal
    expect([w('double', 'bigint'), w('string', 'bigint'), w('int', 'decimal(10,0)'), w('decimal(10,0)', 'bigint')]).toEqual([false, false, false, false]);
    // without precision and scale, both count as 0
    expect(isWidening({ name: 'decimal' }, { name: 'decimal', precision: 3, scale: 0 })).toBe(true);
    expect(isWidening({ name: 'decimal', precision: 3, scale: 0 }, { name: 'decimal' })).toBe(false);
    expect(isWidening({ name: 'decimal', precision: 3 }, { name: 'decimal', precision: 3, scale: 1 })).toBe(false);
  });
});

describe('quality gates', () => {
  it('a gate with at least one rule, halt or warn, has rules', () => {
    expect([hasRules(undefined), hasRules({ halt: [], warn: [] }), hasRules({ halt: ['RowCount > 0'], warn: [] }), hasRules({ halt: [], warn: ['a', 'b'] })])
      .toEqual([false, false, true, true]);
  });
});

describe('diagnostics', () => {
  it('prints file:line:column, "warning: " for warnings, and the fix when there is one', () => {
    expect(formatDiagnostic({ file: 'a.yaml', line: 3, column: 7, severity: 'error', message: 'bad', fix: 'do this' })).toBe('a.yaml:3:7: bad (fix: do this)');
    expect(formatDiagnostic({ file: 'a.yaml', line: 1, column: 1, severity: 'warning', message: 'odd' })).toBe('a.yaml:1:1: warning: odd');
    expect(formatDiagnostic({ file: 'a.yaml', line: 1, column: 1, severity: 'error', message: 'x', fix: '' })).toBe('a.yaml:1:1: x');
    const e = { file: 'f', line: 1, column: 1, severity: 'error' as const, message: 'm' };
    expect([hasErrors([]), hasErrors([{ ...e, severity: 'warning' }]), hasErrors([{ ...e, severity: 'warning' }, e])]).toEqual([false, false, true]);
  });

  it('closest: a prefix of 3 or more letters first (the nearest in length), else an edit distance within max(2, a third of the word)', () => {
    expect(closest('intege', ['int', 'integer', 'bigint'])).toBe('integer');
    expect(closest('integr', ['int', 'integer', 'bigint'])).toBe('int');
    expect(closest('timestamps', ['time', 'timestamp'])).toBe('timestamp');
    // "int" is a prefix of "integer" and of "intx"; the one nearest in length wins
    expect(closest('int', ['integer', 'intx'])).toBe('intx');
    expect(closest('INTEG', ['integer'])).toBe('integer');
    // candidates shorter than 3 letters are no prefix hint; a word shorter than 3 letters takes none
    expect(closest('ab', ['abc'])).toBe('abc'); // by edit distance 1
    expect(closest('idx', ['id'])).toBe('id'); // edit distance 1, not a prefix candidate
    expect(closest('xy', ['xyzzzz'])).toBeUndefined();
    // edit distance: substitution, insertion, deletion each cost 1
    expect(closest('stirng', ['string', 'boolean'])).toBe('string');
    expect(closest('bolean', ['string', 'boolean'])).toBe('boolean');
    expect(closest('booleaan', ['string', 'boolean'])).toBe('boolean');
    expect(closest('qqqq', ['string', 'boolean'])).toBeUndefined();
    // the bound grows with the word: 9 letters allow 3 edits, 6 letters only 2
    expect(closest('abcdefxyz', ['abcdefghi'])).toBe('abcdefghi');
    expect(closest('abcxyz', ['abcdef'])).toBeUndefined();
    expect(closest('abxy', ['abcd'])).toBe('abcd');
    // the lowest score wins, the first of equals
    expect(closest('cat', ['bat', 'cut', 'car'])).toBe('bat');
    expect(closest('kitten', ['sitting', 'kitchen'])).toBe('kitchen');
    expect(closest('a', [])).toBeUndefined();
    // a 3-letter word takes a prefix hint; a candidate of 2 letters gives none
    expect(closest('int', ['integer'])).toBe('integer');
    expect(closest('abcdef', ['ab', 'abcxyz'])).toBeUndefined();
  });
});

describe('streaming and compaction keys', () => {
  const collect = () => {
    const out: string[] = [];
    return { out, err: (path: ReadonlyArray<string | number>, message: string, fix?: string) => out.push(`${path.join('.')}: ${message} (${fix})`) };
  };

  it('stream: defaults, and a source Firehose cannot deliver is an error at source', () => {
    const a = collect();
    expect(streamSpec(undefined, { format: 'csv', compression: 'none' }, a.err)).toBeUndefined();
    expect(streamSpec({}, { format: 'jsonl', compression: 'auto' }, a.err)).toEqual({ buffer: { seconds: 60, megabytes: 64 }, source: 'direct' });
    expect(streamSpec({ buffer: { seconds: 5, megabytes: 1 }, source: 'kinesis' }, { format: 'jsonl', compression: 'gzip' }, a.err))
      .toEqual({ buffer: { seconds: 5, megabytes: 1 }, source: 'kinesis' });
    expect(streamSpec({ buffer: { seconds: 5 } }, { format: 'jsonl', compression: 'gzip' }, a.err)).toEqual({ buffer: { seconds: 5, megabytes: 64 }, source: 'direct' });
    expect(a.out).toEqual([]);
    streamSpec({}, { format: 'csv', compression: 'zstd' }, a.err);
    expect(a.out).toEqual([
      'source.format: dataset streams records (stream:), which arrive as JSON lines; source.format csv cannot read them (set source.format: jsonl (one JSON object per line))',
      'source.compression: dataset streams records (stream:), which arrive gzipped (.gz); source.compression zstd cannot read them (set source.compression: auto (or gzip))',
    ]);
    const b = collect();
    streamSpec({}, { format: 'jsonl', compression: 'none' }, b.err);
    expect(b.out).toEqual([expect.stringMatching(/^source\.compression: .* source\.compression none cannot/)]);
  });

  it('compaction: defaults; sortBy must name columns once each, checked only when the columns are known', () => {
    const a = collect();
    expect(compactionSpec(undefined, ['a'], ['compaction'], a.err)).toBeUndefined();
    expect(compactionSpec({}, ['a'], ['compaction'], a.err)).toEqual({ minFiles: 32, targetMb: 128, sortBy: [] });
    expect(compactionSpec({ minFiles: 4, targetMb: 16, sortBy: ['a'] }, ['a'], ['compaction'], a.err)).toEqual({ minFiles: 4, targetMb: 16, sortBy: ['a'] });
    expect(compactionSpec({ sortBy: ['zz'] }, undefined, ['gold', 0, 'compaction'], a.err)).toEqual({ minFiles: 32, targetMb: 128, sortBy: ['zz'] });
    expect(a.out).toEqual([]);
    compactionSpec({ sortBy: ['amount', 'amout', 'amount', 'qqq'] }, ['id', 'amount'], ['gold', 1, 'compaction'], a.err);
    expect(a.out).toEqual([
      'gold.1.compaction.sortBy.1: compaction.sortBy names "amout", which is not a column (did you mean "amount"?)',
      'gold.1.compaction.sortBy.2: compaction.sortBy lists "amount" twice (list each column once)',
      'gold.1.compaction.sortBy.3: compaction.sortBy names "qqq", which is not a column (use one of id, amount)',
    ]);
    expect(sortByProblems(['a', 'b'], ['a', 'b'])).toEqual([]);
  });

  it('dataset compaction: the schedule defaults to rate(1 hour) and must be one EventBridge Scheduler accepts', () => {
    const a = collect();
    expect(datasetCompactionSpec(undefined, ['a'], a.err)).toBeUndefined();
    expect(datasetCompactionSpec({}, ['a'], a.err)).toEqual({ minFiles: 32, targetMb: 128, sortBy: [], schedule: 'rate(1 hour)' });
    expect(datasetCompactionSpec({ schedule: 'cron(0 * * * ? *)', sortBy: ['a'] }, ['a'], a.err)).toEqual({ minFiles: 32, targetMb: 128, sortBy: ['a'], schedule: 'cron(0 * * * ? *)' });
    expect(a.out).toEqual([]);
    datasetCompactionSpec({ schedule: 'rate(2 hour)', sortBy: ['zzzz'] }, ['a'], a.err);
    expect(a.out).toEqual([
      'compaction.sortBy.0: compaction.sortBy names "zzzz", which is not a column (use one of a)',
      'compaction.schedule: compaction.schedule "rate(2 hour)" must say hours for a value of 2 (write e.g. rate(1 hour), rate(30 minutes) or cron(15 * * * ? *))',
    ]);
  });

  it('scheduleProblem: rate with a value of at least 1, singular for 1; cron with six fields; nothing else', () => {
    const ok = ['rate(1 minute)', 'rate(1 hour)', 'rate(1 day)', 'rate(5 minutes)', 'rate(2 hours)', 'rate(30 days)', 'cron(15 * * * ? *)', 'cron( 0  12 * * ? 2030 )'];
    expect(ok.map(scheduleProblem)).toEqual(ok.map(() => undefined));
    expect(scheduleProblem('rate(0 minutes)')).toBe('has a rate below 1');
    expect(scheduleProblem('rate(1 hours)')).toBe('must say hour for a value of 1');
    expect(scheduleProblem('rate(1 days)')).toBe('must say day for a value of 1');
    expect(scheduleProblem('rate(3 minute)')).toBe('must say minutes for a value of 3');
    expect(scheduleProblem('cron(0 12 * * ?)')).toBe('needs six cron fields (minutes hours day-of-month month day-of-week year)');
    expect(scheduleProblem('cron(0 12 * * ? * *)')).toBe('needs six cron fields (minutes hours day-of-month month day-of-week year)');
    for (const bad of ['rate(1 week)', 'rate(-1 hours)', 'rate(1.5 hours)', ' rate(1 hour)', 'rate(1 hour) ', 'rate(1  hour)', 'every hour', 'xcron(0 12 * * ? *)', 'cron(0 12 * * ? *)x', 'at(2030-01-01T00:00:00)']) {
      expect([bad, scheduleProblem(bad)]).toEqual([bad, 'is not a rate(...) or cron(...) expression']);
    }
  });
});

describe('schema evolution messages', () => {
  const schema = (hash: string, columns: Array<[string, string]>, partitionKeys: Array<[string, string]> = []) => ({
    hash, columns: columns.map(([name, type]) => ({ name, type })), partitionKeys: partitionKeys.map(([name, type]) => ({ name, type })),
  });

  it('a type that does not parse is retyped even into another that does not (never widened); the new column is named from the type', () => {
    expect(compareSchemas(schema('1', [['a', 'nope']]), schema('2', [['a', 'nope2']])).map((c) => [c.kind, c.message])).toEqual([
      ['retyped', 'column a changed type from nope to nope2: old files hold nope values']]);
    expect(compareSchemas(schema('1', [['a', 'int']]), schema('2', [['a', 'decimal(10, 2)']]))[0]!.migration).toMatch(/^add a new column \(e\.g\. a_decimal_10_2_\)/);
  });

  it('a refused type change says "holds exactly" exactly when DuckDB reads the widest old values into the new type unchanged (property over numeric types)', async () => {
    // The refusal is Iceberg's promotions (isWidening); only its reason depends on whether the values fit. It said they
    // could not be read back exactly of decimal(12,2) into decimal(14,3), which holds every one (newcomer's trial, stop 57).
    const decimal = fc.integer({ min: 1, max: 38 }).chain((p) => fc.integer({ min: 0, max: p }).map((sc) => `decimal(${p},${sc})`));
    // Old types of exact values (a float's or double's values are not what a decimal compares them with); new types
    // of every numeric kind.
    const from = fc.oneof(decimal, fc.constantFrom('int', 'bigint'));
    const to = fc.oneof(decimal, fc.constantFrom('int', 'bigint', 'float', 'double'));
    /** The old type's values of most digits, as DuckDB SQL: both ends of its range, and its smallest step. */
    const extremes = (t: string): string[] => {
      const d = /^decimal\((\d+),(\d+)\)$/.exec(t);
      if (d) {
        const [p, sc] = [Number(d[1]), Number(d[2])];
        const max = `${'9'.repeat(p - sc) || '0'}${sc ? `.${'9'.repeat(sc)}` : ''}`;
        return [max, `-${max}`, sc ? `0.${'0'.repeat(sc - 1)}1` : '1'].map((v) => `CAST('${v}' AS ${t})`);
      }
      return { int: ['-2147483648', '2147483647'], bigint: ['-9223372036854775808', '9223372036854775807'] }[t]!.map((v) => `CAST('${v}' AS ${t === 'int' ? 'INTEGER' : 'BIGINT'})`);
    };
    // Whether the value v of type `from` is the same value in type `to`: cast there and back (a rounded or overflowing
    // value is not). Into a float or a double: a decimal step 10^-s (s > 0) is no binary fraction, so never; an integer
    // compared as a HUGEINT, to which DuckDB casts an integral double exactly.
    const sql = (t: string) => t.replace(/^int$/, 'INTEGER');
    const same = (v: string, from: string, to: string) => (!/^(float|double)$/.test(to)
      ? `TRY_CAST(TRY_CAST(${v} AS ${sql(to)}) AS ${sql(from)}) = ${v}`
      : /,0\)$|^int$|^bigint$/.test(from) ? `TRY_CAST(TRY_CAST(${v} AS ${to}) AS HUGEINT) = CAST(${v} AS HUGEINT)` : 'false');
    await withDuck(async (db) => {
      await fc.assert(fc.asyncProperty(from, to, async (from, to) => {
        const [change] = compareSchemas(schema('1', [['a', from]]), schema('2', [['a', to]]));
        fc.pre(change?.kind === 'retyped');
        const fit = await Promise.all(extremes(from).map(async (v) => (await db.one<{ ok: boolean | null }>(`SELECT ${same(v, from, to)} AS ok`)).ok === true));
        expect([from, to, change!.message.includes(`, which ${to} holds exactly, but readers do not convert them`)]).toEqual([from, to, fit.every(Boolean)]);
        expect(change!.message.includes('cannot read back exactly')).toBe(!fit.every(Boolean));
      }), { numRuns: 300 });
    });
  });

  it('the same hash is no change, whatever the columns say', () => {
    expect(compareSchemas(schema('h', [['a', 'int']]), schema('h', [['b', 'string']]))).toEqual([]);
  });

  it('each kind of change, with its message and migration', () => {
    const before = schema('1', [['id', 'int'], ['old', 'string'], ['gone', 'date'], ['price', 'float'], ['qty', 'decimal(5,2)']], [['dt', 'string']]);
    const after = schema('2', [['id', 'bigint'], ['new', 'string'], ['price', 'decimal(10,2)'], ['qty', 'decimal(bad)'], ['note', 'string'], ['must', 'int']], [['dt', 'string'], ['h', 'int']]);
    // The dataset named in the way out, and how to feed it the old one's objects (newcomer's trial, stop 46: "<name>").
    const replay = 'create a new dataset (e.g. orders_v2) with the new schema and re-ingest its bronze objects into it in the order they first arrived (locally: strata ingest orders_v2 <object>… with the objects of strata runs --dataset orders --limit 100000 --json, oldest first)';
    expect(compareSchemas(before, after, new Set(['must']), [], 'orders')).toEqual([
      { kind: 'renamed', column: 'old', breaking: true,
        message: 'column old looks renamed to new: old files still call it old, so new would read as NULL for them',
        migration: `keep old and add new (fill it going forward), or ${replay}` },
      { kind: 'dropped', column: 'gone', breaking: true,
        message: 'column gone (date) was removed, but silver files and Athena still have it',
        migration: `keep the column (it may stay NULL for new rows), or ${replay}` },
      { kind: 'added', column: 'note', breaking: false, message: 'new column note (string)' },
      { kind: 'required-added', column: 'must', breaking: false, message: 'new required column must: rows already in silver read it as NULL' },
      { kind: 'widened', column: 'id', breaking: false, message: 'column id widened from int to bigint' },
      { kind: 'retyped', column: 'price', breaking: true,
        message: 'column price changed type from float to decimal(10,2): old files hold float values that decimal(10,2) cannot read back exactly',
        migration: `add a new column (e.g. price_decimal_10_2_) with the new type and keep price, or ${replay}` },
      { kind: 'retyped', column: 'qty', breaking: true,
        message: 'column qty changed type from decimal(5,2) to decimal(bad): old files hold decimal(5,2) values',
        migration: `add a new column (e.g. qty_decimal_bad_) with the new type and keep qty, or ${replay}` },
      { kind: 'repartitioned', breaking: true,
        message: 'partitions changed from (dt:string) to (dt:string,h:int): existing folders cannot be re-read under the new layout',
        migration: replay },
    ]);
  });

  it('a dropped column is a rename only when an added one has its type; partitions appear and disappear', () => {
    const r = compareSchemas(schema('1', [['a', 'int'], ['b', 'string']]), schema('2', [['a', 'int'], ['c', 'int']], [['p', 'date']]));
    expect(r.map((c) => [c.kind, c.column])).toEqual([['dropped', 'b'], ['added', 'c'], ['repartitioned', undefined]]);
    expect(r[2]!.message).toBe('partitions changed from (none) to (p:date): existing folders cannot be re-read under the new layout');
    const back = compareSchemas(schema('1', [['a', 'int']], [['p', 'date']]), schema('2', [['a', 'int']]));
    expect(back.map((c) => c.message)).toEqual(['partitions changed from (p:date) to (none): existing folders cannot be re-read under the new layout']);
    // a bad old type is retyped, never widened
    expect(compareSchemas(schema('1', [['a', 'nope']]), schema('2', [['a', 'int']])).map((c) => c.kind)).toEqual(['retyped']);
    // two dropped columns of one type: each pairs with its own added twin
    expect(compareSchemas(schema('1', [['a', 'int'], ['b', 'int']]), schema('2', [['c', 'int'], ['d', 'int']])).map((c) => c.message.split(':')[0]))
      .toEqual(['column a looks renamed to c', 'column b looks renamed to d']);
  });
});

// The functions user-written SQL may call — gold tables, DQDL CustomSql statements and where clauses alike — and
// the advice for common ones that are not on the list. One list, in one place: a function is on it when it reads
// nothing but its arguments (no file, setting, variable or catalog) and gives the same result on DuckDB and on
// Athena (Trino, engine v3); measured differences: ../shared/reference/athena-duckdb-notes.md §5. Names are DuckDB's
// as its parser gives them (json_serialize_sql): operators included, `LIKE` is `~~`, `extract` is `date_part`.

/** Functions and operators user SQL may call. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  'count_star', 'count', 'sum', 'avg', 'min', 'max', 'coalesce', 'nullif', 'abs', 'round', 'floor', 'ceil', 'ceiling',
  'ln', 'exp', 'power', 'pow', 'sqrt', 'mod', 'sign', 'lower', 'upper', 'length', 'substr', 'substring', 'trim', 'ltrim',
  'rtrim', 'replace', 'strpos', 'starts_with', 'lpad', 'rpad', 'reverse', 'split_part', 'greatest', 'least', 'year',
  'month', 'day', 'hour', 'minute', 'second', 'quarter', 'date_trunc', 'date_diff', 'date_part', 'stddev_pop',
  'stddev_samp', 'var_pop', 'var_samp', 'corr', 'covar_pop', 'covar_samp', 'bool_and', 'bool_or', 'count_if', 'max_by',
  'min_by', 'arbitrary', 'if', 'cast', '+', '-', '*', '/', '%', '||', '~~', '!~~', 'row_number', 'rank', 'dense_rank',
  'lag', 'lead', 'first_value', 'last_value', 'ntile', 'percent_rank', 'cume_dist',
]);

/** The aggregate functions of ALLOWED_FUNCTIONS: each row they give summarises many rows. */
export const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set([
  'count_star', 'count', 'sum', 'avg', 'min', 'max', 'stddev_pop', 'stddev_samp', 'var_pop', 'var_samp', 'corr',
  'covar_pop', 'covar_samp', 'bool_and', 'bool_or', 'count_if', 'max_by', 'min_by', 'arbitrary',
]);

/** Why a common function is not on the list, and what to write instead. */
export const FUNCTION_ADVICE: Readonly<Record<string, { message: string; fix: string }>> = {
  concat: { message: 'concat() skips NULL arguments on DuckDB but returns NULL on Athena', fix: "use a || b (NULL on both), or coalesce(a, '') || coalesce(b, '')" },
  regexp_replace: { message: 'regexp_replace replaces every match and reads $1 on Athena, only the first (without the g flag) and \\1 on DuckDB', fix: 'use replace() for literal text, or keep the regular expression out of gold SQL' },
  date_add: { message: 'date_add takes (unit, n, t) on Athena and (t, interval) on DuckDB', fix: "write t + INTERVAL '1' DAY" },
  datediff: { message: 'datediff counts unit boundaries on DuckDB and whole units on Athena', fix: "date_diff('day', CAST(a AS DATE), CAST(b AS DATE))" },
  date_sub: { message: 'date_sub differs between the engines', fix: "date_diff('day', CAST(a AS DATE), CAST(b AS DATE))" },
  dayofweek: { message: 'day-of-week numbering differs (DuckDB: Sunday = 0, Athena: ISO, Monday = 1)', fix: "mod(date_diff('day', DATE '1970-01-05', CAST(x AS DATE)), 7) + 1 (ISO: Monday = 1)" },
  isodow: { message: 'isodow() does not exist on Athena', fix: "mod(date_diff('day', DATE '1970-01-05', CAST(x AS DATE)), 7) + 1" },
  weekday: { message: 'weekday() differs between the engines', fix: "mod(date_diff('day', DATE '1970-01-05', CAST(x AS DATE)), 7) + 1" },
  strftime: { message: 'strftime() does not exist on Athena (date_format there uses other codes, %i for minutes)', fix: 'CAST(x AS DATE) or CAST(x AS VARCHAR), or extract parts with year(), month(), day()' },
  strptime: { message: 'strptime() does not exist on Athena', fix: 'parse values in the silver schema (column format:), not in gold SQL' },
  '//': { message: '// (integer division) does not exist on Athena', fix: 'floor(CAST(a AS DOUBLE) / b)' },
  '~~*': { message: 'ILIKE does not exist on Athena', fix: "lower(a) LIKE lower('pattern')" },
  approx_count_distinct: { message: 'approximate functions use different estimators on the two engines', fix: 'count(DISTINCT x)' },
  approx_quantile: { message: 'approximate functions use different estimators on the two engines', fix: 'use exact aggregates' },
  list: { message: 'lists are built differently on the two engines', fix: 'keep gold tables flat' },
  any_value: { message: 'any_value is not available on every Athena engine v3 version', fix: 'arbitrary(x)' },
  first: { message: 'first() is DuckDB-only', fix: 'arbitrary(x), or min_by/max_by' },
};

/** Names (lower case) of functions that read files, the network, settings or the catalog: said so when refused. */
const READS_OUTSIDE = /^(read_|parquet_|glob$|query$|query_table$|current_setting$|getenv$|getvariable$|duckdb_|pragma_|sqlite_|iceberg_|delta_|json_execute_serialized_sql$|sniff_csv$|which_secret$|load_|file_)/;

/**
 * Why user SQL may not call `name` (DuckDB's function name, any case), or undefined when it may.
 * Source of the list: see the header; a function off the list is refused whatever its arguments.
 */
export function functionRefusal(name: string): { message: string; fix: string } | undefined {
  const f = name.toLowerCase();
  if (ALLOWED_FUNCTIONS.has(f)) return undefined;
  const advice = FUNCTION_ADVICE[f];
  if (advice) return advice;
  if (READS_OUTSIDE.test(f)) {
    return { message: `${f}() reads files, settings or the engine's catalog, which user SQL may not`, fix: 'read tables only (the ones this SQL is given)' };
  }
  return { message: `${f}() is not on the list of functions user SQL may call (known to give the same result on Athena (Trino) and DuckDB, and to read nothing but their arguments)`, fix: 'use a function on the list (core/sql/functions.ts), or move the logic into the silver schema' };
}

/**
 * Table functions `strata query` may call (DuckDB 1.5's, duckdb_functions() of type table): those that read files
 * under the lake (the lockdown's allowed folder), generate rows, or show the engine's state. Any other is refused:
 * enable_logging wrote log files into the lake's bronze folder from a SELECT, which strata doctor then took for
 * uploads (an attack, stop 58); checkpoint, profiling and the parser switches change the engine; query,
 * query_table and json_execute_serialized_sql run SQL the query's own check never saw; arrow_scan reads memory.
 */
const QUERY_TABLE_FUNCTIONS = /^(read_(parquet|csv|csv_auto|json|json_auto|json_objects|json_objects_auto|ndjson|ndjson_auto|ndjson_objects|text|blob|duckdb)|parquet_(scan|metadata|schema|file_metadata|kv_metadata|full_metadata|bloom_probe)|glob|sniff_csv|range|generate_series|unnest|repeat|repeat_row|json_each|json_tree|summary|histogram|histogram_values|duckdb_[a-z_]+|pragma_[a-z_]+|pg_timezone_names|icu_calendar_names|test_all_types|test_vector_types|which_secret)$/;

/** Why `strata query` may not call the table function `name` (any case), or undefined when it may (QUERY_TABLE_FUNCTIONS). */
export function queryTableFunctionRefusal(name: string): string | undefined {
  return QUERY_TABLE_FUNCTIONS.test(name.toLowerCase()) ? undefined : `${name.toLowerCase()}() changes the engine or the files, or runs SQL of its own: strata query reads the lake`;
}

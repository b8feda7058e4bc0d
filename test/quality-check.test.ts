// strata check of quality gates (core/quality/check.ts): each problem of a silver or gold rule at its file, line and
// column, with the fix that fits it, in the file's order. Positions are counted by hand on the schema text below
// (its line numbers are in the comments); messages of the DQDL checker itself are pinned in dqdl-parse/dqdl-rules.
import { describe, expect, it } from 'vitest';
import { checkProjectAsync } from '../core/project.ts';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { ordersSchema } from './helpers/lake.ts';

// ordersSchema's own text is lines 1-19; this starts at line 20.
const EXTRA = `quality:
  silver:
    halt:
      - IsComplete "nope"
      - 'RowCount >'
      - CustomSql "SELECT count(*) FROM primary JOIN ghost USING (x)" > 0
    warn:
      - ReferentialIntegrity "customer_name" "customers.name" = 1.0
      - ReferentialIntegrity "customer_name" "nowhere.name" = 1.0
      - >
        RowCount >
gold:
  - table: daily
    sql: |
      SELECT CAST(created_at AS DATE) AS day, SUM(amount) AS revenue FROM silver.orders GROUP BY 1
    partitionBy: [day]
    refresh: incremental
    quality:
      halt: ['IsComplete "amount"', 'RowCount >', 'ReferentialIntegrity "day" "orders.dt" = 1.0']
      warn:
        - CustomSql "SELECT count(*) FROM primary JOIN ghost USING (x)" > 0
  - table: everything
    sql: SELECT c.name, count(*) AS n FROM silver.orders o JOIN silver.customers c ON c.name = o.customer_name GROUP BY 1
    refresh: full
    quality:
      halt: ['ReferentialIntegrity "name" "customers.name" = 1.0', 'ReferentialIntegrity "name" "ghost.name" = 1.0']
`;
const CUSTOMERS = 'dataset: customers\nsource: { format: csv }\ncolumns:\n  - { name: name, type: string }\n';
const FIX = 'see the DQDL reference in the README (Quality gates) for each rule type and its form';
const SYNTAX = 'expected a number or "last(k)" after ">" at "RowCount >"';
const GHOST = 'CustomSql statement: it reads ghost, but a CustomSql statement reads only primary (the batch)';

describe('strata check: quality rules', () => {
  it('each problem at its line and column, with its fix; rules that are right say nothing', async () => {
    const p = await checkProjectAsync([{ file: 'orders.yaml', text: ordersSchema({ extra: EXTRA }) }, { file: 'customers.yaml', text: CUSTOMERS }]);
    expect(p.diagnostics.map(formatDiagnostic)).toEqual([
      // the silver gate and every gate's syntax, sorted by line: found as 24, 29, 38, then 23, 28
      // 23: the entry's scalar starts at column 9 (6 spaces, "- "); a column problem points at the entry
      'orders.yaml:23:9: quality rule "IsComplete "nope"": column "nope" does not exist in the batch (fix: use a column of this dataset (strata plan <dataset> lists them))',
      // 24: the quoted scalar starts at 9, its text at 10; the error is at offset 10 of "RowCount >": column 20
      `orders.yaml:24:20: quality rule "RowCount >": ${SYNTAX} (fix: ${FIX})`,
      // 27 references customers, a dataset in schemas/: no problem. 28 does not.
      'orders.yaml:28:9: quality rule "ReferentialIntegrity "customer_name" "nowhere.name" = 1.0": unknown reference dataset "nowhere" (fix: reference one of the datasets in schemas/: orders, customers)',
      // 29: a folded scalar (>) is not moved inside its text: the entry's own position
      `orders.yaml:29:9: quality rule "RowCount >\n": ${SYNTAX} (fix: ${FIX})`,
      // 38: halt: [ starts the first entry at column 14 ('IsComplete "amount"', 21 characters), the second at 37; +1 quote +10
      `orders.yaml:38:48: quality rule "RowCount >": ${SYNTAX} (fix: ${FIX})`,
      // the silver gate's SQL: line 25, column 9 + 45 ('CustomSql "SELECT count(*) FROM primary JOIN ' is 45 characters)
      `orders.yaml:25:54: quality rule "CustomSql "SELECT count(*) FROM primary JOIN ghost USING (x)" > 0": ${GHOST} and customers (fix: read primary or customers)`,
      // gold rules, against the gold table's columns and the datasets its refresh reads whole
      'orders.yaml:38:14: gold table daily: quality rule "IsComplete "amount"": column "amount" does not exist in the batch (fix: use a column of the gold table: day, revenue)',
      // incremental from orders: orders is not read whole, so it cannot be referenced; the third entry starts at 37 + 12 + 2
      'orders.yaml:38:51: gold table daily: quality rule "ReferentialIntegrity "day" "orders.dt" = 1.0": unknown reference dataset "orders" (fix: a gold rule may reference the silver datasets its refresh reads whole: none)',
      // 40: the entry starts at column 11 (8 spaces, "- "), + 45
      `orders.yaml:40:56: gold table daily: quality rule "CustomSql "SELECT count(*) FROM primary JOIN ghost USING (x)" > 0": ${GHOST} (fix: read primary; another dataset can be read once the ruleset declares it (ReferentialIntegrity or RowCountMatch))`,
      // refresh: full reads orders and customers whole: customers.name is fine, ghost is not (the second entry: 14 + 52 + 2)
      'orders.yaml:45:68: gold table everything: quality rule "ReferentialIntegrity "name" "ghost.name" = 1.0": unknown reference dataset "ghost" (fix: a gold rule may reference the silver datasets its refresh reads whole: orders, customers)',
    ]);
  });

  it('a where clause naming a column the batch does not have: at that column, with the closest name; case does not matter', async () => {
    const text = `dataset: t
source: { format: csv }
columns:
  - { name: id, type: bigint }
  - { name: amount, type: double }
quality:
  silver:
    halt:
      - 'ColumnValues "amount" > 0 where "amunt > 0 AND ID > 1"'
      - 'IsComplete "id" where "AMOUNT > 0 and zzz_q < 2"'
gold:
  - table: g
    sql: SELECT id, sum(amount) AS total FROM silver.t GROUP BY id
    refresh: full
    quality:
      warn: ['IsComplete "id" where "totl > 0"']
`;
    const p = await checkProjectAsync([{ file: 't.yaml', text }]);
    expect(p.diagnostics.map(formatDiagnostic)).toEqual([
      // line 9: the scalar at column 9, its text at 10; 'ColumnValues "amount" > 0 where "' is 33 characters: 10 + 33
      'quality rule "ColumnValues "amount" > 0 where "amunt > 0 AND ID > 1"": where clause: "amunt" is not a column of the batch (its columns: id, amount) (fix: did you mean "amount"?)'.replace(/^/, 't.yaml:9:43: '),
      // line 10: 'IsComplete "id" where "' is 23 characters, then 'AMOUNT > 0 and ' (15): 10 + 23 + 15
      't.yaml:10:48: quality rule "IsComplete "id" where "AMOUNT > 0 and zzz_q < 2"": where clause: "zzz_q" is not a column of the batch (its columns: id, amount) (fix: name a column of the batch)',
      // line 16: warn: [ at column 7 + 7 = the entry's quote at 14, its text at 15; + 23
      't.yaml:16:38: gold table g: quality rule "IsComplete "id" where "totl > 0"": where clause: "totl" is not a column of the batch (its columns: id, total) (fix: did you mean "total"?)',
    ]);
  });

  it('a number beyond the range of a double is the rule\'s error at the number, not a crash of check and every ingest (attack, stop 36)', async () => {
    const text = `dataset: t
source: { format: csv }
columns:
  - { name: id, type: bigint }
quality:
  silver:
    halt:
      - 'RowCount > 0 where "id < 1e999"'
      - 'CustomSql "select 1e400" > 0'
`;
    const p = await checkProjectAsync([{ file: 't.yaml', text }]);
    expect(p.diagnostics.map(formatDiagnostic).map((d) => d.replace(/ \(fix: .*$/, ''))).toEqual([
      // 'RowCount > 0 where "' is 20 characters, then 'id < ' (5): 10 + 20 + 5
      't.yaml:8:35: quality rule "RowCount > 0 where "id < 1e999"": where clause: it does not parse: the number 1e999 is beyond the range of a double (about 1.8e308)',
      expect.stringMatching(/^t\.yaml:9:\d+: quality rule "CustomSql "select 1e400" > 0": .*the number 1e400 is beyond the range of a double/),
    ]);
  });

  it('a rule whose SQL cannot run on any rows is check\'s error, as every run would end it in ERROR (attack, stop 36)', async () => {
    const text = `dataset: t
source: { format: csv }
columns:
  - { name: id, type: bigint }
  - { name: code, type: string }
quality:
  silver:
    halt:
      - 'CustomSql "select count(nope) from primary" > 0'
      - CustomSql "select DATE '2025-01-01'" > 0
      - 'CustomSql "select id, id from primary" > 0'
      - 'RowCount > 0 where "id + ''x'' > 0"'
      - 'CustomSql "select count(*) from primary where id > ?" > 0'
      - 'RowCount > 0 where "id > $1"'
    warn:
      - 'CustomSql "select count(*) from primary where code = ''a''" > 0'
      - 'CustomSql "select bool_and(id >= 0) from primary" = 1'
      - 'CustomSql "select CAST(count(*) AS VARCHAR) from primary" > 0'
      - 'CustomSql "select max(id) from primary" > 0'
      - 'ColumnValues "id" > 0 where "code = ''a''"'
      - 'ColumnValues "id" > 0 where "code = 1"'
      - CustomSql "select 'abc'" > 0
      - 'CustomSql "select coalesce(max(code), ''0'') from primary" > 0'
gold:
  - table: g
    sql: SELECT code, count(*) AS n FROM silver.t GROUP BY code
    refresh: full
    quality:
      halt: ['CustomSql "select sum(n) from primary" > 0', '(CustomSql "select count(*) from primary join t using (code)" > 0) and (RowCountMatch "t" > 0)']
      warn: ['CustomSql "select CAST(code AS DATE) from primary" > 0']
`;
    const p = await checkProjectAsync([{ file: 't.yaml', text }]);
    const lines = p.diagnostics.map(formatDiagnostic).map((d) => d.replace(/ \(fix: .*$/, '').replace(/^t\.yaml:(\d+):\d+: /, '$1: '));
    expect(lines).toEqual([
      '9: quality rule "CustomSql "select count(nope) from primary" > 0": its SQL does not bind: Referenced column "nope" not found in FROM clause!',
      '10: quality rule "CustomSql "select DATE \'2025-01-01\'" > 0": the CustomSql statement returns a DATE, not a number',
      '11: quality rule "CustomSql "select id, id from primary" > 0": the CustomSql statement returns 2 columns; with a condition it must return one number',
      '12: quality rule "RowCount > 0 where "id + \'x\' > 0"": its SQL fails on any row: Could not convert string \'x\' to INT64',
      '13: quality rule "CustomSql "select count(*) from primary where id > ?" > 0": its SQL does not bind: Expected 1 parameters, but none were supplied',
      '14: quality rule "RowCount > 0 where "id > $1"": its SQL does not bind: Expected 1 parameters, but none were supplied',
      // Text compared with a number: a warning, as a column of digits converts at every run (second attack, stop 36).
      '21: warning: quality rule "ColumnValues "id" > 0 where "code = 1"": it converts text to a number (to INT32), so the first value that is no number ends it in ERROR',
      // A constant text that is no number: a warning (two rows do not prove a value constant; third attack, stop 36).
      '22: warning: quality rule "CustomSql "select \'abc\'" > 0": the CustomSql statement returns "abc" whatever the rows, which is no number: the rule ends in ERROR',
      '30: gold table g: quality rule "CustomSql "select CAST(code AS DATE) from primary" > 0": the CustomSql statement returns a DATE, not a number',
    ]);
  });

  it('a literal block is pointed into line by line; one line\'s problems by column; the generic fix; a gold table of an incremental refresh may reference what it joins', async () => {
    // lines 20-: the block's second line is line 28; the gold rule is line 36
    const extra = `quality:
  silver:
    halt: ['IsComplete "nope"', 'RowCount >']
    warn:
      - Mean "status" > 1
      - ReferentialIntegrity "customer_name" "customers.name" = 1.0
      - |
        CustomSql "SELECT count(*)
          FROM primary   JOIN ghost USING (x)" > 0
gold:
  - table: named
    sql: |
      SELECT CAST(o.created_at AS DATE) AS day, c.name, count(*) AS n FROM silver.orders o JOIN silver.customers c ON c.name = o.customer_name GROUP BY 1, 2
    partitionBy: [day]
    refresh: incremental
    quality:
      halt: ['ReferentialIntegrity "name" "ghost.name" = 1.0', 'ReferentialIntegrity "name" "customers.name" = 1.0']
`;
    const p = await checkProjectAsync([{ file: 'customers.yaml', text: CUSTOMERS }, { file: 'orders.yaml', text: ordersSchema({ extra }) }]);
    expect(p.diagnostics.map(formatDiagnostic)).toEqual([
      // line 22: "    halt: [" puts 'IsComplete "nope"' at column 12, 'RowCount >' at 12 + 19 + 2 = 33, its error at 33 + 1 + 10 = 44;
      // the syntax error is found first, the column problem after: sorted by column
      'orders.yaml:22:12: quality rule "IsComplete "nope"": column "nope" does not exist in the batch (fix: use a column of this dataset (strata plan <dataset> lists them))',
      `orders.yaml:22:44: quality rule "RowCount >": ${SYNTAX} (fix: ${FIX})`,
      expect.stringMatching(new RegExp(`^orders\\.yaml:24:9: quality rule "Mean "status" > 1": .+ \\(fix: ${FIX.replace(/[()]/g, '\\$&')}\\)$`)),
      // the gate declares customers (line 25), so its CustomSql may read it; line 28: 10 spaces and "FROM primary   JOIN " (20 characters) before ghost: column 31; the rule's whitespace shown as single spaces
      `orders.yaml:28:31: quality rule "CustomSql "SELECT count(*) FROM primary JOIN ghost USING (x)" > 0": ${GHOST} and customers (fix: read primary or customers)`,
      // line 36: the first entry starts at column 14
      'orders.yaml:36:14: gold table named: quality rule "ReferentialIntegrity "name" "ghost.name" = 1.0": unknown reference dataset "ghost" (fix: a gold rule may reference the silver datasets its refresh reads whole: customers)',
    ]);
  });
});

describe('strata check: the SQL of an engine: athena gold gate', () => {
  it('is held to the gold SQL\'s portability: an integer division in a CustomSql statement or a where clause, at the operator (attack, stop 35)', async () => {
    const text = `dataset: flights
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: origin, type: string, required: true }
  - { name: delay, type: int }
gold:
  - table: late_share
    engine: athena
    refresh: full
    sql: SELECT origin, COUNT(*) AS flights, SUM(CASE WHEN delay > 15 THEN 1 ELSE 0 END) AS late FROM silver.flights GROUP BY origin
    quality:
      halt:
        - CustomSql "select sum(late) / sum(flights) from primary" < 0.2
        - RowCount > 0 where "late / flights < 1"
        - CustomSql "select sum(CAST(late AS DOUBLE)) / sum(flights) from primary" < 0.2
`;
    const errors = async (t: string) => (await checkProjectAsync([{ file: 'flights.yaml', text: t }])).diagnostics.filter((d) => d.severity === 'error')
      .map((d) => `${d.line}:${d.column}: ${d.message}`);
    const division = 'integer / integer is an integer division on Athena and a decimal one on DuckDB';
    expect(await errors(text)).toEqual([
      `14:39: gold table late_share: quality rule "CustomSql "select sum(late) / sum(flights) from primary" < 0.2": runs on Athena (engine: athena): ${division}`,
      `15:36: gold table late_share: quality rule "RowCount > 0 where "late / flights < 1"": runs on Athena (engine: athena): ${division}`,
    ]);
    // The same gate of a table DuckDB refreshes runs on DuckDB only: nothing to say.
    expect(await errors(text.replace('engine: athena', 'engine: duckdb'))).toEqual([]);
  });
});

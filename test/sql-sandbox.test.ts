// The user-SQL sandbox's refusals, one construct at a time (core/sql/sandbox.ts, core/sql/functions.ts) and the
// binder they run on (core/sql/binder.ts): fast, on an in-memory DuckDB, no lake. Each refused statement or condition
// is written out with the exact finding expected: its message, its fix, and its offset, given as the position of a
// marker picked by hand in the text. test/user-sql-sandbox.test.ts shows the same walls end to end (strata check, a
// run, the locked engine); here each branch of the vetting is pinned on its own.
import { describe, expect, it } from 'vitest';
import { plain, withBinder, type SqlSession } from '../core/sql/binder.ts';
import { functionRefusal } from '../core/sql/functions.ts';
import { condition, conditionColumns, sameTree, serialize, subquery, treeFindings, vetCondition, vetQuery, type Node, type RelationPolicy } from '../core/sql/sandbox.ts';

/** The relations a statement may read: primary and customers, unqualified, any case. The rest is refused, named. */
const relations: RelationPolicy = ({ catalog, schema, table }) =>
  (!catalog && !schema && ['primary', 'customers'].includes(table.toLowerCase()) ? undefined : { message: `no ${catalog}.${schema}.${table}`, fix: 'read primary' });

/** The findings of a statement, or of a condition. */
const query = (db: SqlSession, sql: string) => vetQuery(db, sql, relations).then((r) => r.findings);
const cond = (db: SqlSession, sql: string) => vetCondition(db, sql).then((r) => r.findings);

/** Offset of `marker` in `sql` (its last occurrence with `last`), failing the test when it is not there. */
function at(sql: string, marker: string, last = false): number {
  const i = last ? sql.lastIndexOf(marker) : sql.indexOf(marker);
  if (i < 0) throw new Error(`${marker} not in ${sql}`);
  return i;
}

const ONE_SELECT = { message: 'exactly one SELECT statement may be written here', fix: 'write one SELECT statement' };
const ONE_CONDITION = { message: 'a where clause is exactly one condition', fix: "write one condition on the row's columns, e.g. status = 'NEW'" };
const GOES_ON = { fix: "write one condition on the row's columns, e.g. status = 'NEW' AND amount > 0" };
const OFF_LIST = (f: string) => ({
  message: `${f}() is not on the list of functions user SQL may call (known to give the same result on Athena (Trino) and DuckDB, and to read nothing but their arguments)`,
  fix: 'use a function on the list (core/sql/functions.ts), or move the logic into the silver schema',
});
const READS_OUTSIDE = (f: string) => ({ message: `${f}() reads files, settings or the engine's catalog, which user SQL may not`, fix: 'read tables only (the ones this SQL is given)' });
const TABLE_FUNCTION = (f: string) => ({ message: `${f}() is a table function: user SQL reads no files, URLs or engine state`, fix: 'read tables only (the ones this SQL is given)' });

describe('the binder', () => {
  it('is an in-memory DuckDB with external access and extensions off, configuration locked, one thread, 256 MB, UTC', async () => {
    await withBinder(async (db) => {
      expect(await db.all(`SELECT current_setting('enable_external_access') AS e, current_setting('lock_configuration') AS l,
        current_setting('TimeZone') AS tz, current_setting('threads') AS t, current_setting('memory_limit') AS m,
        current_setting('autoinstall_known_extensions') AS ai, current_setting('autoload_known_extensions') AS al`))
        .toEqual([{ e: false, l: true, tz: 'UTC', t: 1, m: '244.1 MiB', ai: false, al: false }]);
      await expect(db.run('SET threads = 4')).rejects.toThrow('Cannot change configuration option "threads" - the configuration has been locked');
      await expect(db.all("SELECT * FROM read_csv('/etc/hostname')")).rejects.toThrow('file system operations are disabled by configuration');
    });
  });

  it('runs statements, reads rows as plain values and describes a relation\'s columns; the result of fn is returned', async () => {
    const out = await withBinder(async (db) => {
      await db.run(`CREATE VIEW v AS SELECT 1::BIGINT AS a, 'x' AS b`);
      expect(await db.columns('v')).toEqual([{ name: 'a', type: 'BIGINT' }, { name: 'b', type: 'VARCHAR' }]);
      expect(await db.all(`SELECT a, b, 9007199254740993::BIGINT AS big, [2::BIGINT] AS l, {'x': 3::BIGINT} AS s,
        TIMESTAMP '2025-01-01 10:00:00' AS ts, NULL AS n FROM v`))
        .toEqual([{ a: 1, b: 'x', big: '9007199254740993', l: [2], s: { x: 3 }, ts: new Date('2025-01-01T10:00:00Z'), n: null }]);
      return 'done';
    });
    expect(out).toBe('done');
  });

  it('closes the database when fn ends, and when it throws', async () => {
    let kept: SqlSession | undefined;
    await withBinder(async (db) => { kept = db; });
    await expect(kept!.all('SELECT 1 AS x')).rejects.toThrow('connection disconnected');
    await expect(withBinder(async (db) => { kept = db; throw new Error('planted'); })).rejects.toThrow('planted');
    await expect(kept!.all('SELECT 1 AS x')).rejects.toThrow('connection disconnected');
  });

  it('plain: BigInts that fit become numbers, others decimal strings; lists and structs converted, dates kept', () => {
    expect(plain(10n)).toBe(10);
    expect(plain(-(2n ** 53n) + 1n)).toBe(-9007199254740991);
    expect(plain(2n ** 53n)).toBe('9007199254740992');
    expect(plain([1n, { a: 2n, b: [3n] }])).toEqual([1, { a: 2, b: [3] }]);
    const d = new Date('2025-06-12T00:00:00Z');
    expect(plain(d)).toBe(d);
    expect(plain({ d })).toEqual({ d });
    expect(plain(null)).toBe(null);
    expect(plain('7')).toBe('7');
  });
});

describe('splicing', () => {
  it('a statement goes on lines of its own in parentheses; a condition in parentheses', () => {
    expect(subquery('select 1 -- c')).toBe('(\nselect 1 -- c\n)');
    expect(condition('a > 0')).toBe('(a > 0)');
  });

  it('sameTree ignores where the parser found each node, and nothing else', async () => {
    await withBinder(async (db) => {
      const a = await serialize(db, 'select 1');
      expect(sameTree(a, await serialize(db, '  select   1'))).toBe(true);
      expect(sameTree(a, await serialize(db, 'select 2'))).toBe(false);
      expect(sameTree({ query_location: 1, x: 1 }, { query_location: 2, x: 1 })).toBe(true);
      expect(sameTree({ location: 1 }, { location: 2 })).toBe(false);
    });
  });

  it('serialize gives DuckDB\'s parse tree, or its error with a position', async () => {
    await withBinder(async (db) => {
      expect(await serialize(db, "select 'it''s'")).toMatchObject({ error: false, statements: [{ node: { type: 'SELECT_NODE', select_list: [{ value: { value: "it's" } }] } }] });
      expect(await serialize(db, 'select (')).toMatchObject({ error: true, error_message: 'syntax error at end of input', position: '8' });
    });
  });
});

describe('a statement (vetQuery)', () => {
  it('that passes is given back with its tree: the whole parse result and its one SELECT', async () => {
    await withBinder(async (db) => {
      const r = await vetQuery(db, 'select count(*) from "primary"', relations);
      expect(r.findings).toEqual([]);
      expect(r.vetted?.ast.statements).toHaveLength(1);
      expect(r.vetted?.select).toBe(r.vetted?.ast.statements[0].node);
      expect(r.vetted?.select).toMatchObject({ type: 'SELECT_NODE', from_table: { type: 'BASE_TABLE', table_name: 'primary' } });
    });
  });

  it('that is not exactly one SELECT: none, two, another kind of statement, a SHOW or DESCRIBE', async () => {
    await withBinder(async (db) => {
      expect(await query(db, '')).toEqual([{ offset: 0, message: `it is 0 statements; ${ONE_SELECT.message}`, fix: ONE_SELECT.fix }]);
      expect(await query(db, ';')).toEqual([{ offset: 0, message: `it is 0 statements; ${ONE_SELECT.message}`, fix: ONE_SELECT.fix }]);
      expect(await query(db, 'select 1; select 2')).toEqual([{ offset: 0, message: `it is 2 statements; ${ONE_SELECT.message}`, fix: ONE_SELECT.fix }]);
      for (const sql of ['delete from customers', 'explain select 1', 'pivot customers on status using sum(amount)', "copy customers to 'x.csv'"]) {
        expect(await query(db, sql), sql).toEqual([{ offset: 0, message: `it holds a statement that is not a SELECT; ${ONE_SELECT.message}`, fix: ONE_SELECT.fix }]);
      }
      // DESCRIBE, SHOW and SUMMARIZE parse as a SELECT over a SHOW_REF: refused in FROM.
      for (const sql of ['describe customers', 'show tables', 'summarize customers']) {
        expect(await query(db, sql), sql).toEqual([{ offset: 0, message: 'show_ref is not allowed in FROM', fix: 'read tables, joins and subqueries only' }]);
      }
    });
  });

  it('that does not parse: the parser\'s first line, at its position, or at 0 when it gives none', async () => {
    await withBinder(async (db) => {
      expect(await query(db, 'select (')).toEqual([{ offset: 8, message: 'it does not parse: syntax error at end of input', fix: ONE_SELECT.fix }]);
      const mid = 'select 1 limit 1 limit 2';
      expect(await query(db, mid)).toEqual([{ offset: at(mid, 'limit', true), message: 'it does not parse: syntax error at or near "limit"', fix: ONE_SELECT.fix }]);
      const comment = 'select 1 from customers /* ';
      expect(await query(db, comment)).toEqual([{ offset: at(comment, '/*'), message: 'it does not parse: unterminated /* comment at or near "/* "', fix: ONE_SELECT.fix }]);
      expect(await query(db, 'with a as (select 1), a as (select 2) select * from a')).toEqual([{ offset: 0, message: 'it does not parse: Duplicate CTE name "a"', fix: ONE_SELECT.fix }]);
    });
  });

  it('that reads differently spliced: a trailing ";" (with or without blanks after it), or text after one', async () => {
    await withBinder(async (db) => {
      const trailing = { message: 'text after the statement would be spliced with it (a trailing ";")', fix: 'write the SELECT alone, without a trailing ";"' };
      expect(await query(db, 'select 1;')).toEqual([{ offset: 8, ...trailing }]);
      expect(await query(db, 'select 1;  \n')).toEqual([{ offset: 8, ...trailing }]);
      expect(await query(db, 'select 1; -- x')).toEqual([{ offset: 14, message: 'text after the statement would be spliced with it', fix: trailing.fix }]);
      // A "--" comment at the end is harmless: the statement is spliced on lines of its own.
      expect(await query(db, 'select 1 from customers -- the batch')).toEqual([]);
    });
  });

  it('reading a table the policy refuses: the policy is asked with the catalog, schema and table as written', async () => {
    await withBinder(async (db) => {
      const asked: unknown[] = [];
      const r = await vetQuery(db, 'select 1 from x.y.z, main.customers, "Primary", \'file.csv\'', (ref) => { asked.push(ref); return undefined; });
      expect(r.findings).toEqual([]);
      expect(asked).toEqual([
        { catalog: 'x', schema: 'y', table: 'z' }, { catalog: '', schema: 'main', table: 'customers' },
        { catalog: '', schema: '', table: 'Primary' }, { catalog: '', schema: '', table: 'file.csv' },
      ]);
      const sql = 'select 1 from customers c join x.orders o using (id) where c.id in (select id from orders)';
      expect(await query(db, sql)).toEqual([
        { offset: at(sql, 'x.orders'), message: 'no .x.orders', fix: 'read primary' },
        { offset: at(sql, 'orders)'), message: 'no ..orders', fix: 'read primary' },
      ]);
    });
  });

  it('CTEs: in scope in their query and its subqueries, each after its declaration; qualified or out of scope, a table like any other', async () => {
    await withBinder(async (db) => {
      expect(await query(db, 'with c as (select 1) select * from c')).toEqual([]);
      expect(await query(db, 'with C as (select 1) select * from c')).toEqual([]);
      expect(await query(db, 'with c as (select 1) select * from "C"')).toEqual([]);
      expect(await query(db, 'with c as (select 1) select * from (select * from c) s where 1 in (select 1 from c)')).toEqual([]);
      expect(await query(db, 'with a as (select 1), b as (select * from a) select * from b')).toEqual([]);
      const before = 'with a as (select * from b), b as (select 1) select * from a';
      expect(await query(db, before)).toEqual([{ offset: at(before, 'b)'), message: 'no ..b', fix: 'read primary' }]);
      const qualified = 'with c as (select 1) select * from main.c';
      expect(await query(db, qualified)).toEqual([{ offset: at(qualified, 'main.c'), message: 'no .main.c', fix: 'read primary' }]);
      const outside = 'select * from (with c as (select 1) select * from c) s, c';
      expect(await query(db, outside)).toEqual([{ offset: at(outside, 'c', true), message: 'no ..c', fix: 'read primary' }]);
    });
  });

  it('lpad and rpad take a length written in the SQL up to 10,000, replace a replacement written in it up to 1,000 characters (an attack, stop 50: lpad(v, 300000000) built gigabytes per vector)', async () => {
    await withBinder(async (db) => {
      for (const ok of ["select lpad(name, 5, '0'), rpad(name, 10000, ' '), replace(name, '&', 'and') from customers", `select replace(name, '${'a'.repeat(100)}', '${'b'.repeat(1000)}') from customers`,
        "select replace(replace(name, 'abc', 'x'), 'x', 'yyy') from customers", "select replace(lpad(name, 10000, 'y'), 'y', 'zzzzzzzzzzzzzzzz') from customers"]) {
        expect(await query(db, ok), ok).toEqual([]);
      }
      const pad = (f: string) => ({ message: `${f}'s length must be a whole number from 0 to 10,000 written in the SQL: a length computed per row, or a longer one, can build values no memory budget stops`, fix: `write the length as a number, e.g. ${f}(code, 5, '0')` });
      const per = "select lpad(name, id, 'y') from customers";
      expect(await query(db, per)).toEqual([{ offset: at(per, 'id,'), ...pad('lpad') }]);
      const long = "select rpad(name, 300000000, 'y') from customers";
      expect(await query(db, long)).toEqual([{ offset: at(long, '300000000'), ...pad('rpad') }]);
      const by = { message: "replace's replacement must be text written in the SQL, of at most 1,000 characters: a replacement computed per row, or a longer one, can build values no memory budget stops", fix: "write the replacement as a string, e.g. replace(name, '&', 'and')" };
      const computed = "select replace(name, 'y', lpad('', 10, 'z')) from customers";
      expect(await query(db, computed)).toEqual([{ offset: at(computed, 'lpad'), ...by }]);
      const longer = `select replace(name, 'y', '${'z'.repeat(1001)}') from customers`;
      expect((await query(db, longer)).map((f) => f.message)).toEqual([by.message]);
      // Lengthening: at most 16 times, and never over another lengthening replace (nested, each multiplied the other:
      // 7.6 GB from three, an attack).
      const times = `select replace(name, 'a', '${'z'.repeat(17)}') from customers`;
      expect((await query(db, times)).map((f) => f.message)).toEqual([expect.stringMatching(/^replace may lengthen a value at most 16 times/)]);
      const nested = "select replace(replace(name, 'a', 'aaaa'), 'a', 'aaaa') from customers";
      expect(await query(db, nested)).toEqual([{ offset: at(nested, "'aaaa')", true), message: 'a replace that lengthens values may not work on the result of another that does (each multiplies the other)', fix: 'lengthen in one replace' }]);
    });
  });

  it('the binder stops a statement that runs past its budget, with the reason', async () => {
    const values = `(values ${Array.from({ length: 40 }, (_, i) => `(${i})`).join(', ')})`;
    const cross = `select count(*) from ${Array.from({ length: 8 }, (_, i) => `${values} t${i}(x)`).join(', ')}`;
    const started = Date.now();
    await expect(withBinder((db) => db.all(cross), { budgetMs: 500 })).rejects.toThrow(/it ran longer than 0.5 s over one or two rows, and was stopped/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a recursive CTE, wherever it is, at the last position the parser recorded before it', async () => {
    await withBinder(async (db) => {
      const recursive = { message: 'recursive CTEs are not allowed: they can run without end', fix: 'compute the result without WITH RECURSIVE' };
      expect(await query(db, 'with recursive r(n) as (select 1 union all select n + 1 from r) select * from r')).toEqual([{ offset: 0, ...recursive }]);
      // The recursive CTE node carries no position of its own: the one before it in the tree is "customers".
      const nested = 'select * from customers, (with recursive r(n) as (select 1 union all select n + 1 from r) select * from r) x';
      expect(await query(db, nested)).toEqual([{ offset: at(nested, 'customers'), ...recursive }]);
    });
  });

  it('table functions, files and URLs as tables, and what is not a table, join or subquery in FROM', async () => {
    await withBinder(async (db) => {
      const reads = "select * from customers, read_csv('s.csv')";
      expect(await query(db, reads)).toEqual([{ offset: at(reads, 'read_csv'), ...TABLE_FUNCTION('read_csv') }]);
      const inWhere = "select 1 from customers where 0 < (select count(*) from glob('*'))";
      expect(await query(db, inWhere)).toEqual([{ offset: at(inWhere, 'glob'), ...TABLE_FUNCTION('glob') }]);
      const pivot = 'select * from customers pivot (sum(a) for b in (1, 2))';
      expect(await query(db, pivot)).toEqual([{ offset: at(pivot, 'pivot'), message: 'pivot is not allowed in FROM', fix: 'read tables, joins and subqueries only' }]);
      const unpivot = 'select * from customers unpivot (v for k in (a, b))';
      expect(await query(db, unpivot)).toEqual([{ offset: at(unpivot, 'unpivot'), message: 'pivot is not allowed in FROM', fix: 'read tables, joins and subqueries only' }]);
      // Joins, subqueries, VALUES and no FROM at all are containers: what they hold is judged.
      expect(await query(db, 'select 1')).toEqual([]);
      expect(await query(db, 'values (1), (2)')).toEqual([]);
      expect(await query(db, 'select * from (values (1)) t(x) join customers on x = id')).toEqual([]);
      const inJoin = "select * from customers join (select * from read_parquet('p')) p on true";
      expect(await query(db, inJoin)).toEqual([{ offset: at(inJoin, 'read_parquet'), ...TABLE_FUNCTION('read_parquet') }]);
      const inValues = "select * from (values (getenv('HOME'))) t(x)";
      expect(await query(db, inValues)).toEqual([{ offset: at(inValues, 'getenv'), ...READS_OUTSIDE('getenv') }]);
    });
  });

  it('functions off the list, in any clause, window functions and lambdas, sorted by position', async () => {
    await withBinder(async (db) => {
      const sql = "select getenv('a'), first(b) over () from customers where concat(a, b) <> '' order by strftime(x, '%Y')";
      // ORDER BY comes first in the parse tree and last in the text: findings are given in the text's order.
      expect(await query(db, sql)).toEqual([
        { offset: at(sql, 'getenv'), ...READS_OUTSIDE('getenv') },
        { offset: at(sql, 'first'), message: 'first() is DuckDB-only', fix: 'arbitrary(x), or min_by/max_by' },
        { offset: at(sql, 'concat'), message: 'concat() skips NULL arguments on DuckDB but returns NULL on Athena', fix: "use a || b (NULL on both), or coalesce(a, '') || coalesce(b, '')" },
        { offset: at(sql, 'strftime'), message: 'strftime() does not exist on Athena (date_format there uses other codes, %i for minutes)', fix: 'CAST(x AS DATE) or CAST(x AS VARCHAR), or extract parts with year(), month(), day()' },
      ]);
      const lambda = 'select list_transform(l, x -> x + 1) from customers';
      expect(await query(db, lambda)).toEqual([
        { offset: at(lambda, 'list_transform'), ...OFF_LIST('list_transform') },
        { offset: at(lambda, '->'), message: 'lambda expressions are not allowed (no function on the list takes one)', fix: 'write the expression without ->' },
      ]);
      const filter = "select count(*) filter (where current_setting('x') = '1') from customers";
      expect(await query(db, filter)).toEqual([{ offset: at(filter, 'current_setting'), ...READS_OUTSIDE('current_setting') }]);
      // Names are judged whatever their case, and whatever schema the parser gives them.
      expect(await query(db, "select COUNT(*), Lower(TRIM(s)), row_number() over (order by s) from customers where s LIKE 'a%'")).toEqual([]);
      // The session's names parse as columns and bind as functions where no table has the column (an attack, stop 58);
      // with their table they are columns; the clock is gold's to judge (refresh: full), not the sandbox's.
      const session = 'select current_catalog, Current_User, c.current_schema, current_date, user, c.user from customers c';
      expect(await query(db, session)).toEqual(['current_catalog', 'current_user', 'user'].map((name) => ({ offset: at(session, name === 'current_user' ? 'Current_User' : name === 'user' ? ' user,' : name) + (name === 'user' ? 1 : 0),
        message: `${name} is the engine's session, not the data: user SQL reads tables only`, fix: `a column of that name: write it with its table, t.${name}` })));
    });
  });
});

describe('a condition (vetCondition)', () => {
  it('that passes is given back as its expression', async () => {
    await withBinder(async (db) => {
      const r = await vetCondition(db, "status = 'NEW' -- new ones\n");
      expect(r.findings).toEqual([]);
      expect(r.vetted).toMatchObject({ class: 'COMPARISON', type: 'COMPARE_EQUAL', left: { column_names: ['status'] }, right: { value: { value: 'NEW' } } });
    });
  });

  it('that is not one expression, or does not parse: offsets in the condition\'s own text', async () => {
    await withBinder(async (db) => {
      expect(await cond(db, 'a > 0; select 1')).toEqual([{ offset: 0, message: `it is 2 statements; ${ONE_CONDITION.message}`, fix: ONE_CONDITION.fix }]);
      expect(await cond(db, 'a >')).toEqual([{ offset: 3, message: 'it does not parse: syntax error at end of input', fix: ONE_CONDITION.fix }]);
      expect(await cond(db, '')).toEqual([{ offset: 0, message: 'it does not parse: syntax error at end of input', fix: ONE_CONDITION.fix }]);
      const close = "status = 'NEW') OR (true";
      expect(await cond(db, close)).toEqual([{ offset: at(close, ')'), message: 'it does not parse: syntax error at or near ")"', fix: ONE_CONDITION.fix }]);
      expect(await cond(db, 'a > 0 distinct x')).toEqual([{ offset: 6, message: 'it does not parse: syntax error at or near "distinct"', fix: ONE_CONDITION.fix }]);
    });
  });

  it('that goes on past the condition: a set operation, ORDER BY, LIMIT, GROUP BY, HAVING, QUALIFY, a sample', async () => {
    await withBinder(async (db) => {
      const cases: Array<[string, string]> = [
        ['a > 0 union select 2', 'a set operation'], ['a > 0 order by 1', 'ORDER'], ['a > 0 limit 1', 'LIMIT'],
        ['a > 0 order by 1 limit 1', 'ORDER, LIMIT'], ['a > 0 group by 1', 'GROUP BY'], ['a > 0 group by grouping sets ((a))', 'GROUP BY'],
        ['a > 0 having 1 = 1', 'HAVING'], ['a > 0 qualify 1 = 1', 'QUALIFY'], ['a > 0 using sample 1', 'a sample'],
      ];
      for (const [sql, extra] of cases) {
        expect(await cond(db, sql), sql).toEqual([{ offset: 0, message: `a where clause is one condition, but this one goes on with ${extra}`, ...GOES_ON }]);
      }
    });
  });

  it('that does not stand alone in parentheses: at its last "--" comment, or at its end without one', async () => {
    await withBinder(async (db) => {
      const standAlone = { message: 'the condition does not stand alone: in parentheses it reads differently (a "--" comment?)', fix: 'remove the comment; write one condition' };
      const comment = 'a > 0 -- x -- y';
      expect(await cond(db, comment)).toEqual([{ offset: at(comment, '--', true), ...standAlone }]);
      const window = 'a > 0 window w as ()';
      expect(await cond(db, window)).toEqual([{ offset: window.length, ...standAlone }]);
      // A comment at the very start is still where it points.
      expect(await cond(db, `-- c\n${window}`)).toEqual([{ offset: 0, ...standAlone }]);
    });
  });

  it('reads no table, calls only listed functions: offsets in the condition\'s own text', async () => {
    await withBinder(async (db) => {
      const sub = 'a > (select max(a) from customers)';
      expect(await cond(db, sub)).toEqual([{ offset: at(sub, 'customers'), message: 'a where clause reads no table', fix: "write a condition on the row's columns" }]);
      const fn = "a > 0 and getenv('x') = 'y'";
      expect(await cond(db, fn)).toEqual([{ offset: at(fn, 'getenv'), ...READS_OUTSIDE('getenv') }]);
      const lambda = 'list_any(l, x -> x > 0)';
      expect(await cond(db, lambda)).toEqual([
        { offset: 0, ...OFF_LIST('list_any') },
        { offset: at(lambda, '->'), message: 'lambda expressions are not allowed (no function on the list takes one)', fix: 'write the expression without ->' },
      ]);
    });
  });
});

describe('conditionColumns', () => {
  it('the first part of each column a condition names, at its offset in the condition, in order; none for constants', async () => {
    await withBinder(async (db) => {
      //        0         1         2         3         4
      //        01234567890123456789012345678901234567890123456
      const sql = '"Amount" > 0 AND s.f = 1 AND upper(name) = \'X\'';
      expect(conditionColumns((await vetCondition(db, sql)).vetted!)).toEqual([
        { name: 'Amount', offset: 0 }, { name: 's', offset: 17 }, { name: 'name', offset: 35 },
      ]);
      expect(conditionColumns((await vetCondition(db, "1 = 1 AND 'a' <> 'b'")).vetted!)).toEqual([]);
    });
  });
});

describe('treeFindings on trees the parser does not give today', () => {
  // Defenses for node types DuckDB 1.5's json_serialize_sql never produces in a SELECT: pinned on hand-made trees.
  const refuseAll: RelationPolicy = ({ table }) => ({ message: `no ${table}`, fix: '' });
  const select = (from: Node, extra: Node = {}): Node => ({ type: 'SELECT_NODE', modifiers: [], cte_map: { map: [] }, select_list: [], from_table: from, ...extra });
  const base = (table: string, q?: number): Node => ({ type: 'BASE_TABLE', alias: '', sample: null, schema_name: '', catalog_name: '', table_name: table, ...(q === undefined ? {} : { query_location: q }) });

  it('a query node that is not a SELECT or set operation is refused by its type', () => {
    expect(treeFindings({ type: 'CTE_NODE', modifiers: [], cte_map: { map: [] }, query_location: 3 }, refuseAll))
      .toEqual([{ offset: 3, message: 'cte queries are not allowed', fix: 'write a plain SELECT' }]);
  });

  it('EMPTY_FROM holds nothing to refuse; a table function without a name is named as such', () => {
    expect(treeFindings(select({ type: 'EMPTY_FROM', alias: '', sample: null }), refuseAll)).toEqual([]);
    expect(treeFindings(select({ type: 'TABLE_FUNCTION', alias: '', sample: null, query_location: 5 }), refuseAll))
      .toEqual([{ offset: 5, message: 'a table function() is a table function: user SQL reads no files, URLs or engine state', fix: 'read tables only (the ones this SQL is given)' }]);
  });

  it('positions: 2^64 - 1, a negative or a missing one mean none, and the last one seen is used', () => {
    const join = (left: Node, right: Node): Node => ({ type: 'JOIN', alias: '', sample: null, left, right });
    expect(treeFindings(select(join(base('a', 4), base('b', 2 ** 64))), refuseAll)).toEqual([
      { offset: 4, message: 'no a', fix: '' }, { offset: 4, message: 'no b', fix: '' },
    ]);
    expect(treeFindings(select(join(base('a', 9), base('b', -1))), refuseAll)).toEqual([
      { offset: 9, message: 'no a', fix: '' }, { offset: 9, message: 'no b', fix: '' },
    ]);
    expect(treeFindings(select(base('a', 2 ** 53 - 1)), refuseAll)).toEqual([{ offset: 2 ** 53 - 1, message: 'no a', fix: '' }]);
    expect(treeFindings(select(base('a', 2 ** 53)), refuseAll)).toEqual([{ offset: 0, message: 'no a', fix: '' }]);
    expect(treeFindings(select(base('a', 0)), refuseAll)).toEqual([{ offset: 0, message: 'no a', fix: '' }]);
    expect(treeFindings(select(base('a')), refuseAll)).toEqual([{ offset: 0, message: 'no a', fix: '' }]);
    expect(treeFindings(select(base('a', '7' as unknown as number), { query_location: 2 }), refuseAll)).toEqual([{ offset: 2, message: 'no a', fix: '' }]);
  });

  it('a base table without names: the policy is asked with empty ones', () => {
    const asked: unknown[] = [];
    expect(treeFindings(select({ type: 'BASE_TABLE', alias: '', sample: null }), (ref) => { asked.push(ref); return undefined; })).toEqual([]);
    expect(asked).toEqual([{ catalog: '', schema: '', table: '' }]);
  });

  it('a position of 0 is a position (not "none"): a node there is not given the last one seen', () => {
    const join: Node = { type: 'JOIN', alias: '', sample: null, left: base('a', 5), right: base('b', 0) };
    expect(treeFindings(select(join), refuseAll)).toEqual([{ offset: 0, message: 'no b', fix: '' }, { offset: 5, message: 'no a', fix: '' }]);
  });

  it('a function node without a name is judged as the empty name', () => {
    expect(treeFindings({ class: 'FUNCTION', query_location: 1 }, refuseAll)).toEqual([{ offset: 1, ...OFF_LIST('') }]);
    expect(treeFindings({ class: 'WINDOW', function_name: 'rank', query_location: 1 }, refuseAll)).toEqual([]);
    expect(treeFindings({ class: 'CONSTANT', function_name: 'getenv', query_location: 1 }, refuseAll)).toEqual([]);
  });
});

describe('functionRefusal', () => {
  it('the listed functions and operators, in any case, are allowed', () => {
    for (const f of ['count_star', 'COUNT', 'Sum', 'coalesce', '+', '||', '~~', '!~~', 'row_number', 'date_trunc', 'cast', 'if']) expect(functionRefusal(f), f).toBeUndefined();
  });

  it('common functions off the list get their own advice, in any case', () => {
    expect(functionRefusal('Concat')).toEqual({ message: 'concat() skips NULL arguments on DuckDB but returns NULL on Athena', fix: "use a || b (NULL on both), or coalesce(a, '') || coalesce(b, '')" });
    expect(functionRefusal('//')).toEqual({ message: '// (integer division) does not exist on Athena', fix: 'floor(CAST(a AS DOUBLE) / b)' });
    expect(functionRefusal('~~*')).toEqual({ message: 'ILIKE does not exist on Athena', fix: "lower(a) LIKE lower('pattern')" });
  });

  it('functions that read outside their arguments say so: by prefix, or by whole name', () => {
    for (const f of ['read_csv', 'READ_PARQUET', 'parquet_metadata', 'glob', 'query', 'query_table', 'current_setting', 'getenv', 'getvariable', 'duckdb_settings',
      'pragma_version', 'sqlite_scan', 'iceberg_scan', 'delta_scan', 'json_execute_serialized_sql', 'sniff_csv', 'which_secret', 'load_aws_credentials', 'file_exists']) {
      expect(functionRefusal(f), f).toEqual(READS_OUTSIDE(f.toLowerCase()));
    }
  });

  it('any other function is refused as off the list: names that only contain a reader\'s name included', () => {
    for (const f of ['list_transform', 'globs', 'my_glob', 'queryx', 'xread_csv', 'getenv2', 'md5', 'Now']) expect(functionRefusal(f), f).toEqual(OFF_LIST(f.toLowerCase()));
  });
});

describe('parse results DuckDB 1.5 does not give: the vetting fails closed', () => {
  // The binder's answer to json_serialize_sql replaced by a hand-made one: for the fragment itself (`parsing`), or for
  // the spliced probe (`probing`); DuckDB parses the other.
  const answer = (tree: Node) => [{ j: JSON.stringify(tree) }];
  const parsing = (db: SqlSession, tree: Node): SqlSession =>
    ({ ...db, all: async <T extends object>(sql: string) => (sql.includes('__strata_probe') ? db.all<T>(sql) : answer(tree) as T[]) });
  const probing = (db: SqlSession, tree: Node): SqlSession =>
    ({ ...db, all: async <T extends object>(sql: string) => (sql.includes('__strata_probe') ? answer(tree) as T[] : db.all<T>(sql)) });
  const spliced = { message: 'text after the statement would be spliced with it', fix: 'write the SELECT alone, without a trailing ";"' };
  const standAlone = { message: 'the condition does not stand alone: in parentheses it reads differently (a "--" comment?)', fix: 'remove the comment; write one condition' };

  it('a statement: an error without a message, no statement list, a statement without a node or not a SELECT', async () => {
    await withBinder(async (db) => {
      const sql = 'select 1';
      expect(await vetQuery(parsing(db, { error: true }), sql, relations)).toEqual({ findings: [{ offset: 0, message: 'it does not parse: syntax error', fix: ONE_SELECT.fix }] });
      expect(await vetQuery(parsing(db, { error: false }), sql, relations)).toEqual({ findings: [{ offset: 0, message: `it is 0 statements; ${ONE_SELECT.message}`, fix: ONE_SELECT.fix }] });
      for (const statement of [{}, { node: { type: 'CTE_NODE' } }]) {
        expect(await vetQuery(parsing(db, { error: false, statements: [statement] }), sql, relations))
          .toEqual({ findings: [{ offset: 0, message: `it is not a SELECT statement; ${ONE_SELECT.message}`, fix: ONE_SELECT.fix }] });
      }
    });
  });

  it('a statement whose spliced probe is anything but the same SELECT as a subquery is refused', async () => {
    await withBinder(async (db) => {
      const sql = 'select 1 from customers';
      const probe = await serialize(db, `SELECT * FROM ${subquery(sql)} AS __strata_probe`);
      expect(await query(probing(db, probe), sql)).toEqual([]);
      const other = await serialize(db, `SELECT * FROM ${subquery('select 2 from customers')} AS __strata_probe`);
      const cases: Node[] = [
        other, // parses, to another statement
        { error: false }, { error: false, statements: [] }, { error: false, statements: [probe.statements[0], probe.statements[0]] },
        { error: false, statements: [{}] }, { error: false, statements: [{ node: {} }] }, { error: false, statements: [{ node: { from_table: {} } }] },
      ];
      for (const c of cases) expect(await query(probing(db, c), sql), JSON.stringify(c).slice(0, 80)).toEqual([{ offset: sql.length, ...spliced }]);
    });
  });

  it('a condition: clauses given without their lists, a missing where clause, a probe that is not the same comparison', async () => {
    await withBinder(async (db) => {
      const where = (await vetCondition(db, 'a > 0')).vetted!;
      const node = (n: Node) => ({ error: false, statements: [{ node: { type: 'SELECT_NODE', ...n } }] });
      const goesOn = (extra: string) => [{ offset: 0, message: `a where clause is one condition, but this one goes on with ${extra}`, ...GOES_ON }];
      expect((await vetCondition(parsing(db, node({ where_clause: where })), 'a > 0')).findings).toEqual([]);
      expect((await vetCondition(parsing(db, node({ where_clause: where, group_expressions: [where] })), 'a > 0')).findings).toEqual(goesOn('GROUP BY'));
      expect((await vetCondition(parsing(db, node({ where_clause: where, group_sets: [[0]] })), 'a > 0')).findings).toEqual(goesOn('GROUP BY'));
      expect((await vetCondition(parsing(db, node({ where_clause: where, window: {} })), 'a > 0')).findings).toEqual(goesOn('a window'));
      expect((await vetCondition(parsing(db, node({})), 'a > 0')).findings).toEqual(goesOn('something else'));

      const sql = 'a > 0';
      const probe = await serialize(db, `SELECT 1 WHERE ${condition(sql)} = __strata_probe`);
      expect((await vetCondition(probing(db, probe), sql)).findings).toEqual([]);
      const sideways = structuredClone(probe);
      sideways.statements[0].node.where_clause.class = 'CONJUNCTION';
      const cases: Node[] = [
        await serialize(db, `SELECT 1 WHERE ${condition('a > 1')} = __strata_probe`), sideways,
        { error: false }, { error: false, statements: [probe.statements[0], probe.statements[0]] }, { error: false, statements: [{}] },
      ];
      for (const c of cases) expect((await vetCondition(probing(db, c), sql)).findings, JSON.stringify(c).slice(0, 80)).toEqual([{ offset: sql.length, ...standAlone }]);
    });
  });
});

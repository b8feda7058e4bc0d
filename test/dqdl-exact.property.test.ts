// A DQDL condition compares a metric with its number exactly, as Glue's do (core/dqdl/expectation.ts): an integer or
// decimal metric one unit past its bound fails, however large both are, and a row-level literal reaches SQL as
// written, not as the nearest double. Before (attack, stop 35): every condition had a relative tolerance of 1e-9, so
// `Sum <= 1e12` passed at 1e12 + 999, and `ColumnValues "id" != 9007199254740993` passed on that id. This searches
// for a batch and a bound where the outcome is not the exact comparison, worked out here with BigInt.
// Aggregates beyond 2^53 too (stop 37): a sum of a BIGINT column (HUGEINT), of a DECIMAL(38,2) column, and CustomSql
// values of both, which as doubles were compared rounded (`Sum "id" = 9007199254740993` passed at 9007199254740992)
// and shown rounded; here each is compared and shown exactly.
// Floating metrics too (attack, stop 38): a FLOAT or DOUBLE CustomSql value was read as its shortest text, which is
// not its value (a FLOAT of 123456792 prints 123456790; a DOUBLE of 2^70 prints 1.1805916207174113e+21), then compared
// as that decimal: `= 123456792` failed on 123456792. A floating metric is compared as SQL compares it, as doubles.
// Then (attack, stop 38) a FLOAT compared as a double failed `= 0.1` on CAST(0.1 AS FLOAT), which SQL holds equal (the
// literal is cast to FLOAT): the oracle is now the engine's own comparison of the value with the literal.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearestBinary32, parseDecimal } from '../core/dqdl/exact.ts';
import { parseRules } from '../core/dqdl/parse.ts';
import type { RuleContext } from '../core/dqdl/types.ts';
import { Duck } from '../runtime/engine/duckdb.ts';
import { athenaValue, metricRows } from '../runtime/aws/athena-values.ts';
import { evaluateRules, evaluateWith } from '../runtime/quality/evaluate-rules.ts';

/** The binary32 next to the binary32 `f`, one step up or down (from its bits). */
const nextBinary32 = (f: number, up: boolean): number => {
  if (f === 0) return (up ? 1 : -1) * 2 ** -149;
  const a = new Float32Array([f]);
  new Uint32Array(a.buffer)[0]! += (f > 0) === up ? 1 : -1;
  return a[0]!;
};
const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 80);
let db: Duck;
beforeAll(async () => { db = await Duck.open({ memoryLimit: '256MB', threads: 1 }); });
afterAll(() => db?.close());

type Op = '=' | '!=' | '>' | '>=' | '<' | '<=';
const holds = (a: bigint, op: Op, b: bigint): boolean =>
  op === '=' ? a === b : op === '!=' ? a !== b : op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
/** A printed number (JS's exponent form included: 1.5e+21) as a count of hundredths, exactly; undefined past cents. */
const toCents = (t: string): bigint | undefined => {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e\+(\d+))?$/.exec(t);
  if (!m) return undefined;
  const [, sign, int, frac = '', exp = '0'] = m;
  const scale = frac.length - Number(exp) - 2; // hundredths = digits × 10^-scale
  const digits = BigInt(`${int}${frac}`);
  const v = scale <= 0 ? digits * 10n ** BigInt(-scale) : digits % 10n ** BigInt(scale) === 0n ? digits / 10n ** BigInt(scale) : undefined;
  return v === undefined ? undefined : sign ? -v : v;
};
const cents = (c: bigint): string => `${c < 0n ? '-' : ''}${(c < 0n ? -c : c) / 100n}.${String((c < 0n ? -c : c) % 100n).padStart(2, '0')}`;

describe('exact conditions', () => {
  it('property: every outcome is the exact comparison of the metric with its bound, for integers of any size and decimals', async () => {
    const op = fc.constantFrom<Op>('=', '!=', '>', '>=', '<', '<=');
    // Row values: bigints anywhere in range for row-level rules; aggregates kept below 2^53 in all.
    const big = fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n });
    // Wide decimals: hundredths up to 10^35, so that sums are beyond what a double holds to the cent.
    const small = fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n });
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ id: big, qty: small, amount: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), wide: fc.bigInt({ min: -(10n ** 35n), max: 10n ** 35n }) }), { minLength: 1, maxLength: 12 }),
      op, fc.integer({ min: 0, max: 11 }), fc.integer({ min: -2, max: 2 }),
      fc.constantFrom('id', 'amount', 'sum', 'sumAmount', 'count', 'sumId', 'sumWide', 'customId', 'customWide'), fc.nat(2),
      fc.constantFrom('-X', '- X', '-(X)', '- ( X )', '-(-(-X))'), fc.constantFrom('X', '-(-X)', '- (- X)'),
      async (rows, cmp, pick, delta, what, parens, negForm, posForm) => {
        // A literal in parentheses is the same literal (attack, stop 38: `(9007199254740993)` was compared as a double),
        // and so is one whose sign is spaced or nested (`- 9007199254740993`, `-(9007199254740993)`, `-(-5)`).
        const lit = (t: string | bigint): string => {
          const x = String(t);
          const signed = x.startsWith('-') ? negForm.replace('X', x.slice(1)) : posForm.replace('X', x);
          return `${'('.repeat(parens)}${signed}${')'.repeat(parens)}`;
        };
        await db.run(`CREATE OR REPLACE TABLE t AS SELECT * FROM (VALUES ${rows.map((r) => `(CAST('${r.id}' AS BIGINT), CAST('${r.qty}' AS BIGINT), CAST('${cents(r.amount)}' AS DECIMAL(16,2)), CAST('${cents(r.wide)}' AS DECIMAL(38,2)))`).join(', ')}) v(id, qty, amount, wide)`);
        // The sum as the message must show it: all its digits.
        let shown: string | undefined;
        const row = rows[pick % rows.length]!;
        // A bound at, just below or just above a value the batch holds (or its aggregate), written as an integer or
        // a decimal literal, the way a data engineer writes it.
        let rule: string;
        let want: boolean;
        if (what === 'id') {
          const bound = row.id + BigInt(delta);
          rule = `ColumnValues "id" ${cmp} ${lit(bound)}`;
          want = rows.every((r) => holds(r.id, cmp, bound));
        } else if (what === 'amount') {
          const bound = row.amount + BigInt(delta);
          rule = `ColumnValues "amount" ${cmp} ${lit(cents(bound))}`;
          want = rows.every((r) => holds(r.amount, cmp, bound));
        } else if (what === 'sumAmount') {
          // A sum of decimals, in hundredths: below 2^53 of them, so its double is exact to the cent.
          const metric = rows.reduce((s, r) => s + r.amount, 0n);
          const bound = metric + BigInt(delta);
          rule = `Sum "amount" ${cmp} ${lit(cents(bound))}`;
          want = holds(metric, cmp, bound);
        } else if (what === 'sumId' || what === 'customId') {
          // BIGINTs summed: a HUGEINT, far beyond 2^53.
          const metric = rows.reduce((s, r) => s + r.id, 0n);
          const bound = metric + BigInt(delta);
          rule = what === 'sumId' ? `Sum "id" ${cmp} ${lit(bound)}` : `CustomSql "SELECT sum(id) FROM primary" ${cmp} ${lit(bound)}`;
          want = holds(metric, cmp, bound);
          shown = String(metric);
        } else if (what === 'sumWide' || what === 'customWide') {
          const metric = rows.reduce((s, r) => s + r.wide, 0n);
          const bound = metric + BigInt(delta);
          rule = what === 'sumWide' ? `Sum "wide" ${cmp} ${lit(cents(bound))}` : `CustomSql "SELECT sum(wide) FROM primary" ${cmp} ${lit(cents(bound))}`;
          want = holds(metric, cmp, bound);
          shown = cents(metric);
        } else {
          const metric = what === 'sum' ? rows.reduce((s, r) => s + r.qty, 0n) : BigInt(rows.length);
          const bound = metric + BigInt(delta);
          rule = what === 'count' ? `RowCount ${cmp} ${lit(bound)}` : `Sum "qty" ${cmp} ${lit(bound)}`;
          want = holds(metric, cmp, bound);
        }
        const parsed = parseRules([rule]);
        expect(parsed.errors).toEqual([]);
        const ctx: RuleContext = { dialect: 'duckdb', batch: 't', columns: await db.columns('t'), now: '2025-01-10T12:00:00Z' };
        const [result] = (await evaluateRules(db, parsed.rules, ctx)).results;
        expect({ rule, outcome: result!.outcome }).toEqual({ rule, outcome: want ? 'PASS' : 'FAIL' });
        // Shown as it is: its exact digits where its double reads as another number, else the double's text; also
        // under a dynamic condition, which compares doubles (attack, stop 38: it showed the rounded sum).
        if (shown !== undefined) {
          const dynamic = (await evaluateRules(db, parseRules([`${rule.slice(0, rule.lastIndexOf(` ${cmp} `))} > avg(last(1))`]).rules, { ...ctx, history: () => [0] })).results[0]!;
          expect({ rule, message: dynamic.message }).toEqual({ rule, message: expect.stringContaining(` is ${/ is (\S+?)[ ,(]/.exec(result!.message)![1]!}`) });
          const printed = / is (\S+?)[ ,(]/.exec(result!.message)![1]!;
          // The printed number denotes exactly the metric.
          expect({ rule, printed: toCents(printed) }).toEqual({ rule, printed: what.endsWith('Wide') ? BigInt(shown.replace('.', '')) : BigInt(shown) * 100n });
        }
      }), { numRuns: RUNS });
  });

  it('property: a FLOAT or DOUBLE CustomSql value is compared with its literal as SQL compares them, and shown as a number that reads as it', async () => {
    // The exact decimal expansion of a double (every double is m × 2^e): the literal a data engineer copies from a
    // tool that prints all digits. Number() of it is the double itself.
    const expansion = (v: number): string => {
      if (Number.isInteger(v)) return (Object.is(v, -0) ? '-' : '') + BigInt(v).toString();
      let k = 0n;
      let x = Math.abs(v);
      while (!Number.isInteger(x)) { x *= 2; k += 1n; } // exact: multiplying by 2 only moves the exponent
      const digits = (BigInt(x) * 5n ** k).toString().padStart(Number(k) + 1, '0');
      return `${v < 0 ? '-' : ''}${digits.slice(0, -Number(k))}.${digits.slice(-Number(k))}`;
    };
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 }),
      fc.integer({ min: 0, max: 80 }).map((e) => 2 ** e),
      fc.integer({ min: 16_000_000, max: 2 ** 31 }),
      fc.constantFrom(123456792, 0.1, 1 / 3, 2 ** 70, 9007199254740993),
    ).filter((v) => v === 0 || Math.abs(v) >= 1e-6);
    await fc.assert(fc.asyncProperty(
      value, fc.constantFrom('FLOAT', 'DOUBLE'), fc.constantFrom<Op>('=', '!=', '>', '>=', '<', '<='),
      fc.constantFrom('expansion', 'shortest', 'floatShortest', 'longShortest', 'above', 'below', 'midpoint', 'offMidpoint'), fc.boolean(),
      async (raw, type, cmp, how, up) => {
        const v = type === 'FLOAT' ? Math.fround(raw) : raw;
        if (!Number.isFinite(v)) return;
        const exact = expansion(v);
        // midpoint: halfway to the next binary32 up or down, exactly (a tie); offMidpoint: a digit past it, so close
        // that its nearest double is the midpoint itself (rounding through the double then ties, wrongly).
        const half = type === 'FLOAT' ? expansion((v + nextBinary32(v, up)) / 2) : exact;
        // A digit past the midpoint's last one, above or below it, as far as a literal of 38 digits reaches (SQL reads
        // a longer one as a DOUBLE); none when the midpoint has 37 digits or more.
        const nudged = (t: string, dir: bigint): string => {
          const d = parseDecimal(t)!;
          const room = 38 - t.replace(/^-/, '').replace('.', '').length;
          if (room < 1) return t;
          const m = d.m * 10n ** BigInt(room) + dir;
          const digits = (m < 0n ? -m : m).toString().padStart(d.scale + room + 1, '0');
          return `${m < 0n ? '-' : ''}${digits.slice(0, -(d.scale + room))}.${digits.slice(-(d.scale + room))}`;
        };
        // The bound: the value's own digits, its shortest text where that has no exponent, or a digit past it.
        // floatShortest: the fewest digits that read back as the FLOAT (0.1 for CAST(0.1 AS FLOAT)), as a FLOAT prints.
        const fewest = [...Array(17).keys()].map((p) => Number(v.toPrecision(p + 1))).find((n) => (type === 'FLOAT' ? Math.fround(n) : n) === v) ?? v;
        const literal = how === 'expansion' || /e/.test(String(v)) && how === 'shortest' ? exact
          : how === 'shortest' ? String(v) : how === 'floatShortest' ? (/e/.test(String(fewest)) ? exact : String(fewest))
            // longShortest: those digits and a 1 forty places on, more digits than a DECIMAL holds: SQL reads a DOUBLE.
            : how === 'longShortest' ? (/e/.test(String(fewest)) ? exact : `${fewest}${String(fewest).includes('.') ? '' : '.'}${'0'.repeat(40)}1`)
            : how === 'midpoint' ? half : how === 'offMidpoint' ? nudged(half, up ? 1n : -1n)
              : how === 'above' ? `${exact}${exact.includes('.') ? '' : '.'}1` : `${Number(exact) - (Math.abs(v) < 1 ? 0.5 : 1)}`;
        if (/e/.test(literal)) return;
        await db.run(`CREATE OR REPLACE TABLE f AS SELECT CAST('${exact}' AS DOUBLE) AS x`);
        // The oracle: SQL's own comparison of the value with the literal as written, the literal of the type DuckDB
        // gives it (typeof: a DECIMAL or integer is cast to FLOAT to compare, a DOUBLE stays one), cast from text,
        // which DuckDB rounds once (its DECIMAL → FLOAT cast of a literal past about 17 digits does not round to nearest).
        const [{ t }] = await db.all(`SELECT typeof(${literal}) AS t`) as [{ t: string }];
        const sqlLiteral = type === 'FLOAT' && t !== 'DOUBLE' ? `CAST('${literal}' AS FLOAT)` : `CAST('${literal}' AS DOUBLE)`;
        const [{ want }] = await db.all(`SELECT CAST(max(x) AS ${type}) ${cmp === '!=' ? '<>' : cmp} ${sqlLiteral} AS want FROM f`) as [{ want: boolean }];
        const rule = `CustomSql "SELECT CAST(max(x) AS ${type}) FROM primary" ${cmp} ${literal}`;
        const parsed = parseRules([rule]);
        expect(parsed.errors).toEqual([]);
        const ctx: RuleContext = { dialect: 'duckdb', batch: 'f', columns: await db.columns('f'), now: '2025-01-10T12:00:00Z' };
        const [result] = (await evaluateRules(db, parsed.rules, ctx)).results;
        expect({ rule, outcome: result!.outcome, message: result!.message }).toMatchObject({ rule, outcome: want ? 'PASS' : 'FAIL' });
        const printed = / is (\S+?)[ ,(]/.exec(result!.message)![1]!;
        expect({ rule, printed: Number(printed) + 0 }).toEqual({ rule, printed: v + 0 }); // + 0: -0 prints as 0
      }), { numRuns: RUNS });
  });

  it('nearestBinary32 rounds once at the top of the range too; a literal longer than a DECIMAL is a DOUBLE, as DuckDB types it', async () => {
    // Just below the bound between the largest FLOAT and ∞ (its nearest double is the bound, which fround ties to ∞).
    const max = (2 - 2 ** -23) * 2 ** 127;
    expect(['340282356779733661637539395458142568447', '340282356779733661637539395458142568448', '-340282356779733661637539395458142568447']
      .map(nearestBinary32)).toEqual([max, Infinity, -max]);
    const long = `0.1${'0'.repeat(38)}1`;
    await db.run('CREATE OR REPLACE TABLE f AS SELECT 0.1 AS x');
    const ctx: RuleContext = { dialect: 'duckdb', batch: 'f', columns: await db.columns('f'), now: '2025-01-10T12:00:00Z' };
    const rules = [`CustomSql "SELECT CAST(max(x) AS FLOAT) FROM primary" = ${long}`, 'CustomSql "SELECT CAST(max(x) AS FLOAT) FROM primary" = 0.10000000001'];
    const [{ a, b }] = await db.all(`SELECT CAST(0.1 AS FLOAT) = ${long} AS a, CAST(0.1 AS FLOAT) = 0.10000000001 AS b`) as [{ a: boolean; b: boolean }];
    expect([a, b]).toEqual([false, true]);
    expect((await evaluateRules(db, parseRules(rules).rules, ctx)).results.map((r) => r.outcome)).toEqual(['FAIL', 'PASS']);
  });

  it('Athena\'s REAL cells reach the rules as FLOATs, compared with a literal as on DuckDB (gold audits on the Athena engine)', async () => {
    // Athena gives a REAL as its shortest text ("0.1"), which read as a double is not the FLOAT's value (attack, stop 39).
    const rules = ['CustomSql "SELECT x FROM primary" = 0.100000001490116119384765625', 'CustomSql "SELECT x FROM primary" = 0.1', 'CustomSql "SELECT x FROM primary" > 0.1'];
    const athena = async () => metricRows({ columns: [{ name: 'x', type: 'real' }], rows: [{ x: athenaValue('real', '0.1') }] });
    const onAthena = (await evaluateWith(athena, parseRules(rules).rules, { dialect: 'athena', batch: 'f', columns: [{ name: 'x', type: 'float' }], now: '2025-01-10T12:00:00Z' })).results;
    await db.run('CREATE OR REPLACE TABLE f AS SELECT CAST(0.1 AS FLOAT) AS x');
    const ctx: RuleContext = { dialect: 'duckdb', batch: 'f', columns: await db.columns('f'), now: '2025-01-10T12:00:00Z' };
    const onDuck = (await evaluateRules(db, parseRules(rules).rules, ctx)).results;
    expect(onAthena.map((r) => r.outcome)).toEqual(['PASS', 'PASS', 'FAIL']);
    expect(onDuck.map((r) => r.outcome)).toEqual(onAthena.map((r) => r.outcome));
  });
});

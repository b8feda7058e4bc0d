// SQL text helpers (core/sql/quote.ts) and what an engine error of user SQL may say (core/sql/engine-message.ts):
// quoting by ANSI rules, and every quoted span or number the statement does not itself contain hidden. Expected
// strings are written out by hand.
import { describe, expect, it } from 'vitest';
import { StrataError } from '../core/errors.ts';
import { MESSAGE_MAX, userSqlMessage, withoutValues } from '../core/sql/engine-message.ts';
import { ident, inList, literal, str } from '../core/sql/quote.ts';

describe('quote', () => {
  it('identifiers and strings double their own quote', () => {
    expect(ident('a"b')).toBe('"a""b"');
    expect(ident('a""')).toBe('"a"""""');
    expect(str("it's")).toBe("'it''s'");
    expect(str("''")).toBe("''''''");
  });

  it('literal: NULL, numbers as written, TRUE/FALSE, strings quoted; an infinite number or NaN is refused', () => {
    expect(literal(null)).toBe('NULL');
    expect(literal(-1.5e-7)).toBe('-1.5e-7');
    expect(literal(0)).toBe('0');
    expect(literal(true)).toBe('TRUE');
    expect(literal(false)).toBe('FALSE');
    expect(literal("o'k")).toBe("'o''k'");
    expect(literal('')).toBe("''");
    expect(() => literal(Infinity)).toThrow('not a finite number: Infinity');
    expect(() => literal(NaN)).toThrow('not a finite number: NaN');
  });

  it('inList: the literals joined by ", "', () => {
    expect(inList(['a', 2, false])).toBe("'a', 2, FALSE");
    expect(inList([])).toBe('');
  });
});

describe('engine messages of user SQL', () => {
  it('hides quoted spans and numbers the statement does not contain; keeps those it does', () => {
    expect(withoutValues(`Could not convert string 'secret' to INT32 at row 12`, 'SELECT CAST(x AS INT)')).toBe(`Could not convert string '…' to INT32 at row …`);
    expect(withoutValues(`Could not convert string 'abc' to INT32`, `SELECT CAST('abc' AS INT)`)).toBe(`Could not convert string 'abc' to INT32`);
    expect(withoutValues('column "amount" is "x""y"', 'SELECT amount')).toBe('column "amount" is "…"');
    expect(withoutValues('value -12.5 and 3e+10 and 7E-3 out of range', 'SELECT 1')).toBe('value … and … and … out of range');
    expect(withoutValues('12.55 and 3e10', 'SELECT 1')).toBe('… and …'); // several decimals, an exponent without a sign
    expect(withoutValues('value -12.5 out of range', 'WHERE x > -12.5')).toBe('value -12.5 out of range');
    // digits inside words, after a dot or before one are not numbers of their own
    expect(withoutValues('INT32 v2.1 x.5 7.x', 'SELECT 1')).toBe('INT32 v2.1 x.5 7.x');
    expect(withoutValues('12 34', '12')).toBe('12 …');
  });

  it('userSqlMessage: the first line without its class; parser, binder and catalog errors and strata\'s own are kept whole', () => {
    expect(userSqlMessage(new Error(`Conversion Error: Could not convert string 'secret' to INT32\nLINE 1`), 'SELECT 1')).toBe(`Could not convert string '…' to INT32`);
    expect(userSqlMessage(new Error(`Binder Error: column "secret" not found at 42`), 'SELECT 1')).toBe('column "secret" not found at 42');
    expect(userSqlMessage(new Error(`Parser Error: syntax error at or near "x"`), 'SELECT 1')).toBe('syntax error at or near "x"');
    expect(userSqlMessage(new Error(`Catalog Error: Table "t9" does not exist`), 'SELECT 1')).toBe('Table "t9" does not exist');
    expect(userSqlMessage(new Error(`Invalid Input Error: Binder Error: "v" 5`), 'SELECT 1')).toBe('Binder Error: "…" …');
    expect(userSqlMessage(new StrataError('Strata.InvalidInput', 'stopped after 30 s'), 'SELECT 1')).toBe('stopped after 30 s');
  });

  it('a message longer than MESSAGE_MAX (300) is cut to 299 characters and "…"', () => {
    expect(MESSAGE_MAX).toBe(300);
    const at = (n: number) => userSqlMessage(new Error(`Binder Error: ${'x'.repeat(n)}`), 'SELECT 1');
    expect(at(300)).toBe('x'.repeat(300));
    expect(at(301)).toBe(`${'x'.repeat(299)}…`);
    expect(at(301)).toHaveLength(300);
  });
});

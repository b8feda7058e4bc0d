// DQDL on a timestamp column, over generated rows and conditions: a "YYYY-MM-DD" literal is a day and now() ± a
// duration an instant, in every condition, whatever else the condition holds. The reference below states that from
// docs/dqdl.md, operand by operand; strata's SQL on real DuckDB must count the same passing rows. Before (an attack,
// stop 50), a date literal beside now() was read as its midnight: adding an allowed value to an `in` list failed a
// row that had passed, and `between "2025-01-07" and now()` passed a row of the 7th.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck } from '../runtime/engine/duckdb.ts';
import { evaluateRules } from '../runtime/quality/evaluate-rules.ts';
import { parseRules } from '../core/dqdl/parse.ts';

const NOW = '2025-01-10T12:00:00.000Z';
const NOW_MS = Date.parse(NOW);
const DAY = 86_400_000;
let db: Duck;
beforeAll(async () => { db = await Duck.open({ memoryLimit: '256MB', threads: 1 }); });
afterAll(() => db?.close());

type Op = { kind: 'date'; day: string } | { kind: 'now'; offsetMs: number; text: string };
const dateOp = fc.oneof(
  fc.integer({ min: 7, max: 13 }).map((d): Op => ({ kind: 'date', day: `2025-01-${String(d).padStart(2, '0')}` })),
  // The first and last days a timestamp holds: the last has no next midnight (its literal, year 10000, halted every batch).
  fc.constantFrom<Op>({ kind: 'date', day: '9999-12-31' }, { kind: 'date', day: '0001-01-01' }),
);
const nowOp = fc.constantFrom<Op>(
  { kind: 'now', offsetMs: 0, text: 'now()' }, { kind: 'now', offsetMs: -DAY, text: '(now() - 1 days)' },
  { kind: 'now', offsetMs: DAY, text: '(now() + 1 days)' }, { kind: 'now', offsetMs: -12 * 3_600_000, text: '(now() - 12 hours)' },
);
const op = fc.oneof(dateOp, nowOp);
const opText = (o: Op) => (o.kind === 'date' ? `"${o.day}"` : o.text);
// Instants around the operands: midnights, noon (now() itself), a millisecond before midnight, and any.
const instant = fc.oneof(
  fc.tuple(fc.integer({ min: 6, max: 14 }), fc.oneof(fc.constantFrom(0, 12 * 3_600_000, DAY - 1), fc.integer({ min: 0, max: DAY - 1 })))
    .map(([d, ms]) => Date.parse(`2025-01-${String(d).padStart(2, '0')}T00:00:00.000Z`) + ms),
  fc.constantFrom(Date.parse('9999-12-31T23:59:59.999Z'), Date.parse('9999-12-31T00:00:00.000Z'), Date.parse('0001-01-01T00:00:00.000Z')),
);
const rows = fc.array(fc.option(instant, { nil: null, freq: 8 }), { minLength: 1, maxLength: 12 });

type Cond = { kind: 'in'; negated: boolean; ops: Op[] } | { kind: 'between'; negated: boolean; low: Op; high: Op } | { kind: 'compare'; op: string; operand: Op };
const cond = fc.oneof(
  fc.record({ kind: fc.constant('compare' as const), op: fc.constantFrom('=', '!=', '>', '>=', '<', '<='), operand: op }),
  fc.record({ kind: fc.constant('in' as const), negated: fc.boolean(), ops: fc.array(op, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('between' as const), negated: fc.boolean(), low: op, high: op }),
);
const ruleOf = (c: Cond) => (c.kind === 'compare' ? `ColumnValues "ts" ${c.op} ${opText(c.operand)}` : c.kind === 'in'
  ? `ColumnValues "ts" ${c.negated ? 'not in' : 'in'} [${c.ops.map(opText).join(', ')}]`
  : `ColumnValues "ts" ${c.negated ? 'not between' : 'between'} ${opText(c.low)} and ${opText(c.high)}`);

/** The reference: whether a row passes, by the docs' words (NULL fails every rule here but `not in`). */
function passes(ts: number | null, c: Cond): boolean {
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const at = (o: Op & { kind: 'now' }) => NOW_MS + o.offsetMs;
  if (ts === null) return (c.kind === 'in' && c.negated) || (c.kind === 'compare' && c.op === '!=');
  const equals = (o: Op) => (o.kind === 'date' ? day(ts) === o.day : ts === at(o));
  const above = (o: Op) => (o.kind === 'date' ? day(ts) > o.day : ts > at(o));
  const below = (o: Op) => (o.kind === 'date' ? day(ts) < o.day : ts < at(o));
  if (c.kind === 'compare') {
    const o = c.operand;
    return { '=': equals(o), '!=': !equals(o), '>': above(o), '>=': !below(o), '<': below(o), '<=': !above(o) }[c.op]!;
  }
  if (c.kind === 'in') return c.ops.some(equals) !== c.negated;
  const inside = above(c.low) && below(c.high);
  if (!c.negated) return inside;
  // not between: at or below the low bound, or at or above the high one
  return !above(c.low) || !below(c.high);
}

describe('DQDL days and instants on a timestamp column', () => {
  it('property: strata counts the rows the reference passes', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(rows, cond, async (values, c) => {
      const table = `t${n++}`;
      await db.run(`CREATE TABLE ${table} AS SELECT CAST(ts AS TIMESTAMP) AS ts FROM (VALUES ${values.map((v) => `(${v === null ? 'NULL' : `'${new Date(v).toISOString().slice(0, 23).replace('T', ' ')}'`})`).join(', ')}) t(ts)`);
      const parsed = parseRules([ruleOf(c)]);
      expect(parsed.errors).toEqual([]);
      const r = (await evaluateRules(db, parsed.rules, { dialect: 'duckdb', batch: table, columns: await db.columns(table), now: NOW })).results[0]!;
      const expected = values.filter((v) => passes(v, c)).length;
      const share = Object.entries(r.metrics).find(([k]) => k.endsWith('Compliance'))?.[1];
      expect({ rule: r.rule, outcome: r.outcome, share }).toEqual({ rule: r.rule, outcome: expected === values.length ? 'PASS' : 'FAIL', share: expected / values.length });
      await db.run(`DROP TABLE ${table}`);
    }), { seed: 50, numRuns: 150 });
  });
});

// User SQL is vetted by DuckDB's parser and may run on Athena (Trino): text the two lex differently let SQL hidden
// from the vetting run on Athena (`/* /* */ UNION ALL SELECT … -- */`: DuckDB nests block comments, Trino ends one at
// its first */; an attack, stop 58). core/sql/sandbox.ts dialectFinding refuses such text. This searches
// concatenations of comment, string and quote pieces: whatever it lets through, DuckDB parses to the same tree once
// the comments are taken out as Trino's lexer finds them (written here on its own, from Trino's grammar SqlBase.g4:
// strings '…' and identifiers "…" with doubled quotes, `--` to the line's end, /* to the first */).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withBinder } from '../core/sql/binder.ts';
import { dialectFinding, sameTree, serialize, vetCondition } from '../core/sql/sandbox.ts';

const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 300);

/** `sql` with each comment, as Trino's lexer finds them, replaced by a space. */
function trinoWithoutComments(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\r\n]*|\/\*[\s\S]*?\*\//g, (m) => (m.startsWith('--') || m.startsWith('/*') ? ' ' : m));
}

/** Pieces between the items of a select list: comment marks, line ends, quotes and strings of both kinds. */
const PIECES = [' /* ', ' */ ', '/*', '*/', ' -- ', '\n', '\r', " 'x' ", " 'it''s' ", ' "q" ', ' "a""b" ', ' UNION ALL SELECT 2 ',
  ' $$ ', '$x$', " E'\\'' ", " e'x' ", " '/*' ", ' "*/" ', " '--' ", ' AS e', ''];
const ITEMS = [', 2 AS c', ", 'y' AS d", ' ', '\n', ', "z"'];

describe('SQL both engines read alike', () => {
  it('property: text dialectFinding lets through parses, in DuckDB, to the same tree as its comments taken out by Trino\'s rules', async () => {
    // Comment-shaped pieces between the items of a select list, which stays SQL wherever the comments end.
    const texts = fc.sample(fc.array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(...ITEMS)), { minLength: 1, maxLength: 8 })
      .map((xs) => `SELECT 1 AS a ${xs.map(([p, q]) => p + q).join('')}\nFROM t`), { numRuns: RUNS * 3, seed: 5820261208 });
    const wrong: string[] = [];
    let compared = 0;
    let refused = 0;
    await withBinder(async (db) => {
      for (const sql of texts) {
        if (dialectFinding(sql)) { refused++; continue; }
        const duck = await serialize(db, sql);
        if (duck.error) continue; // not SQL at all: the vetting's parse error
        compared++;
        const trino = await serialize(db, trinoWithoutComments(sql));
        if (trino.error || !sameTree(duck.statements, trino.statements)) wrong.push(JSON.stringify(sql));
      }
    });
    expect(wrong).toEqual([]);
    // Both sides are reached: texts compared, and texts refused.
    expect(compared).toBeGreaterThan(RUNS / 10);
    expect(refused).toBeGreaterThan(RUNS / 10);
  });

  it('the attack\'s texts, in a gold statement and in a where clause, are refused where the comment opens inside another', async () => {
    const gold = 'SELECT day, count(*) AS n FROM silver.orders GROUP BY 1\n/* /* */ UNION ALL SELECT current_date, 1 -- */';
    expect(dialectFinding(gold)).toMatchObject({ offset: gold.indexOf('/* */'), message: expect.stringMatching(/^a block comment opened inside another/) });
    await withBinder(async (db) => {
      expect((await vetCondition(db, "status = 'x' /* /* */ or true -- */")).findings).toMatchObject([{ offset: 16, message: expect.stringMatching(/^a block comment opened inside another/) }]);
      expect((await vetCondition(db, "status = 'x' /* one */ AND amount > 0")).findings).toEqual([]);
      // Strings only DuckDB reads as strings: Trino's lexer refuses `$` and reads E'\'' as E and another string.
      // No text found yet runs both ways; refused all the same, their text being no SQL Athena reads alike.
      expect((await vetCondition(db, "note = $$ it's $$")).findings).toMatchObject([{ offset: 7, message: expect.stringMatching(/^a dollar-quoted string/) }]);
      expect((await vetCondition(db, "note = E'\\''")).findings).toMatchObject([{ offset: 7, message: expect.stringMatching(/^an escape string/) }]);
      expect((await vetCondition(db, "note = 'E''x' AND e = 'y'")).findings).toEqual([]);
    });
  });
});

// A gold total past what a bigint holds: DuckDB's SUM of BIGINT is a HUGEINT, stored as Athena's bigint, and the
// refresh failed naming a cast, while strata check passes the SQL (the sum depends on the data) and doctor's repair
// failed the same way (newcomer's trial, stop 49). The message says how to keep such a total; written so, it publishes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ERRORS, StrataError } from '../core/errors.ts';
import { garbageCollect, refresh, rollback } from '../workflows/maintenance.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterEach(async () => { await lake?.cleanup(); lake = undefined; });

const schema = (sum: string) => `dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: big, type: bigint }\ngold:\n  - table: g\n    sql: SELECT ${sum} AS s FROM silver.t\n    refresh: full\n`;
const rows = 'id,big\n1,9223372036854775807\n2,9223372036854775807\n';

describe('a gold total past a bigint', () => {
  it('fails saying how to compute it as a decimal; so computed, it is published exactly', async () => {
    lake = await makeLake({ t: schema('SUM(big)') });
    const failed = await lake.ingest('t', await lake.file('a.csv', rows));
    expect(failed.record.status).toBe('FAILED');
    expect(failed.record.error?.message).toContain('A value passed what a bigint holds (±9,223,372,036,854,775,807): compute it as a decimal, e.g. SUM(CAST(x AS DECIMAL(38, 0))), whose column is decimal(38,0)');
    // strata refresh fails the same way, and leaves nothing in staging (its empty output folder was: an attack, stop 51).
    await expect(refresh(lake, 'g', true)).rejects.toThrow(/A value passed what a bigint holds/);
    expect(existsSync(join(lake.dir, 'staging'))).toBe(false);
    await lake.cleanup();
    lake = await makeLake({ t: schema('SUM(CAST(big AS DECIMAL(38, 0)))') });
    expect((await lake.ingest('t', await lake.file('a.csv', rows))).record.status).toBe('SUCCEEDED');
    expect(await lake.query('SELECT CAST(s AS VARCHAR) AS s FROM gold.g')).toEqual([{ s: '18446744073709551614' }]);
  });
});

describe('a gold total past what its decimal holds', () => {
  // DuckDB's SUM of a decimal is a DECIMAL(38,s) that it does not check: a total of more than 38 − s integer digits
  // was published into that column without a word (an attack, stop 57). Searched: totals near the limit, exact below
  // it, a failure naming the column above it.
  const text = (v: bigint, scale: number) => {
    const digits = (v < 0n ? -v : v).toString().padStart(scale + 1, '0');
    const shown = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
    return `${v < 0n ? '-' : ''}${shown}`;
  };
  it('property: a SUM of decimal(38,s) values is published exactly when the total fits decimal(38,s), and fails naming the column when it does not', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(0, 2, 18, 30), fc.array(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }), { minLength: 2, maxLength: 4 }), async (scale, values) => {
      const t = `dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: v, type: "decimal(38,${scale})" }\ngold:\n  - table: g\n    sql: SELECT SUM(v) AS s FROM silver.t\n    refresh: full\n`;
      lake = await makeLake({ t });
      try {
        const { record } = await lake.ingest('t', await lake.file('a.csv', `id,v\n${values.map((v, i) => `${i + 1},${text(v, scale)}`).join('\n')}\n`));
        const total = values.reduce((a, b) => a + b, 0n);
        // DuckDB sums in a 128-bit integer, in an order of its own: when the values of one sign pass its range, a
        // partial sum may overflow though the total fits (a seed found it), and the engine's overflow is a failure
        // with the way out, never a wrong value.
        const ofSign = (neg: boolean) => values.filter((v) => (v < 0n) === neg).reduce((a, b) => a + b, 0n);
        const partialOverflow = ofSign(false) >= 2n ** 127n || -ofSign(true) > 2n ** 127n;
        const engineOverflow = new RegExp('gold table g: its SQL failed: Overflow in HUGEINT addition: … \\+ …\\. A value passed what a decimal holds \\(38 digits\\)');
        // (When the total passes its type too, the branch below takes either failure.)
        if (partialOverflow && record.status === 'FAILED' && engineOverflow.test(record.error?.message ?? '')) {
          expect(record.gold).toEqual([expect.objectContaining({ table: 'g', status: 'not refreshed' })]);
        } else if ((total < 0n ? -total : total) < 10n ** 38n) {
          expect(record.status).toBe('SUCCEEDED');
          const [row] = await lake.query<{ s: string }>('SELECT CAST(s AS VARCHAR) AS s FROM gold.g');
          expect(row!.s).toBe(text(total, scale));
        } else {
          expect(record.status).toBe('FAILED');
          // Past 38 digits but within DuckDB's 128-bit integer, the value is checked against its type; past that, the
          // sum fails in DuckDB itself.
          const fix = scale ? 'sum with fewer fraction digits' : 'no decimal holds it \\(38 digits at most\\): sum as a double';
          expect(record.error?.message).toMatch(new RegExp(`gold table g: its SQL failed: (column s: … has more than ${38 - scale} integer digits, more than its type decimal\\(38,${scale}\\) holds\\. Fix: ${fix}|Overflow in HUGEINT addition: … \\+ …\\. A value passed what a decimal holds \\(38 digits\\): compute it with fewer fraction digits if it has some)`));
          expect((record.gold as Array<{ table: string; status?: string }>).map((g) => [g.table, g.status])).toEqual([['g', 'not refreshed']]);
        }
      } finally {
        await lake.cleanup();
        lake = undefined;
      }
    }), {
      numRuns: Number(process.env.RUNS ?? 12), endOnFailure: true,
      // The total fits, a partial sum of one sign does not (a CI run's seed).
      examples: [
        [0, [-92333770747360331434256116070293559017n, -85464121891118019373569809437223899798n, 33488383500694389813863610063556027788n, 61040522584486712017704239710272780779n]],
        // A partial sum of one sign past it, and the total past its type too, which DuckDB's order may reach (a seed).
        [18, [-64084910448126768403013401775850714217n, 42781263880048222726126888251646432901n, -99999999999999999999999999999999999980n, -33305023464160565602831156212363117695n]],
      ],
    });
  }, 90_000);
});

describe('gold tables after one whose refresh failed', () => {
  // Step Functions starts no item of the gold Map after one failed it; the local interpreter's queue went on, and the
  // table after the failed one was refreshed after the run's record said it was not (an attack, stop 57).
  const two = `dataset: b\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint, required: true }\n  - { name: big, type: bigint }\ngold:\n  - { table: g1, sql: "SELECT SUM(big) AS s FROM silver.b" }\n  - { table: g2, sql: "SELECT id FROM silver.b" }\n`;
  it('are not refreshed, as in AWS, and the record says what each became; a failure the gold step retries stops nothing', async () => {
    lake = await makeLake({ b: two });
    expect((await lake.ingest('b', await lake.file('a.csv', 'id,big\n1,9223372036854775807\n'))).record.status).toBe('SUCCEEDED');
    const failed = (await lake.ingest('b', await lake.file('b.csv', 'id,big\n2,1\n'))).record;
    expect(failed.status).toBe('FAILED');
    expect((failed.gold as Array<{ table: string; status: string }>).map((g) => [g.table, g.status])).toEqual([['g1', 'not refreshed'], ['g2', 'not refreshed']]);
    // Nothing is refreshed after the record is written: g2 holds what the first run published.
    await new Promise((r) => setTimeout(r, 300));
    expect(await lake.query('SELECT id FROM gold.g2 ORDER BY id')).toEqual([{ id: 1 }]);
    // Its silver commit stands; once gc has collected the history a rollback to it replays, the refusal says so (it
    // said the run "committed nothing": an attack, stop 57).
    expect((await lake.ingest('b', await lake.file('c.csv', 'id,big\n3,1\n'))).record.status).toBe('FAILED');
    await garbageCollect(lake, { retentionDays: 0, keepCollected: 0, now: new Date(Date.now() + 86_400_000) });
    await expect(rollback(lake, 'b', failed.runId)).rejects.toThrow(`: it was FAILED, after its commit, whose history strata gc has collected since (past retention.days); strata runs --dataset b lists the runs that did`);
    // A transient failure of g1, retried, is no failure of the Map: g2 is refreshed after it.
    await lake.cleanup();
    lake = await makeLake({ b: two.replace('SUM(big)', 'SUM(CAST(big AS DECIMAL(38, 0)))') });
    let thrown = 0;
    const wrap = (step: string, fn: (input: unknown) => Promise<unknown>) => async (input: unknown) => {
      if (step === 'gold' && (input as { table: string }).table === 'g1' && thrown++ < 2) throw new StrataError(ERRORS.Transient, 'ThrottlingException');
      return fn(input);
    };
    const ok = (await lake.ingest('b', await lake.file('a.csv', 'id,big\n1,9223372036854775807\n2,1\n'), { wrap, retryIntervalMs: 1 })).record;
    expect({ status: ok.status, thrown, gold: (ok.gold as Array<{ table: string; status: string }>).map((g) => [g.table, g.status]) })
      .toEqual({ status: 'SUCCEEDED', thrown: 3, gold: [['g1', 'published'], ['g2', 'published']] });
  });
});

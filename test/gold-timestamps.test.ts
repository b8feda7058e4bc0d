// Gold stores timestamps to the millisecond (TIMESTAMP_MS, as Athena reads them). Before (attack, stop 38): a gold
// column computed to the microsecond was cast down and lost its microseconds without a word. Now a value that the
// cast would change fails the refresh naming the table, the column and the fix; a value to the millisecond is kept
// exactly. This searches for a microsecond offset either way (the gold table holds the newest row only, so a row
// that failed does not fail the runs after it).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

const RUNS = Math.min(Number(process.env.STRATA_PROPERTY_RUNS ?? 80), 12);

const schema = `dataset: events
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: s, type: string, required: true }
mode: append
gold:
  - table: shifted
    sql: SELECT id, CAST(s AS TIMESTAMP) AS t FROM silver.events WHERE id = (SELECT max(id) FROM silver.events)
    refresh: full
`;

let lake: TestLake;
beforeAll(async () => { lake = await makeLake({ events: schema }); });
afterAll(() => lake?.cleanup());

describe('gold timestamps', () => {
  it('property: a gold timestamp is stored exactly, or the refresh fails naming the column and the fix', async () => {
    let id = 0;
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: -5_000_000, max: 5_000_000 }), fc.boolean(),
      async (raw, whole) => {
        const us = whole ? raw - (raw % 1000) : raw;
        // A time as text, to the microsecond, which the gold SQL casts to a timestamp.
        const at = new Date(Date.parse('2025-06-15T10:00:00.123Z') + Math.floor(us / 1000)).toISOString().slice(0, 23).replace('T', ' ');
        const text = `${at}${String(((us % 1000) + 1000) % 1000).padStart(3, '0')}`;
        const { record } = await lake.ingest('events', await lake.file(`e${++id}.csv`, `id,s\n${id},${text}\n`));
        const exact = us % 1000 === 0;
        if (exact) {
          expect(record.status).toBe('SUCCEEDED');
          const [row] = await lake.query<{ t: string }>(`SELECT strftime(t, '%Y-%m-%dT%H:%M:%S.%f') AS t FROM gold.shifted WHERE id = ${id}`);
          expect(row).toEqual({ t: text.replace(' ', 'T') });
        } else {
          expect(record).toMatchObject({ status: 'FAILED' });
          expect(record.error?.message).toMatch(/gold table shifted: .*column t holds a timestamp with microseconds; .* date_trunc\('millisecond', …\)/);
        }
      }), { numRuns: RUNS });
  });
});

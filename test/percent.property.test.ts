// Percentages in strata's output (core/text.ts): a ratio a user wrote (rejects.maxRatio) is shown exactly, and a
// measured one rounded but never so that it reads as the limit it is compared with. The one-decimal form showed a
// maxRatio of 0.0996 as "10.0%" and 4e-7 as "0.0%" in strata plan, the data docs and the rejection message (an attack,
// stop 58).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactPercent, roundedPercent } from '../core/text.ts';

const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 2000);

describe('percentages', () => {
  it('property: exactPercent writes the ratio itself: its number, moved two places, reads back as the same double, in plain digits', () => {
    fc.assert(fc.property(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000), fc.double({ min: 1e-30, max: 1e-5, noNaN: true })), (x) => {
      const text = exactPercent(x);
      expect(text).toMatch(/^\d+(\.\d*[1-9])?%$/);
      expect(Number(`${text.slice(0, -1)}e-2`)).toBe(x);
    }), { numRuns: RUNS });
    expect([0.0996, 4e-7, 0.1, 1, 0, 0.05].map(exactPercent)).toEqual(['9.96%', '0.00004%', '10%', '100%', '0%', '5%']);
  });

  it('property: roundedPercent of a ratio other than the limit never reads as the limit; of the limit itself, as it', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 999 }), (rows, bad, limitPerMille) => {
      const x = Math.min(bad, rows) / rows;
      const limit = limitPerMille / 1000;
      const shown = Number(roundedPercent(x, limit).slice(0, -1));
      const written = Number(exactPercent(limit).slice(0, -1));
      if (x !== limit && Math.abs(x - limit) * 100 >= 5e-7) expect(shown).not.toBe(written);
      if (x === limit) expect(shown).toBe(written);
    }), { numRuns: RUNS });
    expect(roundedPercent(1001 / 10001, 0.1)).toBe('10.01%');
    expect(roundedPercent(0.5, 0.1)).toBe('50.0%');
  });
});

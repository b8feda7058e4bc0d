// How the CLI writes counts: digits grouped as en-US does, without loading ICU's number formatting (cli/output.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plural, thousands } from '../cli/output.ts';

describe('thousands', () => {
  it('property: writes every number as toLocaleString(\'en-US\') does', () => {
    const numbers = fc.oneof(
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      fc.double(),
      fc.constantFrom(0, -0, 999, 1000, -1000, 2 ** 53, -(2 ** 53), 1e21, Number.NaN, Number.POSITIVE_INFINITY),
    );
    fc.assert(fc.property(numbers, (n) => { expect(thousands(n)).toBe(n.toLocaleString('en-US')); }), { numRuns: 2000 });
  });

  it('counts in the run summary: 3,000,000 rows, 1 row, 182 partitions', () => {
    expect(plural(3_000_000, 'row')).toBe('3,000,000 rows');
    expect(plural(1, 'row')).toBe('1 row');
    expect(plural(182, 'partition')).toBe('182 partitions');
  });
});

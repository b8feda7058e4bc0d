// The ingest summary (cli/run-summary.ts describeRun) lists at most five kinds of quarantine reason and five warnings;
// the others are said to be there, with the command that lists them (two kinds of seven went unsaid: newcomer's
// trial, stop 45).
import { describe, expect, it } from 'vitest';
import { describeRun } from '../cli/run-summary.ts';
import type { RunRecord } from '../runtime/runs/record.ts';

const record = (reasons: number, warnings: number): RunRecord => ({
  runId: 'r1', dataset: 'sales', status: 'SUCCEEDED', source: { key: 'bronze/sales/a.csv', etag: 'e', size: 1, sourceId: 's' },
  startedAt: '2026-12-06T00:00:00.000Z', finishedAt: '2026-12-06T00:00:01.000Z', durationMs: 1000,
  rowsIn: 10, rowsValid: 3, rowsQuarantined: 7, rowsSuperseded: 0, partitions: [], timings: [],
  reasons: Array.from({ length: reasons }, (_, i) => ({ column: `c${i}`, rule: 'type', count: 1, message: `m${i}`, line: i + 2, record: i + 1 })),
  warnings: Array.from({ length: warnings }, (_, i) => `w${i}`),
}) as unknown as RunRecord;

describe('describeRun', () => {
  it('says how many kinds of reason and warnings it leaves out, and where they all are', () => {
    const text = describeRun(record(7, 7));
    expect(text).toContain('      … and 2 more kinds of reason (strata runs r1 lists them all)');
    expect(text).toContain('    … and 2 more warnings (strata runs r1 lists them all)');
    expect(text.match(/ × c\d /g)).toHaveLength(5);
    const all = describeRun(record(7, 6), { verbose: true });
    expect(all.match(/ × c\d /g)).toHaveLength(7);
    expect(all).not.toContain('more kind');
    expect(describeRun(record(5, 5))).not.toContain('… and');
    // A sixth is shown rather than a line saying one more is left out.
    expect(describeRun(record(6, 6))).not.toContain('… and');
    expect(describeRun(record(6, 6)).match(/ × c\d /g)).toHaveLength(6);
  });

  it('a rejection names its three most common reasons in its message, and says how many more kinds there are (newcomer\'s trial, stop 57)', () => {
    const rejected = (n: number) => ({ ...record(n, 0), status: 'REJECTED', error: { name: 'Strata.RejectedFile', message: 'bronze/sales/a.csv: 7 of 10 rows failed validation\nmost common: c0 type ×1; c1 type ×1; c2 type ×1\nway back: …' } }) as unknown as RunRecord;
    expect(describeRun(rejected(8))).toContain('      … and 5 more kinds of reason (strata runs r1 lists them all)');
    expect(describeRun(rejected(4))).toContain('      … and 1 more kind of reason (strata runs r1 lists them all)');
    expect(describeRun(rejected(3))).not.toContain('… and');
    // Not its reasons listed one by one, as a run that committed lists them; strata runs <id> (verbose) lists them.
    expect(describeRun(rejected(8))).not.toMatch(/ × c\d /);
    expect(describeRun(rejected(8), { verbose: true }).match(/ × c\d /g)).toHaveLength(8);
  });

  it('more kinds than the record keeps (its 10 most common): counted, and the quarantine table named for the rest (an attack, stop 57: "7 more … lists them all" of 13)', () => {
    const many = { ...record(10, 0), reasonKinds: 13 } as RunRecord;
    expect(describeRun(many)).toContain('      … and 8 more kinds of reason (strata runs r1 lists the 10 most common)\n');
    const all = describeRun(many, { verbose: true });
    expect(all.match(/ × c\d /g)).toHaveLength(10);
    expect(all).toContain(`      … and 3 more kinds of reason (every row's reasons are in quarantine.sales: select reasons from quarantine.sales where run_id = 'r1')`);
    const rejected = { ...many, status: 'REJECTED', error: { name: 'Strata.RejectedFile', message: 'x\nmost common: a; b; c\nway back: …' } } as unknown as RunRecord;
    expect(describeRun(rejected)).toContain('      … and 10 more kinds of reason (strata runs r1 lists the 10 most common)');
    expect(describeRun({ ...many, reasonKinds: 50 } as RunRecord)).toContain('… and at least 45 more kinds of reason');
  });

  it('says what each gold refresh of the run did, gate or not (newcomer\'s trial, stop 45: a table without a gate had no word)', () => {
    const r = { ...record(0, 0), gold: [
      { table: 'daily', mode: 'incremental', status: 'published', partitions: ['day=2026-12-01', 'day=2026-12-02'], removed: ['day=2026-11-30'], rows: 1234, read: 3 },
      { table: 'totals', mode: 'full', status: 'unchanged', partitions: [], removed: [], rows: 0, read: 1 },
      { table: 'audited', mode: 'full', status: 'halted', partitions: [], removed: [], rows: 9, read: 1, quality: { halted: true, score: 0, results: [{ rule: 'RowCount > 10', outcome: 'FAIL', severity: 'halt', message: 'RowCount is 9' }] } },
      { table: 'empty', mode: 'full', status: 'published', partitions: [''], removed: [], rows: 0, read: 1 },
      { table: 'broken', status: 'not refreshed', partitions: [], removed: [], rows: 0, read: 0 },
    ] } as unknown as RunRecord;
    expect(describeRun(r).split('\n').filter((l) => l.includes('gold.'))).toEqual([
      '    gold.daily: published 1,234 rows in 2 partitions, 1 partition removed (incremental refresh, 3 silver partitions read)',
      '    gold.totals: unchanged (full refresh, 1 silver partition read)',
      '    gold.audited: halted by its gate: nothing published (full refresh, 1 silver partition read)',
      '    gold.empty: no rows to publish (full refresh, 1 silver partition read)',
      // (Its refresh failed: not "halted by its gate", and no mode it did not have: an attack.)
      '    gold.broken: not refreshed: nothing published (0 silver partitions read)',
      '    quality gold.audited: 0/1 rules passed (score 0.00), HALTED',
    ]);
  });

  it('does not say twice what the error says already (a file that does not fit the schema: its problems)', () => {
    const r = { ...record(0, 2), status: 'REJECTED', error: { name: 'Strata.SchemaMismatch', message: 'w0\nthe file does not fit the schema' } } as unknown as RunRecord;
    const text = describeRun(r);
    expect(text.match(/w0/g)).toHaveLength(1);
    expect(text).toContain('warning: w1');
  });
  it('a skipped run says what its gold step published all the same (newcomer\'s trial, stop 48: "nothing changed" after a gold table\'s first publish)', () => {
    const skipped = { ...record(0, 0), status: 'SKIPPED', committedBy: 'r0', gold: [
      { table: 'daily', mode: 'full', status: 'published', partitions: ['day=2026-12-01'], removed: [], rows: 3, read: 1 },
      { table: 'totals', mode: 'full', status: 'unchanged', partitions: [], removed: [], rows: 0, read: 1 },
    ] } as unknown as RunRecord;
    expect(describeRun(skipped).split('\n').slice(1)).toEqual([
      '    already ingested by run r0; silver unchanged',
      '    gold.daily: published 3 rows in 1 partition (full refresh, 1 silver partition read)',
    ]);
    expect(describeRun({ ...skipped, gold: [] } as unknown as RunRecord).split('\n').slice(1)).toEqual(['    already ingested by run r0; nothing changed']);
  });
});

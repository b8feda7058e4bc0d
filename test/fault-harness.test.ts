// The permanent fault harness (test/harness/run.ts), with fixed seeds: an ingest killed at every step boundary and
// at each point of the table protocol, a rollback and a gc killed half way, then writer processes at once (appends into
// the same partitions, upserts of overlapping keys, one object several times, appends with one killed among them).
// After each: rows in = silver + quarantine, no lost update, every gold table equal to its SQL over silver (computed
// by DuckDB alone), run records that claim each object once; at the end strata doctor --repair leaves no problem.
// `npm run soak` runs the same longer, with random seeds.
import { describe, expect, it } from 'vitest';
import { MAINTENANCE_KILL_POINTS, PROTOCOL_POINTS, runHarness, STEP_BOUNDARIES } from './harness/run.ts';

describe('fault harness', () => {
  it('kills at every step boundary, concurrent writers: nothing lost, gold equal to its SQL over silver, doctor clean', async () => {
    const f = await runHarness({
      seed: 20261201, kills: [...STEP_BOUNDARIES, ...PROTOCOL_POINTS, ...MAINTENANCE_KILL_POINTS], rounds: ['append', 'upsert', 'same-object', 'kill-during'], writers: 3, rows: 120,
    });
    expect(f.violations).toEqual([]);
    expect(f).toMatchObject({ kills: 18, killed: 18, concurrentRounds: 4, rowsLost: 0, goldMismatches: 0, doctorCleanAfterRepair: true });
  }, 900_000);
});

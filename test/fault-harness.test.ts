// The permanent fault harness (test/harness/run.ts) in every `npm test`: an ingest killed at a sample of the kill
// points (step boundaries, points of the table protocol, a rollback and a gc half way), then writer processes at once
// (appends into the same partitions, upserts of overlapping keys, one object several times, appends with one killed
// among them). After each: rows in = silver + quarantine, no lost update, every gold table equal to its SQL over
// silver (computed by DuckDB alone), run records that claim each object once; at the end strata doctor --repair leaves
// no problem.
// The seed changes every run and chooses the sample and the data, so runs over runs cover every point
// (`npm run soak` runs them all, every time). The test's name shows the seed; STRATA_FAULT_SEED=<seed> repeats a run.
import { describe, expect, it } from 'vitest';
import { KILL_POINTS, maintenanceInOrder, runHarness, sampleKillPoints } from './harness/run.ts';

/** Kill points per run: 6 of the 18 (each in a run's sample with probability 6/18). */
const SAMPLE = 6;
const seed = process.env.STRATA_FAULT_SEED ? Number(process.env.STRATA_FAULT_SEED) : Math.floor(Math.random() * 2 ** 31);
const kills = sampleKillPoints(seed, SAMPLE);

describe('fault harness', () => {
  it(`kills at ${SAMPLE} of ${KILL_POINTS.length} kill points, concurrent writers: nothing lost, gold equal to its SQL over silver, doctor clean (STRATA_FAULT_SEED=${seed}: ${kills.join(', ')})`, async () => {
    const f = await runHarness({ seed, kills, rounds: ['append', 'upsert', 'same-object', 'kill-during'], writers: 3, rows: 120 });
    expect(f.violations, `STRATA_FAULT_SEED=${seed} npx vitest run test/fault-harness.test.ts repeats this run`).toEqual([]);
    // Every sampled point killed its process there, not merely armed; plus the writer armed during the last round
    // (its point drawn from every point an ingest passes; it may find gold already caught up by another writer).
    expect(f).toMatchObject({ kills: SAMPLE + 1, unreached: [], concurrentRounds: 4, rowsLost: 0, goldMismatches: 0, doctorCleanAfterRepair: true });
  }, 900_000);
});

describe('kill point orders', () => {
  it('the soak\'s shuffled order keeps the rollback before gc (its markers point before its swap), in the places the two were drawn to; nothing else moves', () => {
    expect(maintenanceInOrder(['a', 'gc.swapped', 'b', 'rollback.committed', 'c'])).toEqual(['a', 'rollback.committed', 'b', 'gc.swapped', 'c']);
    expect(maintenanceInOrder(['rollback.committed', 'a', 'gc.swapped'])).toEqual(['rollback.committed', 'a', 'gc.swapped']);
    expect(maintenanceInOrder(['gc.swapped', 'a'])).toEqual(['gc.swapped', 'a']);
    expect(maintenanceInOrder(['gc.swapped', 'a', 'gc.markers', 'rollback.committed'])).toEqual(['rollback.committed', 'a', 'gc.markers', 'gc.swapped']);
  });
});

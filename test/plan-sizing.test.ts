// Step sizes, step names and compaction targets of a plan (core/plan/sizing.ts, steps.ts, compaction.ts): each
// figure worked out by hand from the rules in their docstrings. Fast: pure functions. test/sizing.test.ts checks the
// same numbers where they are used (the stacks, the state machine, the local executor).
import { describe, expect, it } from 'vitest';
import { compactionSchedule, compactionTargets, MANUAL_COMPACTION } from '../core/plan/compaction.ts';
import { DUCKDB_DEFAULTS, duckdbMemoryMb, LIMIT_SETTINGS, STEP_WORK, stepSizing } from '../core/plan/sizing.ts';
import { resourceToken, stepOfResource, STEPS, type StepName } from '../core/plan/steps.ts';
import type { CompactionSpec, GoldSpec } from '../core/schema/model.ts';

describe('sizing', () => {
  it('DuckDB steps: the schema\'s lambda settings or the defaults; DuckDB gets 45% of memory (64 MB at least, 64 MB left) and half of /tmp', () => {
    expect(DUCKDB_DEFAULTS).toEqual({ memoryMb: 1769, ephemeralStorageMb: 2048, timeoutSeconds: 900 });
    expect(stepSizing({ lambda: {} }, 'stage')).toEqual({
      step: 'stage', work: 'duckdb', memoryMb: 1769, ephemeralStorageMb: 2048, timeoutSeconds: 900, taskTimeoutSeconds: 910, duckdbMemoryMb: 796, duckdbTempMb: 1024,
    });
    expect(stepSizing({ lambda: { memory: 3008, timeoutSeconds: 300, ephemeralStorageMb: 4097 } }, 'gold')).toEqual({
      step: 'gold', work: 'duckdb', memoryMb: 3008, ephemeralStorageMb: 4097, timeoutSeconds: 300, taskTimeoutSeconds: 310, duckdbMemoryMb: 1353, duckdbTempMb: 2048,
    });
    expect([duckdbMemoryMb(128), duckdbMemoryMb(200), duckdbMemoryMb(10240), duckdbMemoryMb(143), duckdbMemoryMb(142)]).toEqual([64, 90, 4608, 64, 64]);
    expect(duckdbMemoryMb(100)).toBe(36);
  });

  it('light steps: 512 MB and 512 MB of /tmp whatever the schema says, and their own timeouts', () => {
    const lambda = { memory: 4096, timeoutSeconds: 60, ephemeralStorageMb: 4096 };
    expect(stepSizing({ lambda }, 'register')).toEqual({ step: 'register', work: 'light', memoryMb: 512, ephemeralStorageMb: 512, timeoutSeconds: 300, taskTimeoutSeconds: 310 });
    expect(stepSizing({ lambda }, 'record')).toEqual({ step: 'record', work: 'light', memoryMb: 512, ephemeralStorageMb: 512, timeoutSeconds: 120, taskTimeoutSeconds: 130 });
    expect(stepSizing({ lambda }, 'fail')).toMatchObject({ timeoutSeconds: 120, taskTimeoutSeconds: 130 });
    expect(() => stepSizing({ lambda }, 'nope' as StepName)).toThrow('step nope has no sizing in core/plan/sizing.ts');
    expect(Object.entries(STEP_WORK).filter(([, w]) => w === 'light').map(([s]) => s).sort()).toEqual(['fail', 'record', 'register']);
    expect(LIMIT_SETTINGS).toEqual({ memory: 'lambda.memory', timeout: 'lambda.timeoutSeconds', tmp: 'lambda.ephemeralStorageMb' });
  });
});

describe('steps', () => {
  it('resource tokens name a step; anything else names none', () => {
    expect(STEPS).toEqual(['stage', 'quality', 'commit', 'register', 'gold', 'record', 'reject', 'halt', 'fail', 'compact']);
    expect(resourceToken('commit')).toBe('${fn:commit}');
    expect(STEPS.map((s) => stepOfResource(resourceToken(s)))).toEqual([...STEPS]);
    for (const r of ['${fn:nope}', 'x${fn:stage}', '${fn:stage}x', '${fn:Stage}', 'fn:stage', '${fn:}']) expect(stepOfResource(r), r).toBeUndefined();
  });
});

describe('compaction', () => {
  const policy: CompactionSpec = { minFiles: 8, targetMb: 64, sortBy: ['id'] };
  const gold = (table: string, compaction?: CompactionSpec) => ({ table, ...(compaction ? { compaction } : {}) }) as GoldSpec;

  it('targets: the silver table when the dataset compacts, and each gold table with a policy; the schedule, or none', () => {
    const plan = { dataset: 'orders', compaction: { ...policy, schedule: 'rate(6 hours)' }, gold: [gold('daily', { minFiles: 2, targetMb: 32, sortBy: [] }), gold('plain')] };
    expect(compactionTargets(plan)).toEqual([
      { layer: 'silver', table: 'orders', policy: { minFiles: 8, targetMb: 64, sortBy: ['id'] } },
      { layer: 'gold', table: 'daily', policy: { minFiles: 2, targetMb: 32, sortBy: [] } },
    ]);
    expect(compactionSchedule(plan)).toBe('rate(6 hours)');
    expect(compactionSchedule({ dataset: 'orders', gold: [gold('daily', policy)] })).toBe('rate(1 hour)');
    expect(compactionTargets({ dataset: 'orders', gold: [gold('plain')] })).toEqual([]);
    expect(compactionSchedule({ dataset: 'orders', gold: [gold('plain')] })).toBeUndefined();
    expect(MANUAL_COMPACTION).toEqual({ minFiles: 2, targetMb: 128, sortBy: [] });
  });
});

// The manifest's pure functions (runtime/table/manifest.ts): what a commit makes of a manifest, the state a rollback
// returns to, and what garbage collection keeps. Every expected manifest is written out by hand from the protocol
// (manifest.ts, store.ts headers), never computed with these functions.
import { describe, expect, it } from 'vitest';
import type { AppliedSchema } from '../core/schema/evolution.ts';
import { applyCommit, collectGarbage, emptyManifest, historyCounts, sourcesAfterRun, stateAfterRun, type PartitionVersion, type TableManifest } from '../runtime/table/manifest.ts';

const pv = (path: string, run: string, rows: number): PartitionVersion => ({
  path, values: [path.slice(3)], location: `silver/t/${path}/v-${run}/`, files: ['part-0.parquet'], rows, bytes: 10 * rows, runId: run, committedAt: `at-${run}`,
});
const A1 = pv('dt=a', 'r1', 3);
const B1 = pv('dt=b', 'r1', 4);
const A2 = pv('dt=a', 'r2', 5);
/**
 * A2 as a commit retires it: without the names of its files, with their number and their fingerprint (its folder
 * holds exactly those): `printf '["part-0.parquet"]' | sha256sum`, the first 16 hex digits.
 */
const A2retired = { path: 'dt=a', values: ['a'], location: 'silver/t/dt=a/v-r2/', fileCount: 1, filesHash: '143535169370cb29', rows: 5, bytes: 50, runId: 'r2', committedAt: 'at-r2' };
const S1: AppliedSchema = { hash: 's1', columns: [{ name: 'id', type: 'bigint' }], partitionKeys: [{ name: 'dt', type: 'date', source: 'identity(dt)' }] };
const S2: AppliedSchema = { hash: 's2', columns: [{ name: 'id', type: 'bigint' }, { name: 'n', type: 'int' }], partitionKeys: [{ name: 'dt', type: 'date', source: 'identity(dt)' }] };

/** The table after r1 (A1, B1 from source o1) and r2 (A2 replaces A1, from source o2), as written by hand. */
const afterR2: TableManifest = {
  table: 't', layer: 'silver', version: 2, schemaHash: 'h', partitionKeys: ['dt'],
  partitions: { 'dt=a': A2, 'dt=b': B1 },
  sources: { o1: { runId: 'r1', key: 'k1', at: '2025-06-01T00:00:00.000Z' }, o2: { runId: 'r2', key: 'k2', at: '2025-06-02T00:00:00.000Z' } },
  history: [
    { version: 1, runId: 'r1', at: '2025-06-01T00:00:00.000Z', kind: 'commit', changes: [{ path: 'dt=a', to: A1.location, rows: 3 }, { path: 'dt=b', to: B1.location, rows: 4 }] },
    { version: 2, runId: 'r2', at: '2025-06-02T00:00:00.000Z', kind: 'commit', changes: [{ path: 'dt=a', from: A1.location, to: A2.location, rows: 5 }] },
  ],
  retired: [{ version: A1, retiredAt: '2025-06-02T00:00:00.000Z', byRunId: 'r2' }],
  updatedAt: '2025-06-02T00:00:00.000Z',
};

describe('applyCommit', () => {
  it('a first commit: new partitions, the source, one history entry; nothing retired', () => {
    const { manifest, changes } = applyCommit(emptyManifest('t', 'silver', 'h', ['dt']), {
      runId: 'r1', at: '2025-06-01T00:00:00.000Z', kind: 'commit', versions: { 'dt=a': A1, 'dt=b': B1 }, source: { id: 'o1', key: 'k1', contentId: 'c1' },
    });
    expect(changes).toEqual([{ path: 'dt=a', to: A1.location, rows: 3 }, { path: 'dt=b', to: B1.location, rows: 4 }]);
    expect(manifest).toEqual({
      formatVersion: 2, table: 't', layer: 'silver', version: 1, schemaHash: 'h', partitionKeys: ['dt'], partitions: { 'dt=a': A1, 'dt=b': B1 },
      sources: { o1: { runId: 'r1', key: 'k1', at: '2025-06-01T00:00:00.000Z', contentId: 'c1' } },
      history: [{ version: 1, runId: 'r1', at: '2025-06-01T00:00:00.000Z', kind: 'commit', changes }],
      retired: [], updatedAt: '2025-06-01T00:00:00.000Z',
    });
  });

  it('a replaced partition is retired with the number of its files, not their names; a removed one too; one left where it was is no change', () => {
    const { manifest, changes } = applyCommit(afterR2, { runId: 'r3', at: '2025-06-03T00:00:00.000Z', kind: 'compact', versions: { 'dt=a': null, 'dt=b': B1 } });
    expect(changes).toEqual([{ path: 'dt=a', from: A2.location }]);
    expect(manifest.partitions).toEqual({ 'dt=b': B1 });
    // afterR2 is a format 1 manifest (no formatVersion): its retired A1 was written with its file names, and is kept
    // as it is; what the commit writes is format 2
    expect('formatVersion' in afterR2).toBe(false);
    expect(manifest.formatVersion).toBe(2);
    expect(manifest.retired).toEqual([...afterR2.retired, { version: A2retired, retiredAt: '2025-06-03T00:00:00.000Z', byRunId: 'r3' }]);
    expect(manifest.history.at(-1)).toEqual({ version: 3, runId: 'r3', at: '2025-06-03T00:00:00.000Z', kind: 'compact', changes });
    expect(manifest.sources).toEqual(afterR2.sources);
    expect(afterR2.partitions).toEqual({ 'dt=a': A2, 'dt=b': B1 }); // the input is not changed
  });

  it('a rollback forgets the sources it names (kept in its history entry), holds again those it restores, records its target, and drops derivedFrom; other commits keep or replace it', () => {
    const gold = { ...afterR2, derivedFrom: { 'silver.o': 7 } };
    const back = applyCommit(gold, { runId: 'r3', at: 'x', kind: 'rollback', versions: { 'dt=a': A1 }, forgetSources: ['o2', 'unknown'], rollbackTo: 'r1' }).manifest;
    expect(back.sources).toEqual({ o1: afterR2.sources.o1 });
    expect(back.history.at(-1)).toEqual({ version: 3, runId: 'r3', at: 'x', kind: 'rollback', changes: [{ path: 'dt=a', from: A2.location, to: A1.location, rows: 3 }], to: 'r1', forgot: { o2: afterR2.sources.o2 } });
    expect('derivedFrom' in back).toBe(false);
    // a rollback past r3 holds o2 again; its entry says so, and a rollback past it forgets o2 again (manifest.ts sourcesAfterRun)
    const again = applyCommit(back, { runId: 'r4', at: 'y', kind: 'rollback', versions: { 'dt=a': A2 }, restoreSources: { o2: afterR2.sources.o2! }, rollbackTo: 'r2' }).manifest;
    expect(again.sources).toEqual(afterR2.sources);
    expect(again.history.at(-1)).toMatchObject({ runId: 'r4', to: 'r2', restored: ['o2'] });
    expect(again.history.at(-1)).not.toHaveProperty('forgot');
    expect(sourcesAfterRun(again, 'r3')).toEqual({ forget: ['o2'], restore: {} });
    expect(sourcesAfterRun(again, 'r1')).toEqual({ forget: ['o2'], restore: {} });
    expect(sourcesAfterRun(again, 'r2')).toEqual({ forget: [], restore: {} });
    expect(sourcesAfterRun(back, 'r2')).toEqual({ forget: [], restore: { o2: afterR2.sources.o2 } });
    expect(applyCommit(gold, { runId: 'r3', at: 'x', kind: 'publish', versions: {} }).manifest.derivedFrom).toEqual({ 'silver.o': 7 });
    expect(applyCommit(gold, { runId: 'r3', at: 'x', kind: 'publish', versions: {}, derivedFrom: { 'silver.o': 8 } }).manifest.derivedFrom).toEqual({ 'silver.o': 8 });
    expect('derivedFrom' in applyCommit(afterR2, { runId: 'r3', at: 'x', kind: 'publish', versions: {} }).manifest).toBe(false);
    // the runs of those versions go with them: kept, replaced (or dropped when a publish names none), dropped by a rollback
    const withRuns = { ...gold, derivedFromRuns: { 'silver.o': { version: 7, runId: 'r7' } } };
    expect(applyCommit(withRuns, { runId: 'r3', at: 'x', kind: 'publish', versions: {} }).manifest.derivedFromRuns).toEqual({ 'silver.o': { version: 7, runId: 'r7' } });
    expect(applyCommit(withRuns, { runId: 'r3', at: 'x', kind: 'publish', versions: {}, derivedFrom: { 'silver.o': 8 }, derivedFromRuns: { 'silver.o': { version: 8, runId: 'r8' } } }).manifest.derivedFromRuns).toEqual({ 'silver.o': { version: 8, runId: 'r8' } });
    expect('derivedFromRuns' in applyCommit(withRuns, { runId: 'r3', at: 'x', kind: 'publish', versions: {}, derivedFrom: { 'silver.o': 8 } }).manifest).toBe(false);
    expect('derivedFromRuns' in applyCommit(withRuns, { runId: 'r3', at: 'x', kind: 'rollback', versions: {}, rollbackTo: 'r1' }).manifest).toBe(false);
  });

  it('the schema: a new one is recorded in the history, the same one again is not; schemaHash follows the commit', () => {
    const one = applyCommit(afterR2, { runId: 'r3', at: 'x', kind: 'commit', versions: {}, schema: S1, schemaHash: 'h1' }).manifest;
    expect(one.schemaHash).toBe('h1');
    expect(one.schema).toBe(S1);
    expect(one.schemaHistory).toEqual([{ hash: 's1', appliedAt: 'x', runId: 'r3', columns: S1.columns, partitionKeys: S1.partitionKeys }]);
    const same = applyCommit(one, { runId: 'r4', at: 'y', kind: 'commit', versions: {}, schema: { ...S1 } }).manifest;
    expect(same.schemaHash).toBe('h1');
    expect(same.schema).toBe(S1);
    expect(same.schemaHistory).toEqual(one.schemaHistory);
    // The same schema recorded before partitions named their source (stop 36): it gains the sources, and no history.
    const old = { ...one, schema: { ...S1, partitionKeys: [{ name: 'dt', type: 'date' }] } };
    const upgraded = applyCommit(old, { runId: 'r4', at: 'y', kind: 'commit', versions: {}, schema: { ...S1 } }).manifest;
    expect(upgraded.schema).toEqual(S1);
    expect(upgraded.schemaHistory).toEqual(one.schemaHistory);
    const two = applyCommit(same, { runId: 'r5', at: 'z', kind: 'commit', versions: {}, schema: S2 }).manifest;
    expect(two.schemaHistory?.map((h) => [h.hash, h.runId, h.appliedAt])).toEqual([['s1', 'r3', 'x'], ['s2', 'r5', 'z']]);
    const none = applyCommit(afterR2, { runId: 'r3', at: 'x', kind: 'commit', versions: {} }).manifest;
    expect('schema' in none || 'schemaHistory' in none).toBe(false);
  });
});

describe('stateAfterRun', () => {
  it('undoes every change after the run, restoring retired versions and removing partitions made later', () => {
    const r3 = applyCommit(afterR2, { runId: 'r3', at: '2025-06-03T00:00:00.000Z', kind: 'commit', versions: { 'dt=c': pv('dt=c', 'r3', 1) } }).manifest;
    expect(stateAfterRun(r3, 'r1')).toEqual({ state: { 'dt=a': A1, 'dt=b': B1 } });
    expect(stateAfterRun(r3, 'r2')).toEqual({ state: { 'dt=a': A2, 'dt=b': B1 } });
    expect(stateAfterRun(r3, 'r3')).toEqual({ state: r3.partitions });
  });

  it('a version still current elsewhere serves as the earlier one (a rollback, then a rollback of it)', () => {
    const back = applyCommit(afterR2, { runId: 'r3', at: 'x', kind: 'rollback', versions: { 'dt=a': A1 }, rollbackTo: 'r1' }).manifest;
    // retired holds A1 (by r2), then A2 (by r3): undoing r3 restores A2, not the first retired version (as retired:
    // runtime/table/rollback.ts lists its folder for the file names)
    expect(stateAfterRun(back, 'r2')).toEqual({ state: { 'dt=a': A2retired, 'dt=b': B1 } });
    // A1 is current again: with its retired copy gone (as if collected), undoing r2 finds it among the current versions
    expect(stateAfterRun({ ...back, retired: back.retired.filter((r) => r.version !== A1) }, 'r1')).toEqual({ state: { 'dt=a': A1, 'dt=b': B1 } });
  });

  it('errors: an unknown run, a collected history, a collected version', () => {
    expect(stateAfterRun(afterR2, 'r9')).toEqual({ error: 'run r9 never changed table t (or its history was collected)' });
    const collected = { ...afterR2, history: [afterR2.history[0]!, { ...afterR2.history[1]!, changes: [], collected: { partitions: 1, rows: 5 } }] };
    expect(stateAfterRun(collected, 'r1')).toEqual({ error: 'the history of t up to 2025-06-02T00:00:00.000Z was garbage-collected; it can no longer be restored' });
    expect(stateAfterRun({ ...afterR2, retired: [] }, 'r1')).toEqual({ error: `version ${A1.location} of t was garbage-collected; it can no longer be restored` });
  });
});

describe('collectGarbage', () => {
  it('drops retired versions and history changes older than the window, keeping their counts; the boundary itself is kept', () => {
    // window of 1 day from 2025-06-03T00:00Z: cutoff 2025-06-02T00:00Z; r1 (06-01) is older, r2 (06-02) is on it
    const { manifest, expired, compacted } = collectGarbage(afterR2, new Date('2025-06-03T00:00:00.000Z'), 1);
    expect(expired).toEqual([]);
    expect(compacted).toBe(1);
    expect(manifest.history).toEqual([{ ...afterR2.history[0]!, changes: [], collected: { partitions: 2, rows: 7 } }, afterR2.history[1]]);
    expect(manifest.retired).toEqual(afterR2.retired);
    // one millisecond later, r2's history and A1 (retired at 06-02) are past it too
    const later = collectGarbage(manifest, new Date('2025-06-03T00:00:00.001Z'), 1);
    expect(later.expired).toEqual(afterR2.retired);
    expect(later.compacted).toBe(1);
    expect(later.manifest.retired).toEqual([]);
    expect(later.manifest.history[0]).toBe(manifest.history[0]);
    expect(later.manifest.history[1]).toEqual({ ...afterR2.history[1]!, changes: [], collected: { partitions: 1, rows: 5 } });
  });

  it('nothing to collect: the same manifest object back', () => {
    const r = collectGarbage(afterR2, new Date('2025-06-02T00:00:00.000Z'), 1); // cutoff 06-01, the oldest entry's time
    expect(r).toEqual({ manifest: afterR2, expired: [], compacted: 0, archived: {} });
    expect(r.manifest).toBe(afterR2);
  });

  it('moves out the sources of runs no rollback can undo, and the collected entries beyond the newest keepCollected into an archive (format 3, lineage kept)', () => {
    const r = collectGarbage(afterR2, new Date('2025-06-03T00:00:00.001Z'), 1, 1, 'p1'); // r1 and r2 collected, one kept
    expect(r.archived).toEqual({ o1: afterR2.sources.o1, o2: afterR2.sources.o2 });
    const r1collected = { ...afterR2.history[0]!, changes: [], collected: { partitions: 2, rows: 7 } };
    expect(r.historyArchive).toEqual({ archive: { name: 'history-0000000001-0000000001-p1.json', from: 1, to: 1, entries: 1, lastRun: 'r1' }, entries: [r1collected] });
    expect(r.manifest).toMatchObject({
      formatVersion: 3, sources: {}, lineage: 'r1',
      sourceArchives: [{ pass: 'p1', at: '2025-06-03T00:00:00.001Z', sources: 2 }], historyArchives: [{ name: 'history-0000000001-0000000001-p1.json', from: 1, to: 1, entries: 1, lastRun: 'r1' }],
    });
    expect(r.manifest.history).toEqual([{ ...afterR2.history[1]!, changes: [], collected: { partitions: 1, rows: 5 } }]);
    // again, keeping none: r2's entry joins a second archive; the lineage stays r1
    const again = collectGarbage(r.manifest, new Date('2025-06-03T00:00:00.001Z'), 1, 0, 'p2');
    expect(again.archived).toEqual({});
    expect(again.manifest).toMatchObject({ history: [], lineage: 'r1', sourceArchives: [{ pass: 'p1' }], historyArchives: [{ from: 1, to: 1 }, { name: 'history-0000000002-0000000002-p2.json', from: 2, to: 2, entries: 1, lastRun: 'r2' }] });
    // at the window's edge r2 may still be undone: only o1 leaves, and with one collected entry nothing is archived
    const edge = collectGarbage(afterR2, new Date('2025-06-03T00:00:00.000Z'), 1, 1, 'p3');
    expect(edge.archived).toEqual({ o1: afterR2.sources.o1 });
    expect(edge.historyArchive).toBeUndefined();
    expect(edge.manifest).toMatchObject({ formatVersion: 3, sourceArchives: [{ pass: 'p3', sources: 1 }], sources: { o2: afterR2.sources.o2 } });
    // a source an uncollected rollback forgot or restored stays: a rollback past that entry changes whether it is held
    const restoring = applyCommit(afterR2, { runId: 'r3', at: '2025-06-05T00:00:00.000Z', kind: 'rollback', versions: {}, restoreSources: { o9: { runId: 'r0', key: 'k9', at: 'x' } }, rollbackTo: 'r1' }).manifest;
    expect(Object.keys(collectGarbage(restoring, new Date('2025-06-04T00:00:00.000Z'), 0, 1, 'p4').archived)).toEqual(['o1', 'o2']);
    expect(edge.manifest).not.toHaveProperty('historyArchives');
    // a collected rollback entry keeps neither the sources it forgot nor those it restored; only the runs it undid
    // whose rows are still out of the table (for quality history: runtime/pipeline/commit.ts undoneRuns)
    const rolled = applyCommit(afterR2, { runId: 'r3', at: '2025-06-02T12:00:00.000Z', kind: 'rollback', versions: { 'dt=a': A1 }, forgetSources: ['o2'], rollbackTo: 'r1' }).manifest;
    expect(rolled.history.at(-1)).toHaveProperty('forgot');
    const past = collectGarbage(rolled, new Date('2025-06-04T00:00:00.000Z'), 1).manifest.history.at(-1)!;
    expect(past).toEqual({ version: 3, runId: 'r3', at: '2025-06-02T12:00:00.000Z', kind: 'rollback', to: 'r1', changes: [], collected: { partitions: 1, rows: 3 }, undid: ['r2'] });
  });

  it('historyCounts: partitions and rows of the changes, or the counts gc kept', () => {
    expect(historyCounts(afterR2.history[0]!)).toEqual({ partitions: 2, rows: 7 });
    expect(historyCounts({ ...afterR2.history[0]!, changes: [{ path: 'dt=a', from: 'x' }] })).toEqual({ partitions: 1, rows: 0 });
    expect(historyCounts({ ...afterR2.history[0]!, collected: { partitions: 9, rows: 90 } })).toEqual({ partitions: 9, rows: 90 });
  });
});

it('emptyManifest: version 0, nothing in it, updated at the epoch', () => {
  expect(emptyManifest('g', 'gold', 'h', [])).toEqual({ formatVersion: 2, table: 'g', layer: 'gold', version: 0, schemaHash: 'h', partitionKeys: [], partitions: {}, sources: {}, history: [], retired: [], updatedAt: '1970-01-01T00:00:00.000Z' });
});

// What a damaged data file means for a table, in words (runtime/table/damaged-file.ts): the run that wrote it, the
// version before it, and the way back for each layer. The messages are written out by hand; the unreadable-file
// check runs on a real DuckDB over real files.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDuck } from '../runtime/engine/duckdb.ts';
import { damagedFileMessage, unreadableFiles, writerOf } from '../runtime/table/damaged-file.ts';

const SHARED = (by: string) => `Versions of a partition share the files they did not change (hard links), so every version since ${by} holds these same damaged bytes and a rollback to any of them brings nothing back.`;
const f = (key: string) => ({ key, problem: 'too small' });
const KEY = 'silver/o/dt=1/v-r2/part-r2-0.parquet';

describe('writerOf', () => {
  it('is the run id of part-<run>-<n>.parquet, run ids with dashes included; anything else has none', () => {
    expect(writerOf('silver/o/dt=1/v-x/part-r2-0.parquet')).toBe('r2');
    expect(writerOf('part-2025-06-01-abc-12.parquet')).toBe('2025-06-01-abc');
    expect(writerOf('silver/o/part-r2-x.parquet')).toBeUndefined();
    expect(writerOf('silver/o/part-r2-0.parquet.tmp')).toBeUndefined();
    expect(writerOf('silver/o/xpart-r2-0.parquet')).toBeUndefined();
    expect(writerOf('silver/o/data.parquet')).toBeUndefined();
  });
});

describe('damagedFileMessage', () => {
  const head = `${KEY} of silver.o is damaged (too small)`;
  const list = 'strata runs --dataset o lists them; leave out the runs it shows as rolled back';
  it('gold: refresh in full; another layer: a backup', () => {
    expect(damagedFileMessage('gold', 'g', f('gold/g/part-r-0.parquet'))).toBe('gold/g/part-r-0.parquet of gold.g is damaged (too small). The way back: strata refresh g (gold is recomputed from silver)');
    expect(damagedFileMessage('bronze', 'b', f('x'))).toBe('x of bronze.b is damaged (too small). The way back: restore the file from a backup');
  });

  it('silver, written by a run after the first: roll back to the run before it, then ingest that run\'s objects and later ones again', () => {
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r1', kind: 'commit' }, { runId: 'r2', kind: 'commit' }, { runId: 'r3' }])).toBe(
      `${head}. ${SHARED('run r2')} The way back is bronze: strata rollback o --to r1 (the last run before r2), then ingest again the bronze objects of run r2 and of the runs after it (${list})`);
  });

  it('silver, written by the run that made the table: move the folder aside and ingest again', () => {
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r2', kind: 'commit' }, { runId: 'r3' }])).toBe(
      `${head}. ${SHARED('run r2')} The way back is bronze: run r2 made the table, so move silver/o/ aside and ingest its bronze objects again (${list})`);
  });

  it('silver, the writer not in the history (collected), or not known from the name', () => {
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r9' }])).toBe(
      `${head}. ${SHARED('run r2')} The way back is bronze: strata rollback o --to <the last run before r2>, then ingest again the bronze objects of run r2 and of the runs after it (${list})`);
    expect(damagedFileMessage('silver', 'o', f('silver/o/dt=1/data.parquet'))).toBe(
      `silver/o/dt=1/data.parquet of silver.o is damaged (too small). ${SHARED('the run that wrote it')} The way back is bronze: strata rollback o --to <the last run before it>, `
      + `then ingest again the bronze objects of the run that wrote it and of the runs after it (${list})`);
  });

  it('silver, no rollback reaches the run before the writer (the writer\'s entry or a later one collected, or the history before it archived): move the folder aside', () => {
    const gone = (by: string) => `${head}. ${SHARED(by)} The way back is bronze: the versions before ${by} were collected by gc (retention.days), so no rollback reaches them: `
      + `move silver/o/ aside and ingest its bronze objects again (${list})`;
    // versions 1-4 in an archive: r2 did not make the table
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r2', kind: 'commit', version: 5 }, { runId: 'r3', version: 6 }])).toBe(gone('run r2'));
    const c = { partitions: 1, rows: 3 };
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r1', kind: 'commit', version: 4, collected: c }, { runId: 'r2', kind: 'commit', version: 5, collected: c }, { runId: 'r3', version: 6 }])).toBe(gone('run r2'));
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r1', kind: 'commit', version: 1 }, { runId: 'r2', kind: 'commit', version: 2 }, { runId: 'r3', version: 3, collected: true }])).toBe(gone('run r2'));
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r9', version: 7 }])).toBe(gone('run r2'));
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r1', kind: 'commit', version: 4, collected: c }, { runId: 'r2', kind: 'compact', version: 5, collected: c }])).toBe(gone('compaction r2'));
    // only the run before is collected (gc's window starts between it and the writer): a rollback to it still works
    // (stateAfterRun replays the writer's and later entries, which keep their changes; from an attack)
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r1', kind: 'commit', version: 4, collected: c }, { runId: 'r2', kind: 'commit', version: 5 }])).toContain('strata rollback o --to r1 (the last run before r2)');
    // a history that starts at version 1 is whole: the first run made the table
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r2', kind: 'commit', version: 1 }])).toContain('run r2 made the table');
  });

  it('silver, written by a compaction: roll back to the version before it, in the small files it replaced', () => {
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r1', kind: 'commit' }, { runId: 'r2', kind: 'compact' }])).toBe(
      `${head}. ${SHARED('compaction r2')} The way back: strata rollback o --to r1 (the version before the compaction, in the small files it replaced, `
      + `which strata keeps until gc deletes them after retention.days), then ingest again the bronze objects of the runs after r2 (${list})`);
    // a compaction that made the table has no version before it: the message of a first run
    expect(damagedFileMessage('silver', 'o', f(KEY), [{ runId: 'r2', kind: 'compact' }])).toBe(
      `${head}. ${SHARED('run r2')} The way back is bronze: run r2 made the table, so move silver/o/ aside and ingest its bronze objects again (${list})`);
  });
});

describe('unreadableFiles', () => {
  it('names each file DuckDB cannot read as Parquet, with its reason; readable ones are not listed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-damaged-'));
    try {
      await writeFile(join(dir, 'bad1.parquet'), 'not parquet at all');
      await writeFile(join(dir, 'bad2.parquet'), '');
      const out = await withDuck(async (db) => {
        await db.run(`COPY (SELECT 1 AS x) TO '${join(dir, 'ok.parquet')}' (FORMAT parquet)`);
        return unreadableFiles(db, ['bad1', 'ok', 'bad2'].map((n) => ({ key: `k/${n}`, path: join(dir, `${n}.parquet`) })));
      });
      expect(out.map((d) => d.key)).toEqual(['k/bad1', 'k/bad2']);
      for (const d of out) {
        expect(d.problem).not.toMatch(/^[A-Z][A-Za-z ]*Error: |\n/); // DuckDB's first line, without its error class
        expect(d.problem).toContain(join(dir, d.key.slice(2)));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// File lists handed to DuckDB as one JSON string (pathList), not as a list literal of one string per file: what a
// catalog view over every file of a table of 50,016 partitions costs to create, and that any path reads back exactly.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pathList, pathLit, withDuck } from '../runtime/engine/duckdb.ts';

describe('pathList', () => {
  it('creating a view over 10,000 files takes tens of MB, not the parser\'s ~6 KB a list element', { timeout: 60_000 }, async () => {
    // A process of its own, so that its peak RSS is the view's alone (test/helpers/view-memory-child.ts).
    const dir = await mkdtemp(join(tmpdir(), 'strata-path-list-'));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['test/helpers/view-memory-child.ts', dir, '10000']);
      const r = JSON.parse(stdout) as { files: number; rows: number; peakMB: number };
      expect(r.rows).toBe(10_000); // each file holds one row: the view reads every file
      // As a list literal, DuckDB 1.5.6's parser takes about 6 KB a string and more a byte: 10,000 paths of 120
      // characters ≈ 60 MB and more (measured 67 MB; 136 MB for 20,000). As one JSON string the SQL is 1.3 MB, and
      // DuckDB keeps a few copies of it (the statement, the constant, the folded list, the view's SQL, the checkpoint):
      // a few tens of MB (measured 19 MB). 40 MB lies between.
      expect(r.peakMB).toBeLessThan(40);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads back any path exactly: quotes, backslashes, brackets, commas, spaces and non-ASCII characters', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-path-list-'));
    try {
      const names = [`it's.parquet`, 'say "hi".parquet', 'back\\slash\\n.parquet', '[a, b].parquet', 'été über 日本.parquet', "''.parquet"];
      const files = names.map((n) => join(dir, n));
      const rows = await withDuck(async (db) => {
        for (const [i, f] of files.entries()) await db.run(`COPY (SELECT ${i} AS i) TO ${pathLit(f)} (FORMAT parquet)`);
        return db.all<{ i: number; f: string }>(`SELECT i, filename AS f FROM read_parquet(${pathList(files)}, filename = true) ORDER BY i`);
      });
      expect(rows).toEqual(files.map((f, i) => ({ i, f })));
      expect(await withDuck((db) => db.all(`SELECT len(${pathList([])}) AS n`))).toEqual([{ n: 0 }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

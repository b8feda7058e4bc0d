// A compaction killed at a named point (SIGKILL: no cleanup, no finally), for test/compaction-faults.test.ts.
//   node test/helpers/compact-child.ts <lake dir> <schemas dir> <point> <table>...
// points:
//   mid-write    the rewrite's files are in the version folder, the first one cut to half its size (as a process
//                killed while DuckDB wrote it leaves it); nothing verified, nothing published
//   before-swap  the new version is written and verified; the manifest's compare-and-swap is about to happen
//   after-swap   the manifest names the new version; the catalog does not yet
// Exits 3 if the compaction finished without reaching the point.
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { Duck } from '../../runtime/engine/duckdb.ts';
import type { Storage } from '../../runtime/storage/port.ts';
import { compactLocal } from '../../workflows/compact-local.ts';
import { openLocalLake } from '../../workflows/lake.ts';

const [lakeDir, schemas, point, ...tables] = process.argv.slice(2) as [string, string, string, ...string[]];
const lake = await openLocalLake({ lake: lakeDir, schemas });
const die = (): never => { process.kill(process.pid, 'SIGKILL'); throw new Error('unreachable'); };
const isCompaction = (key: string, text: string) => key.endsWith('_strata/manifest.json') && JSON.parse(text).history?.at(-1)?.kind === 'compact';

const storage: Storage = Object.create(lake.storage);
if (point === 'mid-write') {
  // At a point of the process, not of the clock: right after DuckDB's COPY into the version folder returns.
  storage.writeTree = (prefix, fn) => lake.storage.writeTree(prefix, async (dir) => {
    const all = Duck.prototype.all;
    Duck.prototype.all = async function (this: Duck, sql: string) {
      const r = await all.call(this, sql);
      if (sql.startsWith('COPY (')) {
        const [first] = readdirSync(dir).sort();
        if (first) truncateSync(join(dir, first), Math.floor(statSync(join(dir, first)).size / 2));
        die();
      }
      return r;
    } as typeof all;
    return fn(dir);
  });
} else if (point === 'before-swap') {
  storage.putIfMatch = async (key, text, etag) => (isCompaction(key, text) ? die() : lake.storage.putIfMatch(key, text, etag));
} else if (point === 'after-swap') {
  storage.putIfMatch = async (key, text, etag) => {
    const r = await lake.storage.putIfMatch(key, text, etag);
    if (r.ok && isCompaction(key, text)) die();
    return r;
  };
} else {
  throw new Error(`unknown point ${point}`);
}
await compactLocal({ ...lake, ctx: { ...lake.ctx, storage } }, tables);
process.exit(3);

// A compaction killed at a named point (SIGKILL: no cleanup, no finally), for test/compaction-faults.test.ts.
//   node test/helpers/compact-child.ts <lake dir> <schemas dir> <point> <table>...
// points:
//   mid-write    as soon as the first new file appears in a version folder (DuckDB is writing it)
//   before-swap  the new version is written and verified; the manifest's compare-and-swap is about to happen
//   after-swap   the manifest names the new version; the catalog does not yet
// Exits 3 if the compaction finished without reaching the point.
import { readdirSync } from 'node:fs';
import type { Storage } from '../../runtime/storage/port.ts';
import { compactLocal } from '../../workflows/compact-local.ts';
import { openLocalLake } from '../../workflows/lake.ts';

const [lakeDir, schemas, point, ...tables] = process.argv.slice(2) as [string, string, string, ...string[]];
const lake = await openLocalLake({ lake: lakeDir, schemas });
const die = (): never => { process.kill(process.pid, 'SIGKILL'); throw new Error('unreachable'); };
const isCompaction = (key: string, text: string) => key.endsWith('_strata/manifest.json') && JSON.parse(text).history?.at(-1)?.kind === 'compact';

const storage: Storage = Object.create(lake.storage);
if (point === 'mid-write') {
  storage.writeTree = (prefix, fn) => lake.storage.writeTree(prefix, async (dir) => {
    const watch = setInterval(() => { if (readdirSync(dir).length) die(); }, 1);
    try { return await fn(dir); } finally { clearInterval(watch); }
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

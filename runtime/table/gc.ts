// Garbage collection: delete replaced partition versions once they are older than the retention window (until
// then they serve rollbacks and readers that opened an older catalog), version folders a crashed commit left
// behind, and old staging.
import type { Storage } from '../storage/port.ts';
import { mapLimit } from '../util/limit.ts';
import { collectGarbage } from './manifest.ts';
import { readManifest, type ManifestShape } from './store.ts';
import { layout } from '../../core/plan/layout.ts';

export interface GcResult {
  table: string;
  expiredVersions: number;
  orphanFolders: number;
  bytes: number;
}

/** Grace period for folders no manifest names: a commit in progress writes them before it swaps the manifest. */
const ORPHAN_GRACE_MS = 24 * 3600_000;

export async function gcTable(storage: Storage, root: string, shape: ManifestShape, table: string, retentionDays: number, now = new Date(), dryRun = false): Promise<GcResult> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const { manifest, etag } = await readManifest(storage, root, shape);
    if (etag === undefined) return { table, expiredVersions: 0, orphanFolders: 0, bytes: 0 };
    const { manifest: next, expired, compacted } = collectGarbage(manifest, now, retentionDays);
    const live = new Set([...Object.values(next.partitions).map((p) => p.location), ...next.retired.map((r) => r.version.location)]);
    const doomed = [...new Set(expired.map((r) => r.version.location))].filter((l) => !live.has(l));
    // Folders nobody references: v-<run>… folders under the table that neither the manifest nor its retired list name.
    const objects = await storage.list(root);
    const folders = new Map<string, { bytes: number; newest: number }>();
    for (const o of objects) {
      const m = /^(.*\/v-[^/]+\/)[^/]+$/.exec(o.key);
      if (!m || o.key.includes('/_strata/')) continue;
      const f = folders.get(m[1]!) ?? { bytes: 0, newest: 0 };
      f.bytes += o.size;
      f.newest = Math.max(f.newest, o.lastModified.getTime());
      folders.set(m[1]!, f);
    }
    const known = new Set([...live, ...expired.map((r) => r.version.location)]);
    const orphans = [...folders.entries()].filter(([l, f]) => !known.has(l) && now.getTime() - f.newest > ORPHAN_GRACE_MS).map(([l]) => l);
    const bytes = [...doomed, ...orphans].reduce((a, l) => a + (folders.get(l)?.bytes ?? 0), 0);
    if (dryRun) return { table, expiredVersions: doomed.length, orphanFolders: orphans.length, bytes };
    if (expired.length || compacted) {
      const cas = await storage.putIfMatch(layout.manifest(root), JSON.stringify(next), etag);
      if (!cas.ok) continue; // a writer committed meanwhile: look again
    }
    await mapLimit([...doomed, ...orphans], 16, (l) => storage.deletePrefix(l));
    return { table, expiredVersions: doomed.length, orphanFolders: orphans.length, bytes };
  }
  return { table, expiredVersions: 0, orphanFolders: 0, bytes: 0 };
}

/** Staging folders of runs that ended (or died) more than a day ago. */
export async function gcStaging(storage: Storage, now = new Date(), dryRun = false): Promise<{ folders: number; bytes: number }> {
  const objects = await storage.list('staging/');
  const runs = new Map<string, { bytes: number; newest: number }>();
  for (const o of objects) {
    const m = /^(staging\/[^/]+\/[^/]+\/)/.exec(o.key);
    if (!m) continue;
    const r = runs.get(m[1]!) ?? { bytes: 0, newest: 0 };
    r.bytes += o.size;
    r.newest = Math.max(r.newest, o.lastModified.getTime());
    runs.set(m[1]!, r);
  }
  const old = [...runs.entries()].filter(([, r]) => now.getTime() - r.newest > ORPHAN_GRACE_MS);
  if (!dryRun) await mapLimit(old, 8, ([p]) => storage.deletePrefix(p));
  return { folders: old.length, bytes: old.reduce((a, [, r]) => a + r.bytes, 0) };
}

// Restoring a table's manifest from its history (_strata/history/<slot>.json, a copy of each commit's, written by
// runtime/table/store.ts): what strata doctor --repair does for a manifest that was deleted or damaged. Nothing is
// lost on the way: a damaged manifest is kept aside, and the swap is a compare-and-swap against what is there.
import { layout } from '../../core/plan/layout.ts';
import type { Storage } from '../storage/port.ts';
import { newerFormat, type TableManifest } from './manifest.ts';
import { historyCopies } from './store.ts';
import { asideStamp } from '../util/aside.ts';
import { plural } from '../../core/text.ts';

export interface RestorableCopy {
  key: string;
  manifest: TableManifest;
  text: string;
}

/**
 * The newest manifest copy that can be read and whose partitions' files all exist, or undefined when there is none.
 * `skipped` lists the newer copies passed over, and why. `newer`: a copy in a later format than this strata reads
 * (written by a newer strata), newer than any copy it could restore: then nothing is to be restored by this strata,
 * which would undo that strata's commits (`copy` is left out).
 */
export async function restorableCopy(storage: Storage, root: string): Promise<{ copy?: RestorableCopy; skipped: string[]; newer?: { key: string; version: number; format: number } }> {
  const skipped: string[] = [];
  const copies: RestorableCopy[] = [];
  let newer: { key: string; version: number; format: number } | undefined;
  for (const key of await historyCopies(storage, root)) {
    const text = (await storage.readText(key)) ?? '';
    try {
      const manifest = JSON.parse(text) as TableManifest;
      if (typeof manifest.version !== 'number' || typeof manifest.partitions !== 'object') throw new Error('not a table manifest');
      if (newerFormat(manifest)) {
        if (!newer || manifest.version > newer.version) newer = { key, version: manifest.version, format: manifest.formatVersion! };
        continue;
      }
      copies.push({ key, manifest, text });
    } catch (e) {
      skipped.push(`${storage.uri(key)}: cannot be read (${(e as Error).message})`);
    }
  }
  if (newer && copies.every((c) => c.manifest.version < newer!.version)) return { skipped, newer };
  // Newest version first (the ring's slots do not sort by version).
  for (const { key, manifest, text } of copies.sort((a, b) => b.manifest.version - a.manifest.version)) {
    const files = Object.values(manifest.partitions).flatMap((p) => p.files);
    const missing = (await Promise.all(files.map(async (f) => ((await storage.head(f)) ? undefined : f)))).filter(Boolean);
    if (missing.length) {
      skipped.push(`${storage.uri(key)}: names ${plural(missing.length, 'file')} that no longer ${missing.length === 1 ? 'exists' : 'exist'}, e.g. ${missing[0]}`);
      continue;
    }
    return { copy: { key, manifest, text }, skipped };
  }
  return { skipped };
}

/**
 * Put a copy back as the table's manifest. A manifest that is there (damaged) is first kept aside as
 * _strata/manifest.damaged-<time>.json. Returns false when the manifest changed meanwhile (someone else repaired it).
 */
export async function restoreManifest(storage: Storage, root: string, copy: RestorableCopy, now = new Date()): Promise<{ restored: boolean; keptAside?: string }> {
  const key = layout.manifest(root);
  const current = await storage.readVersioned(key);
  let keptAside: string | undefined;
  if (current) {
    keptAside = `${root}_strata/manifest.damaged-${asideStamp(now)}.json`;
    await storage.writeText(keptAside, current.text);
  }
  const cas = await storage.putIfMatch(key, copy.text, current?.etag);
  return { restored: cas.ok, ...(keptAside ? { keptAside } : {}) };
}

// Committing new partition versions to a table: optimistic concurrency on the manifest.
//
// Each writer builds its new partition versions in folders of its own (v-<runId>…), invisible to readers, then
// swaps the manifest with compare-and-swap. If another writer swapped first, the partitions it changed are rebuilt
// on top of its versions and the swap is tried again; partitions it did not touch are reused as built. So two
// runs touching the same partition both land, and readers see a partition's old version or its new one.
import { ERRORS, StrataError } from '../../core/errors.ts';
import { mapLimit } from '../util/limit.ts';
import { layout } from '../../core/plan/layout.ts';
import type { Storage } from '../storage/port.ts';
import type { AppliedSchema } from '../../core/schema/evolution.ts';
import type { TableShape } from '../../core/plan/table-shape.ts';
import { applyCommit, emptyManifest, type Change, type CommitKind, type PartitionVersion, type TableManifest } from './manifest.ts';

/** What an empty manifest is made from: a table shape, or a dataset plan (its silver table). */
export type ManifestShape = TableShape | { dataset: string; schemaHash: string; partitions: Array<{ name: string }> };

/** A manifest and the etag its compare-and-swap checks (undefined: the table has none yet). */
export interface ReadManifest {
  manifest: TableManifest;
  etag: string | undefined;
}

export async function readManifest(storage: Storage, root: string, shape: ManifestShape): Promise<ReadManifest> {
  const current = await storage.readVersioned(layout.manifest(root));
  if (current === undefined) {
    const s = 'table' in shape ? shape : { table: shape.dataset, layer: 'silver' as const, schemaHash: shape.schemaHash, partitionKeys: shape.partitions.map((p) => p.name) };
    return { manifest: emptyManifest(s.table, s.layer, s.schemaHash, s.partitionKeys), etag: undefined };
  }
  return { manifest: parseManifest(storage, root, current.text), etag: current.etag };
}

/** A manifest's JSON; a damaged one is a Strata.UnreadableFile naming the file and the way back. */
function parseManifest(storage: Storage, root: string, text: string): TableManifest {
  try {
    return JSON.parse(text) as TableManifest;
  } catch (e) {
    const table = root.split('/').filter(Boolean).join('.');
    const back = storage.kind === 's3' ? 'restore its previous version (the lake bucket keeps replaced versions)'
      : `restore it from a backup; its catalog entry (_strata/catalog/tables/${table}.json) lists the partition versions it pointed at`;
    throw new StrataError(ERRORS.UnreadableFile, `${storage.uri(layout.manifest(root))} is damaged (${(e as Error).message}): ${table} cannot be read or changed `
      + `until its manifest is restored; the other tables are not affected. The way back: ${back}`);
  }
}

export interface CommitRequest {
  root: string;
  shape: TableShape;
  runId: string;
  at: string;
  kind: CommitKind;
  /** Partition paths this commit writes. */
  paths: string[];
  /** Source object committed with these rows (silver): a second commit of it becomes a no-op. */
  source?: { id: string; key: string; contentId?: string };
  /** Computed from the manifest being replaced (a rollback forgets what it removes). */
  forgetSources?: (m: TableManifest) => string[];
  /** The schema the new versions are written with (recorded as applied). */
  schema?: AppliedSchema;
  /** Refuse to commit on top of a manifest (e.g. its applied schema cannot evolve into this one). */
  guard?: (m: TableManifest) => void | Promise<void>;
  /**
   * Build the new version of one partition on top of `base` (its current version, if any), in a folder of the
   * caller's choosing under `prefix` (unique per attempt). null removes the partition.
   */
  build: (path: string, base: PartitionVersion | undefined, prefix: string) => Promise<PartitionVersion | null>;
  maxAttempts?: number;
  /** The manifest (and its etag) the caller already read: the first attempt builds on it instead of reading again. */
  read?: ReadManifest;
}

export interface CommitResult {
  status: 'committed' | 'already';
  committedBy?: string;
  manifest: TableManifest;
  /** The etag of `manifest` when this commit wrote it. */
  etag?: string;
  changes: Change[];
}

export async function commitTable(storage: Storage, req: CommitRequest): Promise<CommitResult> {
  const key = layout.manifest(req.root);
  const built = new Map<string, { baseLocation: string | undefined; version: PartitionVersion | null; prefix: string }>();
  const maxAttempts = req.maxAttempts ?? 30;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    // If it changed since the caller read it, the compare-and-swap fails and the next attempt reads it afresh.
    const { manifest, etag } = attempt === 0 && req.read ? req.read : await readManifest(storage, req.root, req.shape);
    await req.guard?.(manifest);
    if (req.source && manifest.sources[req.source.id]) {
      await discard(storage, [...built.values()].map((b) => b.prefix));
      return { status: 'already', committedBy: manifest.sources[req.source.id]!.runId, manifest, changes: [] };
    }
    // Partitions are independent: build their versions concurrently (file links locally, copies in S3).
    await mapLimit(req.paths, 16, async (path) => {
      const base = manifest.partitions[path];
      const prev = built.get(path);
      if (prev && prev.baseLocation === base?.location) return; // still built on the current version
      if (prev) await discard(storage, [prev.prefix]);
      const prefix = versionFolder(req.root, path, req.runId, attempt);
      built.set(path, { baseLocation: base?.location, version: await req.build(path, base, prefix), prefix });
    });
    const versions = Object.fromEntries(req.paths.map((p) => [p, built.get(p)!.version]));
    const { manifest: next, changes } = applyCommit(manifest, {
      runId: req.runId, at: req.at, kind: req.kind, versions,
      ...(req.source ? { source: req.source } : {}),
      ...(req.forgetSources ? { forgetSources: req.forgetSources(manifest) } : {}),
      ...(req.schema ? { schema: req.schema } : {}),
      schemaHash: req.shape.schemaHash,
    });
    const cas = await storage.putIfMatch(key, JSON.stringify(next), etag);
    if (cas.ok) return { status: 'committed', manifest: next, etag: cas.etag, changes };
    // Someone else committed first: back off a little (with jitter) and rebuild what they changed.
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 20 * 2 ** attempt)));
  }
  throw new StrataError(ERRORS.CommitConflict, `could not commit ${req.shape.table} after ${maxAttempts} attempts: too many concurrent writers`);
}

export function versionFolder(root: string, path: string, runId: string, attempt: number): string {
  return `${root}${path ? `${path}/` : ''}v-${runId}${attempt ? `-${attempt}` : ''}/`;
}

async function discard(storage: Storage, prefixes: string[]): Promise<void> {
  await mapLimit(prefixes, 16, (p) => storage.deletePrefix(p));
}

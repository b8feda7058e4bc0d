// Which Glue partitions to create, repoint and drop so the catalog equals a manifest. Pure, so the rules are
// tested without a catalog: a partition is identified by its values, and it changes only when its location
// (its version folder) does — or when the table's schema changed, since every partition carries a copy of it.
import type { TableManifest } from '../table/manifest.ts';

/** Hive's name for a NULL partition value (what DuckDB and Athena write and read for NULL). */
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

export interface GluePartitionRef {
  values: string[];
  /** s3:// URI of the version folder. */
  location: string;
}

export interface PartitionSyncPlan {
  create: GluePartitionRef[];
  /** Partitions whose location moved to a new version folder: the atomic per-partition switch. */
  update: GluePartitionRef[];
  /** Same location, rewritten because the table schema changed (not counted as a version switch). */
  refresh: GluePartitionRef[];
  delete: GluePartitionRef[];
}

export function valuesKey(values: readonly string[]): string {
  return JSON.stringify(values);
}

/** The partitions a manifest says the table has, as Glue sees them. */
export function manifestPartitions(m: TableManifest, locationOf: (key: string) => string): GluePartitionRef[] {
  return Object.values(m.partitions).map((p) => ({
    values: p.values.map((v) => (v === null ? HIVE_DEFAULT_PARTITION : String(v))),
    location: locationOf(p.location),
  }));
}

export function planPartitionSync(
  current: readonly GluePartitionRef[], desired: readonly GluePartitionRef[], opts: { schemaChanged?: boolean } = {},
): PartitionSyncPlan {
  const had = new Map(current.map((p) => [valuesKey(p.values), p]));
  const plan: PartitionSyncPlan = { create: [], update: [], refresh: [], delete: [] };
  for (const p of desired) {
    const k = valuesKey(p.values);
    const was = had.get(k);
    had.delete(k);
    if (!was) plan.create.push(p);
    else if (sameLocation(was.location, p.location)) { if (opts.schemaChanged) plan.refresh.push(p); }
    else plan.update.push(p);
  }
  plan.delete.push(...had.values());
  return plan;
}

/** Glue keeps locations as given; compare them without caring for a trailing slash. */
export function sameLocation(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

// Step: make the catalog match the manifests (silver table and partitions, quarantine files). Idempotent, so it
// is safe to repeat after any crash, and a re-ingest of an already committed object runs it too.
import type { CatalogTable, SyncSummary } from '../catalog/port.ts';
import type { DatasetPlan } from '../plan/compile.ts';
import type { TableManifest } from '../table/manifest.ts';
import { readManifest, type ManifestShape } from '../table/store.ts';
import type { PipelineContext } from './context.ts';
import type { RegisterOutput } from './payloads.ts';

export async function registerSilver(ctx: PipelineContext, input: { dataset: string }): Promise<RegisterOutput> {
  const started = Date.now();
  const plan = ctx.plans.get(input.dataset);
  const summary = await syncToLatest(ctx, plan.prefixes.silver, plan, { layer: 'silver', name: plan.dataset, glue: plan.tables.silver });
  await registerQuarantine(ctx, plan);
  return { ...summary, ms: Date.now() - started };
}

/**
 * Concurrent runs register in any order, and one may have read an older manifest than what another already
 * registered. So apply, re-read, and apply again until the manifest stayed the same: the last register to finish
 * always leaves the catalog on the newest version (catalogs also ignore versions older than what they hold).
 */
export async function syncToLatest(ctx: PipelineContext, root: string, plan: ManifestShape, table: CatalogTable, committed?: TableManifest): Promise<SyncSummary> {
  const total: SyncSummary = { created: 0, updated: 0, deleted: 0 };
  for (let i = 0; i < 20; i++) {
    // A writer that has just committed knows the manifest it wrote: no need to read it back first.
    const manifest = i === 0 && committed ? committed : (await readManifest(ctx.storage, root, plan)).manifest;
    const s = await ctx.catalog.syncTable(table, manifest);
    total.created += s.created; total.updated += s.updated; total.deleted += s.deleted;
    const { manifest: after } = await readManifest(ctx.storage, root, plan);
    if (after.version === manifest.version) return total;
  }
  return total;
}

export async function registerQuarantine(ctx: PipelineContext, plan: DatasetPlan): Promise<void> {
  const files = (await ctx.storage.list(plan.prefixes.quarantine)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
  await ctx.catalog.syncFiles({ layer: 'quarantine', name: plan.dataset, glue: plan.tables.quarantine }, files);
}

// Step: make the catalog match the manifests (silver table and partitions, quarantine files). Idempotent, so it
// is safe to repeat after any crash, and a re-ingest of an already committed object runs it too.
import type { CatalogTable, SyncSummary } from '../catalog/port.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { newerFormat, refuseUnevolvable, runOfVersion, type TableManifest } from '../table/manifest.ts';
import { layout } from '../../core/plan/layout.ts';
import { readManifest, type ManifestShape, type ReadManifest } from '../table/store.ts';
import type { PipelineContext } from './context.ts';
import type { RegisterOutput } from './payloads.ts';
import { isQuarantineFile, settlePending } from './commit.ts';

export async function registerSilver(ctx: PipelineContext, input: { dataset: string }): Promise<RegisterOutput> {
  const started = Date.now();
  const plan = ctx.plans.get(input.dataset);
  const summary = await syncToLatest(ctx, plan.prefixes.silver, plan, { layer: 'silver', name: plan.dataset, glue: plan.tables.silver });
  await registerQuarantine(ctx, plan, { settle: true });
  return { ...summary, ms: Date.now() - started };
}

/**
 * Concurrent runs register in any order, and one may have read an older manifest than what another already
 * registered. So apply, re-read, and apply again until the manifest stayed the same: the last register to finish
 * always leaves the catalog on the newest version (catalogs also ignore versions older than what they hold).
 */
export async function syncToLatest(ctx: PipelineContext, root: string, plan: ManifestShape, table: CatalogTable, committed?: ReadManifest): Promise<SyncSummary> {
  const total: SyncSummary = { created: 0, updated: 0, deleted: 0 };
  // A writer that has just committed knows the manifest it wrote (and its etag): no need to read it back first.
  let next = committed;
  for (let i = 0; i < 20; i++) {
    const current = next ?? await readManifest(ctx.storage, root, plan);
    // A dataset's plan whose schema the table cannot evolve to is never registered over it: readers would see the
    // refused columns and partitions over the old files (a SKIPPED run's resync did; third attack, stop 36).
    if ('applied' in plan) refuseUnevolvable(current.manifest, plan as DatasetPlan);
    const s = await ctx.catalog.syncTable(table, current.manifest);
    total.created += s.created; total.updated += s.updated; total.deleted += s.deleted;
    // Unchanged since (the same etag): done, without parsing it again.
    const after = await ctx.storage.readVersioned(layout.manifest(root));
    if (after === undefined || after.etag === current.etag) return total;
    const manifest = JSON.parse(after.text) as TableManifest;
    // Rewritten without a new version (gc): the same version by the same run. The same number by another run is another
    // version (a manifest put back from an older copy, its number reused): that one is registered.
    if (manifest.version === current.manifest.version && runOfVersion(manifest, manifest.version) === runOfVersion(current.manifest, manifest.version)) return total;
    if (newerFormat(manifest)) return total; // a newer strata committed meanwhile: it registers what it wrote
    next = { manifest, etag: after.etag };
  }
  return total;
}

/**
 * The quarantine table's files: the quarantine files strata wrote in its folder (commit.ts isQuarantineFile; not those
 * under _strata/, rows waiting for their run's commit to be decided, commit.ts pendingQuarantine, nor files strata did
 * not write). `settle`: first settle the pending rows of objects
 * committed since (commit.ts settlePending; the register step and strata doctor do).
 */
export async function registerQuarantine(ctx: PipelineContext, plan: DatasetPlan, opts: { settle?: boolean } = {}): Promise<void> {
  let objects = await ctx.storage.list(plan.prefixes.quarantine);
  if (opts.settle && await settlePending(ctx, plan, objects)) objects = await ctx.storage.list(plan.prefixes.quarantine);
  const files = objects.map((o) => o.key).filter((k) => isQuarantineFile(plan, k));
  await ctx.catalog.syncFiles({ layer: 'quarantine', name: plan.dataset, glue: plan.tables.quarantine }, files);
}

// Step: make the catalog match the manifests (silver table and partitions, quarantine files). Idempotent, so it
// is safe to repeat after any crash, and a re-ingest of an already committed object runs it too.
import type { DatasetPlan } from '../plan/compile.ts';
import { readManifest } from '../table/store.ts';
import type { PipelineContext } from './context.ts';
import type { RegisterOutput } from './payloads.ts';

export async function registerSilver(ctx: PipelineContext, input: { dataset: string }): Promise<RegisterOutput> {
  const started = Date.now();
  const plan = ctx.plans.get(input.dataset);
  const { manifest } = await readManifest(ctx.storage, plan.prefixes.silver, plan);
  const summary = await ctx.catalog.syncTable({ layer: 'silver', name: plan.dataset, glue: plan.tables.silver }, manifest);
  await registerQuarantine(ctx, plan);
  return { ...summary, ms: Date.now() - started };
}

export async function registerQuarantine(ctx: PipelineContext, plan: DatasetPlan): Promise<void> {
  const files = (await ctx.storage.list(plan.prefixes.quarantine)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
  await ctx.catalog.syncFiles({ layer: 'quarantine', name: plan.dataset, glue: plan.tables.quarantine }, files);
}

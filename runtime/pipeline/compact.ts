// Step: compact a dataset's tables — the one step of its compaction state machine (workflows/asl-compact.ts), run on
// a schedule in AWS and after runs locally. For each table: rewrite the partitions its policy finds full of small
// files (runtime/table/compact.ts), then make the catalog follow the manifest, as the register step does.
import { randomBytes } from 'node:crypto';
import { ERRORS, isStrataError, StrataError, type ErrorName } from '../../core/errors.ts';
import { goldShape } from '../../core/gold/analyze.ts';
import { compactionTargets, MANUAL_COMPACTION, type CompactionTarget } from '../../core/plan/compaction.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import type { CompactionSpec } from '../../core/schema/model.ts';
import type { CatalogTable } from '../catalog/port.ts';
import { compactTable, type CompactTableResult, type CompactTableRequest, type PartitionCompaction } from '../table/compact.ts';
import type { Storage } from '../storage/port.ts';
import { layout } from '../../core/plan/layout.ts';
import { readManifest } from '../table/store.ts';
import type { PipelineContext } from './context.ts';
import { syncToLatest } from './register.ts';
import { rewriteOverEnvelope } from './limits.ts';

export interface CompactInput {
  dataset: string;
  runId: string;
  now: string;
  /** Tables to compact: the dataset (its silver table) and gold tables its schema defines. Default: those with a policy. */
  tables?: string[];
  /** Overrides every table's policy (strata compact --target-mb / --min-files). */
  targetMb?: number;
  minFiles?: number;
}

export interface CompactOutput {
  dataset: string;
  /** The run id of the version folders and history entries: the input's, plus a suffix unique to this attempt. */
  runId: string;
  tables: Array<Omit<CompactTableResult, 'committed'> & { layer: 'silver' | 'gold' }>;
  ms: number;
}

/**
 * Hooks of compactDataset: onBuilt (fault tests), and onPublished, called with the result so far each time a chunk of
 * a table's partitions has published, before the table's catalog follows (which may fail and have the step retried).
 */
export type CompactHooks = Pick<CompactTableRequest, 'onBuilt'> & { onPublished?: (sofar: CompactOutput) => Promise<void> };

export async function compactDataset(ctx: PipelineContext, input: CompactInput, hooks: CompactHooks = {}): Promise<CompactOutput> {
  const started = Date.now();
  const plan = ctx.plans.get(input.dataset);
  // A retried step must never write into a folder an earlier attempt of the same run may have published.
  const runId = `${input.runId}-${randomBytes(3).toString('hex')}`;
  const tables: CompactOutput['tables'] = [];
  // Damage stays inside its table (and partition): the others are compacted, then the step fails naming it.
  const failed: Array<{ table: string; error: StrataError }> = [];
  for (const target of targetsOf(plan, input)) {
    const policy: CompactionSpec = {
      ...target.policy,
      ...(input.targetMb !== undefined ? { targetMb: input.targetMb } : {}),
      ...(input.minFiles !== undefined ? { minFiles: input.minFiles } : {}),
    };
    const t = tableOf(ctx, plan, target);
    const name = `${target.layer}.${target.table}`;
    try {
      const tooLarge = (path: string, bytes: number) => rewriteOverEnvelope(plan, 'compact', name, path, bytes);
      const { onPublished, ...tableHooks } = hooks;
      // After each chunk of 16 partitions: a step failing between two chunks keeps the first one's report.
      const onCommitted = onPublished && (async (sofar: PartitionCompaction[]) => onPublished({
        dataset: plan.dataset, runId, ms: Date.now() - started,
        tables: [...tables, { table: target.table, layer: target.layer, status: sofar.some((p) => p.outcome === 'compacted') ? 'compacted' : 'nothing-to-do', partitions: sofar, ms: Date.now() - started }],
      }));
      const { committed, ...result } = await compactTable(ctx.storage, {
        root: t.root, shape: t.shape, runId, columns: t.columns, policy, tooLarge, ...(ctx.duck ? { duck: ctx.duck } : {}), ...tableHooks, ...(onCommitted ? { onCommitted } : {}),
      });
      // What an earlier attempt of this execution committed and could not report (its answer lost after the manifest
      // swap, before any chunk's save): this attempt finds nothing due, said "nothing to compact", and left the
      // catalog behind the manifest (an attack, stop 57). The manifest's history says what it compacted.
      const earlier = committed ? undefined : await earlierCompactions(ctx.storage, t.root, t.shape, input.runId, runId, result.partitions);
      if (earlier?.partitions.length) {
        result.partitions.push(...earlier.partitions);
        result.status = 'compacted';
      }
      tables.push({ ...result, layer: target.layer });
      if (committed) await syncToLatest(ctx, t.root, t.shape, t.catalog, committed);
      else if (earlier?.partitions.length) await syncToLatest(ctx, t.root, t.shape, t.catalog, earlier.read);
      for (const p of result.partitions.filter((x) => x.error)) failed.push({ table: name, error: new StrataError(ERRORS.UnreadableFile, p.error!.message) });
    } catch (e) {
      // A named error is final for this table (a damaged manifest, a verification that failed); anything else may
      // be transient: the state machine retries the whole step, which starts over from the manifests.
      if (!isStrataError(e)) throw e;
      failed.push({ table: name, error: e as StrataError });
    }
  }
  if (failed.length) {
    const done = tables.filter((t) => t.status === 'compacted').map((t) => `${t.layer}.${t.table}`);
    throw new StrataError(failed[0]!.error.name as ErrorName, `${failed.map((f) => `${f.table}: ${f.error.message}`).join('; ')}. `
      + (done.length ? `Compacted meanwhile, rows unchanged: ${done.join(', ')}.` : 'Nothing else was compacted.'));
  }
  return { dataset: plan.dataset, runId, tables, ms: Date.now() - started };
}

/**
 * What the compact step returns to its state machine: each table's outcome and how many of its partitions had each
 * outcome, and `resultKey`, where the whole CompactOutput is (layout.compactions). A state's input and output hold at
 * most 256 KiB (workflows/quotas.ts): the output listed every partition (a compaction of 2,000 partitions returned
 * 272,169 bytes, and its execution failed with States.DataLimitExceeded after publishing them).
 */
export interface CompactStepOutput {
  dataset: string;
  runId: string;
  ms: number;
  /** Where the whole result is; absent when no table had a partition due (nothing to read back). */
  resultKey: string | undefined;
  tables: Array<Pick<CompactOutput['tables'][number], 'layer' | 'table' | 'status' | 'reason'> & { partitions: Partial<Record<PartitionCompaction['outcome'], number>> }>;
}

/**
 * The compact step: compactDataset, its whole result written to storage, and its counts and key returned. One result
 * per execution (its input's run id): an attempt that found partitions due writes it; a retried attempt that found
 * nothing (an earlier attempt compacted them, then failed or lost its answer) returns the earlier attempt's result
 * when there is one (an attack, stop 56: `strata compact` said "nothing to compact" of a retried compaction that had
 * compacted), and otherwise, as every compaction with nothing due, writes nothing.
 */
export async function compactStep(ctx: PipelineContext, input: CompactInput): Promise<CompactStepOutput> {
  const resultKey = `${layout.compactions(ctx.plans.get(input.dataset).dataset)}${input.runId}.json`;
  const text = await ctx.storage.readText(resultKey);
  const earlier = text === undefined ? undefined : JSON.parse(text) as CompactOutput;
  const save = (now: CompactOutput) => ctx.storage.writeText(resultKey, JSON.stringify(mergeCompactions(earlier, now)));
  // Saved as each chunk of partitions publishes, not only at the end: an attempt that fails after publishing (its
  // catalog sync throttled) leaves what it did for the retry to report (an attack, stop 56).
  const out = await compactDataset(ctx, input, { onPublished: save });
  if (out.tables.some((t) => t.partitions.length)) await save(out);
  else if (!earlier) return { ...countsOf(out), resultKey: undefined };
  return { ...countsOf(mergeCompactions(earlier, out)), resultKey };
}

/**
 * One execution's result from an earlier attempt's and this one's: each table's partitions of both, a partition in both
 * taken as compacted when either compacted it; a table compacted when either attempt compacted some of it.
 */
export function mergeCompactions(earlier: CompactOutput | undefined, now: CompactOutput): CompactOutput {
  if (!earlier) return now;
  const key = (t: { layer: string; table: string }) => `${t.layer}.${t.table}`;
  const nowByTable = new Map(now.tables.map((t) => [key(t), t]));
  const tables = earlier.tables.map((before) => {
    const after = nowByTable.get(key(before));
    if (!after) return before;
    nowByTable.delete(key(before));
    const byPath = new Map(before.partitions.map((p) => [p.path, p]));
    for (const p of after.partitions) if (byPath.get(p.path)?.outcome !== 'compacted') byPath.set(p.path, p);
    const partitions = [...byPath.values()];
    return { ...after, status: partitions.some((p) => p.outcome === 'compacted') ? 'compacted' as const : after.status, partitions, ms: before.ms + after.ms };
  });
  return { ...now, tables: [...tables, ...nowByTable.values()], ms: earlier.ms + now.ms };
}

/** A compaction's result without its partitions: each table's outcome counts. */
function countsOf(out: CompactOutput): Omit<CompactStepOutput, 'resultKey'> {
  return {
    dataset: out.dataset, runId: out.runId, ms: out.ms,
    tables: out.tables.map((t) => ({
      layer: t.layer, table: t.table, status: t.status, ...(t.reason ? { reason: t.reason } : {}),
      partitions: t.partitions.reduce<Partial<Record<PartitionCompaction['outcome'], number>>>((a, p) => ({ ...a, [p.outcome]: (a[p.outcome] ?? 0) + 1 }), {}),
    })),
  };
}

/**
 * The whole result of a compact step's output (compactStep), read from its resultKey; without one (nothing was due),
 * the output itself, every table with no partitions. Throws when the result cannot be read.
 */
export async function loadCompaction(storage: Storage, step: CompactStepOutput): Promise<CompactOutput> {
  if (step.resultKey === undefined) {
    return { dataset: step.dataset, runId: step.runId, ms: step.ms, tables: step.tables.map(({ partitions: _, ...t }) => ({ ...t, partitions: [], ms: 0 })) };
  }
  const text = await storage.readText(step.resultKey);
  if (text === undefined) throw new Error(`the result of compaction ${step.runId} of ${step.dataset} is not at ${step.resultKey}`);
  return JSON.parse(text) as CompactOutput;
}

/**
 * The partitions an earlier attempt of execution `executionId` compacted (history entries of kind compact whose run id
 * is the execution's with another attempt's suffix, compactDataset) that are still as it left them and not among
 * `reported`, as compactTable reports them (files and bytes before from the retired version, after from the current
 * one), and the manifest read; undefined when there are none.
 */
async function earlierCompactions(storage: Storage, root: string, shape: Parameters<typeof readManifest>[2], executionId: string, attempt: string, reported: readonly PartitionCompaction[]): Promise<{ partitions: PartitionCompaction[]; read: Awaited<ReturnType<typeof readManifest>> } | undefined> {
  const read = await readManifest(storage, root, shape);
  const m = read.manifest;
  const said = new Set(reported.filter((p) => p.outcome === 'compacted').map((p) => p.path));
  const partitions: PartitionCompaction[] = [];
  for (const h of m.history.filter((x) => x.kind === 'compact' && x.runId !== attempt && x.runId.startsWith(`${executionId}-`))) {
    for (const c of h.changes) {
      const now = m.partitions[c.path];
      if (!c.to || !now || now.location !== c.to || said.has(c.path)) continue;
      const before = m.retired.find((r) => r.version.location === c.from)?.version;
      said.add(c.path);
      partitions.push({
        path: c.path, outcome: 'compacted', filesBefore: before ? before.fileCount ?? before.files?.length ?? 0 : 0, filesAfter: now.files.length,
        rows: now.rows, bytesBefore: before?.bytes ?? 0, bytesAfter: now.bytes, rebuilds: 0,
      });
    }
  }
  return partitions.length ? { partitions, read } : undefined;
}

/** The tables a run compacts: those named (with their policy, or the manual one), else those with a policy. */
function targetsOf(plan: DatasetPlan, input: CompactInput): CompactionTarget[] {
  const withPolicy = compactionTargets(plan);
  if (!input.tables) return withPolicy;
  return input.tables.map((name): CompactionTarget => {
    const found = withPolicy.find((t) => t.table === name);
    if (found) return found;
    if (name === plan.dataset) return { layer: 'silver', table: name, policy: MANUAL_COMPACTION };
    if (plan.gold.some((g) => g.table === name)) return { layer: 'gold', table: name, policy: MANUAL_COMPACTION };
    throw new StrataError(ERRORS.InvalidInput, `"${name}" is neither dataset ${plan.dataset} nor a gold table its schema defines`);
  });
}

function tableOf(ctx: PipelineContext, plan: DatasetPlan, target: CompactionTarget) {
  if (target.layer === 'silver') {
    return {
      root: plan.prefixes.silver,
      shape: { table: plan.dataset, layer: 'silver' as const, schemaHash: plan.schemaHash, partitionKeys: plan.partitions.map((p) => p.name) },
      columns: [...plan.columns, ...plan.partitions],
      catalog: { layer: 'silver', name: plan.dataset, glue: plan.tables.silver } satisfies CatalogTable,
    };
  }
  const g = ctx.gold.get(target.table);
  return { root: g.prefix, shape: goldShape(g), columns: g.columns, catalog: { layer: 'gold', name: g.table, glue: g.glue } satisfies CatalogTable };
}

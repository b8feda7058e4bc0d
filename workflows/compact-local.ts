// Compaction locally: an execution of the dataset's compaction state machine (workflows/asl-compact.ts), the same
// definition AWS runs, with the compact step's handler in-process.
//
// In AWS EventBridge Scheduler starts it on the dataset's `compaction.schedule`. Locally there is no scheduler: a
// run that succeeded starts it right away when a table of the dataset now has a partition its policy calls due
// (compactAfterRun, called by ingestKey for strata ingest, strata put and strata dev), and `strata compact` starts it
// by hand, for any table.
import { compactionTargets } from '../core/plan/compaction.ts';
import { ERRORS, StrataError } from '../core/errors.ts';
import { goldShape } from '../core/gold/analyze.ts';
import { rewriteOverEnvelope } from '../runtime/pipeline/limits.ts';
import { loadCompaction, type CompactInput, type CompactOutput, type CompactStepOutput } from '../runtime/pipeline/compact.ts';
import { compactionCandidates } from '../runtime/table/compact.ts';
import { readManifest } from '../runtime/table/store.ts';
import { renderCompactionAsl } from './asl-compact.ts';
import { catalogCaughtUp, type LocalLake } from './lake.ts';
import { executeLocal, type LocalExecution, type LocalRunOptions } from './local.ts';
import { newRunId } from './run-id.ts';

export interface LocalCompaction {
  dataset: string;
  runId: string;
  execution: LocalExecution;
  /** The compact step's output, when the execution succeeded. */
  output?: CompactOutput;
  /** Why catalog.duckdb is behind the lake after the compactions (catalogCaughtUp), when it is. */
  catalogBehind?: string;
}

export interface CompactOptions {
  /** Override every table's policy (strata compact --target-mb, --min-files). */
  targetMb?: number;
  minFiles?: number;
  wrap?: LocalRunOptions['wrap'];
  retryIntervalMs?: number;
}

/**
 * strata compact [<table>…]: each named table (a dataset's silver table or a gold table) under its policy, or the
 * manual one (core/plan/compaction.ts MANUAL_COMPACTION) when it has none; no name: every table of the lake. One
 * execution per dataset that owns a named table, in schema order.
 */
export async function compactLocal(lake: LocalLake, tables: readonly string[] = [], opts: CompactOptions = {}): Promise<LocalCompaction[]> {
  const byDataset = new Map<string, string[]>();
  const owner = (name: string): string => {
    if (lake.plans.some((p) => p.dataset === name)) return name;
    const g = lake.gold.find((x) => x.table === name);
    if (!g) throw new StrataError(ERRORS.UnknownDataset, `no dataset or gold table named "${name}"`);
    return g.owner;
  };
  const names = tables.length ? tables : lake.plans.flatMap((p) => [p.dataset, ...p.gold.map((g) => g.table)]);
  for (const name of names) byDataset.set(owner(name), [...(byDataset.get(owner(name)) ?? []), name]);
  const out: LocalCompaction[] = [];
  for (const plan of lake.plans.filter((p) => byDataset.has(p.dataset))) {
    out.push(await runCompaction(lake, plan.dataset, [...new Set(byDataset.get(plan.dataset))], opts));
  }
  return caughtUp(lake, out);
}

/**
 * After a run of `dataset` succeeded: the tables it changed whose compaction policy now finds a partition due — its
 * silver table, and the gold tables the run refreshed (of its own schema or another's) — are compacted, one execution
 * per dataset that owns such tables (locally what the schedules do in AWS). Empty when nothing is due.
 */
export async function compactAfterRun(lake: LocalLake, dataset: string): Promise<LocalCompaction[]> {
  const refreshed = new Set(lake.ctx.gold.forDataset(dataset).map((g) => g.table));
  const out: LocalCompaction[] = [];
  for (const plan of lake.plans) {
    const due: string[] = [];
    for (const t of compactionTargets(plan)) {
      if (t.layer === 'silver' ? plan.dataset !== dataset : !refreshed.has(t.table)) continue;
      const { manifest } = t.layer === 'silver'
        ? await readManifest(lake.storage, plan.prefixes.silver, plan)
        : await readManifest(lake.storage, lake.ctx.gold.get(t.table).prefix, goldShape(lake.ctx.gold.get(t.table)));
      // A partition too large to rewrite within the compact step's /tmp is not due: every run would start a compaction
      // that leaves it as it is (an attack, stop 56); `strata compact` still says so.
      const name = `${t.layer}.${t.table}`;
      if (compactionCandidates(manifest, t.policy).some((p) => !rewriteOverEnvelope(plan, 'compact', name, p.path, p.bytes))) due.push(t.table);
    }
    // With the compaction role's grants, as AWS's scheduled compaction runs.
    if (due.length) out.push(await runCompaction(lake, plan.dataset, due, { scheduled: true }));
  }
  return out.length ? caughtUp(lake, out) : out;
}

/** The compactions, each with why catalog.duckdb is behind when it cannot catch up after them (catalogCaughtUp). */
async function caughtUp(lake: LocalLake, out: LocalCompaction[]): Promise<LocalCompaction[]> {
  const catalogBehind = await catalogCaughtUp(lake);
  return catalogBehind ? out.map((c) => ({ ...c, catalogBehind })) : out;
}

async function runCompaction(lake: LocalLake, dataset: string, tables: string[], opts: CompactOptions & { scheduled?: boolean }): Promise<LocalCompaction> {
  const runId = newRunId();
  const input: CompactInput = {
    dataset, runId, now: new Date().toISOString(), tables,
    ...(opts.targetMb !== undefined ? { targetMb: opts.targetMb } : {}),
    ...(opts.minFiles !== undefined ? { minFiles: opts.minFiles } : {}),
  };
  const execution = await executeLocal(renderCompactionAsl(lake.ctx.plans.get(dataset)), input, {
    ctx: lake.ctx, name: runId,
    ...(opts.wrap ? { wrap: opts.wrap } : {}),
    ...(opts.retryIntervalMs !== undefined ? { retryIntervalMs: opts.retryIntervalMs } : {}),
    ...(opts.scheduled ? { scheduled: true } : {}),
  });
  const output = execution.status === 'SUCCEEDED' ? await loadCompaction(lake.storage, (execution.output as { compaction: CompactStepOutput }).compaction) : undefined;
  return { dataset, runId, execution, ...(output ? { output } : {}) };
}

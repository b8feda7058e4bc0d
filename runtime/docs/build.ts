// The data docs' model from the plans and the facts gathered from a lake (runtime/docs/gather.ts). Pure: the same
// input gives the same model, so it is tested without a lake and rendered (site/) without one.
import type { GoldPlan } from '../../core/gold/analyze.ts';
import { goldSet } from '../../core/plan/sets.ts';
import { undoneRuns } from '../pipeline/commit.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import type { RunRecord } from '../runs/record.ts';
import { datasetAttention, goldAttention, sortAttention } from './attention.ts';
import type { LakeFacts } from './gather.ts';
import { goldFreshness, goldRefreshes, goldStaleness } from './gold.ts';
import type { DatasetDoc, DocsModel, GoldDoc, Lineage, StateMachineGraph } from './model.ts';
import { qualityTables } from './quality.ts';
import { committedBy, datasetFreshness, reasonTotals, runDoc, standingRuns } from './runs.ts';
import { columnDoc, tableState } from './tables.ts';

export interface DocsInput {
  plans: readonly DatasetPlan[];
  /** In dependency order (core/gold/analyze.ts). */
  gold: readonly GoldPlan[];
  facts: LakeFacts;
  /** Each dataset's state machine (workflows/asl-graph.ts over the rendered ASL). */
  stateMachines: Readonly<Record<string, StateMachineGraph>>;
  now: Date;
}

export function buildDocsModel(input: DocsInput): DocsModel {
  const { plans, gold, facts, now } = input;
  const committed = committedBy(Object.values(facts.manifests));
  const rollbackRuns = new Set(Object.values(facts.manifests).flatMap((m) => (m?.history ?? []).filter((h) => h.kind === 'rollback').map((h) => h.runId)));
  const undone = new Set(Object.values(facts.manifests).flatMap((m) => (m?.layer === 'silver' ? [...undoneRuns(m)] : [])));
  // Whether every gold table a run of `dataset` refreshes has been published since `run` ended (by strata refresh, a
  // repair or a later run): a run that failed after its silver commit, in gold, is then resolved (newcomer's trial,
  // stop 50: the overview kept "the newest run failed" after the refresh that fixed it; doctor said no problems).
  const golds = goldSet(gold);
  const goldCaughtUp = (dataset: string, run: RunRecord) => golds.forDataset(dataset)
    .every((g) => (facts.manifests[`gold:${g.table}`]?.history ?? []).some((h) => h.kind === 'publish' && h.at > run.finishedAt));
  const runsOf = groupRuns(facts.runs);
  const byRun = new Map(facts.runs.map((r) => [r.runId, r]));

  const datasets: DatasetDoc[] = plans.map((p) => {
    const runs = runsOf.get(p.dataset) ?? [];
    const manifest = facts.manifests[`silver:${p.dataset}`];
    // The path of the newest run that read its file (a re-ingest that changed nothing only takes the skip path).
    const withPath = runs.filter((r) => r.execution?.path?.length);
    const lastPath = (withPath.find((r) => r.status !== 'SKIPPED') ?? withPath[0])?.execution?.path;
    return {
      name: p.dataset,
      ...(p.description ? { description: p.description } : {}),
      ...(p.owner ? { owner: p.owner } : {}),
      source: { format: p.source.format, compression: p.source.compression, bronze: facts.bronze[p.dataset] ?? p.prefixes.bronze },
      mode: p.mode,
      primaryKey: p.primaryKey,
      partitionBy: p.partitions.map((x) => ({ name: x.name, column: x.column, transform: x.transform })),
      maxRejectRatio: p.maxRejectRatio,
      retentionDays: p.retentionDays,
      columns: p.columns.map((c) => columnDoc(c, p.primaryKey)),
      quality: p.quality.silver,
      ...(manifest ? { table: tableState(manifest) } : {}),
      freshness: datasetFreshness(runs, committed, now),
      runs: runs.length,
      stateMachine: input.stateMachines[p.dataset] ?? { startAt: '', states: [], edges: [] },
      ...(lastPath ? { lastPath } : {}),
      quarantine: quarantineOf(standingRuns(runs, undone)),
      readBy: gold.filter((g) => g.reads.silver.includes(p.dataset)).map((g) => g.table),
    };
  });

  const owners = new Map(plans.map((p) => [p.dataset, p.owner]));
  const goldDocs: GoldDoc[] = gold.map((g) => {
    const manifest = facts.manifests[`gold:${g.table}`];
    const refreshes = goldRefreshes(g, gold, facts.runs, committed, manifest, rollbackRuns);
    const freshness = goldFreshness(refreshes, manifest, byRun, now);
    const stale = goldStaleness(g, freshness, facts.manifests);
    const owner = owners.get(g.owner);
    return {
      name: g.table, dataset: g.owner,
      ...(owner ? { owner } : {}),
      ...(g.description ? { description: g.description } : {}),
      sql: g.sql, refresh: g.refresh, engine: g.engine, partitionBy: g.partitionBy,
      ...(g.incremental ? { driver: g.incremental.driver } : {}),
      columns: g.columns.map((c) => ({ name: c.name, type: c.glueType, checks: g.partitionBy.includes(c.name) ? ['partition'] : [] })),
      reads: g.reads,
      readBy: gold.filter((x) => x.reads.gold.includes(g.table)).map((x) => x.table),
      quality: g.quality,
      ...(manifest ? { table: tableState(manifest) } : {}),
      freshness, refreshes,
      ...(stale ? { stale } : {}),
    };
  });

  return {
    generatedAt: now.toISOString(),
    lake: facts.lake,
    datasets,
    gold: goldDocs,
    lineage: lineage(plans, gold, facts),
    runs: facts.runs.map(runDoc),
    quality: qualityTables(facts.metrics, [
      ...plans.map((p) => ({ layer: 'silver' as const, table: p.dataset, rules: p.quality.silver })),
      ...gold.map((g) => ({ layer: 'gold' as const, table: g.table, rules: g.quality })),
    ]),
    attention: sortAttention([
      // (Runs a rollback undid are left out: their shares are no longer the table's, an attack, stop 50.)
      ...plans.flatMap((p) => datasetAttention(p.dataset, (runsOf.get(p.dataset) ?? []).filter((r) => !undone.has(r.runId)), committed, (run) => goldCaughtUp(p.dataset, run))),
      ...goldDocs.flatMap(goldAttention),
    ]),
  };
}

/** A dataset's quarantine in the docs: from the runs whose quarantined rows stand. */
function quarantineOf(standing: readonly RunRecord[]): DatasetDoc['quarantine'] {
  return { rows: standing.reduce((a, r) => a + r.rowsQuarantined, 0), runs: standing.filter((r) => r.rowsQuarantined > 0).length, reasons: reasonTotals(standing) };
}

/** bronze prefix → silver table per dataset; silver → gold and gold → gold for what each gold SQL reads. */
function lineage(plans: readonly DatasetPlan[], gold: readonly GoldPlan[], facts: LakeFacts): Lineage {
  return {
    nodes: [
      ...plans.flatMap((p) => [
        { id: `bronze:${p.dataset}`, layer: 'bronze' as const, name: p.dataset, uri: facts.bronze[p.dataset] ?? p.prefixes.bronze },
        { id: `silver:${p.dataset}`, layer: 'silver' as const, name: p.dataset, uri: `${facts.lake.uri}${p.prefixes.silver}` },
      ]),
      ...gold.map((g) => ({ id: `gold:${g.table}`, layer: 'gold' as const, name: g.table, uri: `${facts.lake.uri}${g.prefix}` })),
    ],
    edges: [
      ...plans.map((p) => ({ from: `bronze:${p.dataset}`, to: `silver:${p.dataset}` })),
      ...gold.flatMap((g) => [
        ...g.reads.silver.map((d) => ({ from: `silver:${d}`, to: `gold:${g.table}` })),
        ...g.reads.gold.map((x) => ({ from: `gold:${x}`, to: `gold:${g.table}` })),
      ]),
    ],
  };
}

function groupRuns(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const out = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const list = out.get(r.dataset);
    if (list) list.push(r); else out.set(r.dataset, [r]);
  }
  return out;
}

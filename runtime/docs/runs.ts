// Run records as the docs show them: one run's summary, a dataset's freshness, its quarantine reasons summed over
// runs, and whether its quarantine share is rising.
import { summarizeEvents } from '../runs/events.ts';
import type { RunRecord } from '../runs/record.ts';
import type { TableManifest } from '../table/manifest.ts';
import type { Freshness, ReasonTotal, RunDoc } from './model.ts';

export function runDoc(r: RunRecord): RunDoc {
  const q = r.quality as { results?: unknown[]; score?: number; passed?: number; halted?: boolean } | undefined;
  return {
    runId: r.runId, dataset: r.dataset, status: r.status, source: r.source.key, startedAt: r.startedAt, durationMs: r.durationMs,
    rowsIn: r.rowsIn, rowsValid: r.rowsValid, rowsQuarantined: r.rowsQuarantined, rowsSuperseded: r.rowsSuperseded,
    partitions: r.partitions.length,
    ...(r.error ? { error: r.error } : {}),
    warnings: r.warnings,
    ...(r.committedBy ? { committedBy: r.committedBy } : {}),
    path: r.execution?.path ?? [],
    states: summarizeEvents(r.execution?.events ?? []),
    // A dataset without silver rules records the Pass state's { status: 'NOT_CONFIGURED' }: no gate, no score.
    ...(Array.isArray(q?.results) ? { quality: { score: q.score ?? 1, passed: q.passed ?? 0, total: q.results.length, halted: q.halted === true } } : {}),
    gold: goldResults(r).map((g) => ({ table: g.table, status: g.status, partitions: g.partitions?.length ?? 0, rows: g.rows ?? 0 })),
  };
}

export interface GoldResult {
  table: string;
  status: 'published' | 'unchanged' | 'halted';
  mode?: string;
  partitions?: string[];
  rows?: number;
  ms?: number;
}

/** The run's gold results (runtime/gold/types.ts GoldOutput), [] when its Gold state did not complete. */
export function goldResults(r: RunRecord): GoldResult[] {
  return Array.isArray(r.gold) ? (r.gold as GoldResult[]).filter((g) => g && typeof g.table === 'string') : [];
}

/**
 * Whether a run put rows into silver. The silver manifests' histories name every run that committed (a run that
 * failed after its commit, e.g. in a gold refresh, is there too; its record lists no partitions).
 */
export type Committed = (r: RunRecord) => boolean;

export function committedBy(manifests: ReadonlyArray<TableManifest | undefined>): Committed {
  const runs = new Set(manifests.flatMap((m) => (m?.layer === 'silver' ? m.history.map((h) => h.runId) : [])));
  return (r) => runs.has(r.runId);
}

/**
 * Freshness of a dataset from its runs (newest first), ages against `now`. The last success is the newest run that
 * SUCCEEDED, or was HALTED by a gold gate after committing silver; a run that failed after its commit is not one.
 */
export function datasetFreshness(runs: readonly RunRecord[], committed: Committed, now: Date): Freshness {
  const last = runs[0];
  const ok = runs.find((r) => r.status === 'SUCCEEDED' || (r.status === 'HALTED' && committed(r)));
  return {
    ...(ok ? { lastSuccess: { runId: ok.runId, at: ok.finishedAt, ageMs: now.getTime() - Date.parse(ok.finishedAt) } } : {}),
    ...(last ? { lastRun: { runId: last.runId, status: last.status, at: last.finishedAt } } : {}),
  };
}

/**
 * The runs whose quarantined rows stand: per source object, the newest run that read it (not SKIPPED, nor `undone` by
 * a rollback). A later run of the same object replaces its quarantine file: a halted batch's rows leave quarantine
 * when the object is ingested again, and summing every run counted them still (newcomer's trial, stop 50:
 * "quarantined 3" of a table holding 1).
 */
export function standingRuns(runs: readonly RunRecord[], undone: ReadonlySet<string> = new Set()): RunRecord[] {
  const seen = new Set<string>();
  return [...runs].sort((a, b) => (a.finishedAt < b.finishedAt ? 1 : a.finishedAt > b.finishedAt ? -1 : 0)).filter((r) => {
    // (A run a rollback undid: its quarantined rows left with its commit: an attack, stop 50.)
    if (r.status === 'SKIPPED' || undone.has(r.runId)) return false;
    const k = r.source?.sourceId ?? r.source?.key ?? r.runId;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Reasons summed over runs (newest first in, most rows first out), at most `limit`. */
export function reasonTotals(runs: readonly RunRecord[], limit = 10): ReasonTotal[] {
  const byKey = new Map<string, ReasonTotal>();
  for (const r of runs) {
    for (const x of r.reasons) {
      const key = `${x.column ?? ''}\u0000${x.rule}`;
      const t = byKey.get(key);
      if (t) {
        t.count += x.count;
        t.runs++;
      } else {
        byKey.set(key, { column: x.column, rule: x.rule, count: x.count, runs: 1, example: x.message });
      }
    }
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count || `${a.column}${a.rule}`.localeCompare(`${b.column}${b.rule}`)).slice(0, limit);
}

/** How many earlier runs the newest run's quarantine share is compared with, and by how much it must exceed them. */
export const RISING = { window: 5, margin: 0.01 } as const;

export interface Rising {
  run: RunRecord;
  /** Share of the newest run's rows that were quarantined. */
  latest: number;
  /** Mean share of the up to RISING.window runs before it. */
  before: number;
  compared: number;
}

/**
 * Rising quarantine: the newest run that read rows quarantined a larger share of them than the mean of the up to
 * five runs before it, by at least one percentage point. Runs that read rows and were judged by validation count
 * (SUCCEEDED, REJECTED); a HALTED run quarantines its whole batch by design and is reported as halted instead.
 */
export function risingQuarantine(runs: readonly RunRecord[]): Rising | undefined {
  const judged = runs.filter((r) => (r.status === 'SUCCEEDED' || r.status === 'REJECTED') && r.rowsIn > 0);
  const [newest, ...older] = judged;
  const window = older.slice(0, RISING.window);
  if (!newest || !window.length) return undefined;
  const share = (r: RunRecord) => r.rowsQuarantined / r.rowsIn;
  const latest = share(newest);
  const before = window.reduce((a, r) => a + share(r), 0) / window.length;
  return latest - before >= RISING.margin ? { run: newest, latest, before, compared: window.length } : undefined;
}

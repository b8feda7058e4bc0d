// A gold table's refreshes, freshness and staleness, from the run records and the manifests.
import type { GoldPlan } from '../../core/gold/analyze.ts';
import { goldSet } from '../../core/plan/sets.ts';
import type { RunRecord } from '../runs/record.ts';
import type { TableManifest } from '../table/manifest.ts';
import type { Freshness, GoldDoc, GoldRefresh } from './model.ts';
import { goldResults, type Committed } from './runs.ts';

/**
 * Every run that refreshed the table or should have, newest first: a run of a dataset the table reads (directly or
 * through other gold tables) that committed silver but has no result for the table ended before its refresh
 * (its Gold state failed): "not refreshed"; and every publish of its `manifest` no run recorded (`by`).
 */
export function goldRefreshes(plan: GoldPlan, all: readonly GoldPlan[], runs: readonly RunRecord[], committed: Committed, manifest?: TableManifest, rollbacks: ReadonlySet<string> = new Set()): GoldRefresh[] {
  const set = goldSet(all);
  const upstream = new Set(runs.map((r) => r.dataset).filter((d) => set.forDataset(d).some((g) => g.table === plan.table)));
  const out: GoldRefresh[] = [];
  for (const r of runs) {
    const g = goldResults(r).find((x) => x.table === plan.table);
    if (g) {
      out.push({
        runId: r.runId, dataset: r.dataset, at: r.finishedAt, status: g.status, ...(g.mode ? { mode: g.mode } : {}),
        partitions: g.partitions?.length ?? 0, rows: g.rows ?? 0, ...(g.ms !== undefined ? { ms: g.ms } : {}),
      });
    } else if (upstream.has(r.dataset) && committed(r)) {
      out.push({ runId: r.runId, dataset: r.dataset, at: r.finishedAt, status: 'not refreshed', partitions: 0, rows: 0 });
    }
  }
  // And the publishes no run recorded, from the table's manifest: strata refresh, a repair, a rollback. Without them
  // the newest refresh was a halt that a strata refresh had since resolved, and the overview kept it as an error
  // (newcomer's trial, stop 50).
  const recorded = new Set(runs.map((r) => r.runId));
  for (const h of manifest?.history ?? []) {
    if (recorded.has(h.runId) || (h.kind !== 'publish' && h.kind !== 'rollback')) continue;
    const to = h.changes.filter((c) => c.to);
    // (A publish by a rollback's run: a reader recomputed after a rollback, `rollbacks` holding every rollback's run.)
    out.push({ runId: h.runId, dataset: '', by: h.kind === 'rollback' || rollbacks.has(h.runId) ? 'strata rollback' : 'strata refresh', at: h.at, status: 'published',
      partitions: to.length, rows: to.reduce((a, c) => a + (c.rows ?? 0), 0) });
  }
  return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/**
 * Last success: the newest refresh that published or found nothing to change, or the newest entry of the table's
 * manifest when that is later (`strata refresh` and `strata rollback` publish without a run record).
 */
export function goldFreshness(refreshes: readonly GoldRefresh[], manifest: TableManifest | undefined, byRun: ReadonlyMap<string, RunRecord>, now: Date): Freshness {
  const ok = refreshes.find((r) => r.status === 'published' || r.status === 'unchanged');
  const entry = manifest?.history.at(-1);
  const success = entry && (!ok || entry.at > ok.at) ? { runId: entry.runId, at: entry.at } : ok ? { runId: ok.runId, at: ok.at } : undefined;
  const last = refreshes[0];
  const status = (r: GoldRefresh) => r.status === 'published' ? 'PUBLISHED' as const : r.status === 'unchanged' ? 'UNCHANGED' as const
    : r.status === 'halted' ? 'HALTED' as const : byRun.get(r.runId)?.status ?? 'FAILED';
  return {
    ...(success ? { lastSuccess: { ...success, ageMs: now.getTime() - Date.parse(success.at) } } : {}),
    ...(last ? { lastRun: { runId: last.runId, status: status(last), at: last.at } } : {}),
  };
}

/**
 * Stale: a table it reads (silver or gold) changed after the table's last successful refresh, so its rows no longer
 * follow from its SQL. A refresh within the same run as the change counts as following it.
 */
export function goldStaleness(plan: GoldPlan, freshness: Freshness, manifests: Readonly<Record<string, TableManifest>>): GoldDoc['stale'] {
  const inputs = [...plan.reads.silver.map((d) => `silver:${d}`), ...plan.reads.gold.map((g) => `gold:${g}`)];
  let newest: { table: string; runId: string; at: string } | undefined;
  for (const id of inputs) {
    // A compaction rewrites files, not rows: it changes nothing a gold table computes from.
    const h = manifests[id]?.history.findLast((x) => x.kind !== 'compact');
    if (h && (!newest || h.at > newest.at)) newest = { table: id.replace(':', '.'), runId: h.runId, at: h.at };
  }
  if (!newest) return undefined;
  const ok = freshness.lastSuccess;
  if (ok && (ok.runId === newest.runId || ok.at >= newest.at)) return undefined;
  return {
    since: newest.at,
    reason: ok
      ? `${newest.table} changed in run ${newest.runId} at ${newest.at}, after this table's last refresh (run ${ok.runId} at ${ok.at})`
      : `${newest.table} changed in run ${newest.runId} at ${newest.at}; this table was never refreshed`,
  };
}

// What needs attention first, for the overview: a dataset whose newest run failed, was rejected or halted by its
// silver gate; a gold table whose newest refresh was halted by its gate or that is stale; a dataset whose quarantine
// share is rising. Errors come before warnings, the newest first within each. A problem that a later run resolved is
// history (the runs page), not attention.
import { exactPercent, roundedPercent } from '../../core/text.ts';
import type { RunRecord } from '../runs/record.ts';
import type { Attention, GoldDoc } from './model.ts';
import { RISING, risingQuarantine, type Committed } from './runs.ts';

const firstLine = (s: string) => s.split('\n')[0]!;

/**
 * Problems of one dataset, from its runs (newest first). `goldCaughtUp(run)`: whether every gold table its runs
 * refresh was published after `run`; a run that failed after its silver commit (in gold) is then history.
 */
export function datasetAttention(dataset: string, runs: readonly RunRecord[], committed: Committed, goldCaughtUp: (run: RunRecord) => boolean = () => false): Attention[] {
  const out: Attention[] = [];
  const newest = runs.find((r) => r.status !== 'SKIPPED');
  const at = (r: RunRecord) => ({ at: r.finishedAt, runId: r.runId });
  const why = (r: RunRecord) => (r.error ? `${r.error.name}: ${firstLine(r.error.message)}` : r.status);
  if (newest?.status === 'FAILED' && committed(newest) && goldCaughtUp(newest)) {
    // resolved: its silver commit stands and gold has been brought up to date since
  } else if (newest?.status === 'FAILED') {
    out.push({ level: 'error', kind: 'failed', layer: 'silver', table: dataset, message: `the newest run failed: ${why(newest)}`, ...at(newest) });
  } else if (newest?.status === 'REJECTED') {
    out.push({ level: 'error', kind: 'rejected', layer: 'silver', table: dataset, message: `the newest file was rejected: ${why(newest)}`, ...at(newest) });
  } else if (newest?.status === 'HALTED' && !committed(newest)) {
    out.push({ level: 'error', kind: 'halted', layer: 'silver', table: dataset, message: `the silver quality gate halted the newest batch: ${why(newest)}`, ...at(newest) });
  }
  const rising = risingQuarantine(runs);
  if (rising) {
    out.push({
      level: 'warning', kind: 'rising-quarantine', layer: 'silver', table: dataset, ...at(rising.run),
      message: `quarantine is rising: the newest run quarantined ${roundedPercent(rising.latest)} of its rows, against ${roundedPercent(rising.before)} on average over the ${rising.compared} run${rising.compared === 1 ? '' : 's'} before it (flagged from ${exactPercent(RISING.margin)} more)`,
    });
  }
  return out;
}

/** Problems of one gold table, from its refreshes and staleness. */
export function goldAttention(g: Pick<GoldDoc, 'name' | 'refreshes' | 'stale'>): Attention[] {
  const out: Attention[] = [];
  const newest = g.refreshes[0];
  if (newest?.status === 'halted') {
    out.push({ level: 'error', kind: 'gold-halted', layer: 'gold', table: g.name, at: newest.at, runId: newest.runId,
      message: `its quality gate halted the newest refresh (run of ${newest.dataset}): the table keeps its previous rows` });
  }
  if (g.stale) out.push({ level: 'warning', kind: 'stale', layer: 'gold', table: g.name, at: g.stale.since, message: `stale: ${g.stale.reason}` });
  return out;
}

export function sortAttention(items: Attention[]): Attention[] {
  const rank = (a: Attention) => (a.level === 'error' ? 0 : 1);
  return [...items].sort((a, b) => rank(a) - rank(b) || (a.at < b.at ? 1 : a.at > b.at ? -1 : a.table.localeCompare(b.table)));
}

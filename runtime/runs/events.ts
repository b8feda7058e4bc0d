// A run's execution history, per state: what `strata runs <id>` tables and `strata docs` shows for each run.
import type { ExecutionEvent } from './record.ts';

export interface StateSummary {
  state: string;
  /** Milliseconds from entering the state to leaving it (0 while it never left). */
  ms: number;
  retries: number;
  /** "Error: cause" of a state that failed, cut to 300 characters. */
  error?: string;
}

/** One row per state entered, in order (a state entered twice, e.g. inside a Map, gives two rows). */
export function summarizeEvents(events: readonly ExecutionEvent[]): StateSummary[] {
  const out: StateSummary[] = [];
  const open = new Map<string, { at: number; idx: number }>();
  for (const e of events) {
    if (!e.state) continue;
    const t = Date.parse(e.at);
    if (e.type === 'StateEntered') {
      out.push({ state: e.state, ms: 0, retries: 0 });
      open.set(e.state, { at: t, idx: out.length - 1 });
    } else {
      const o = open.get(e.state);
      if (!o) continue;
      const row = out[o.idx]!;
      if (e.type === 'StateRetried') row.retries++;
      if (e.type === 'StateFailed' && e.error) row.error = `${e.error}: ${e.cause ?? ''}`.slice(0, 300);
      if (e.type === 'StateExited' || e.type === 'StateCaught' || e.type === 'StateFailed') row.ms = t - o.at;
    }
  }
  return out;
}

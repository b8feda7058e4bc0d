// The run record: what one execution did to one bronze object. Written as JSON next to the lake
// (_strata/runs/<dataset>/<runId>.json) and registered in the catalog as strata.runs.
import type { ReasonCount } from '../ingest/validate-file.ts';

export type RunStatus = 'SUCCEEDED' | 'REJECTED' | 'HALTED' | 'FAILED' | 'SKIPPED';

export interface StepTiming {
  step: string;
  ms: number;
}

export interface ExecutionEvent {
  type: string;
  state?: string;
  at: string;
  error?: string;
  cause?: string;
  attempt?: number;
}

export interface RunRecord {
  runId: string;
  dataset: string;
  status: RunStatus;
  source: { key: string; etag: string; size: number; sourceId: string };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  rowsIn: number;
  rowsValid: number;
  rowsQuarantined: number;
  /** upsert: rows replaced by a later row with the same key in the same file. */
  rowsSuperseded: number;
  /** Partition paths whose new versions this run committed. */
  partitions: string[];
  timings: StepTiming[];
  warnings: string[];
  /** The 10 most common kinds of reason for quarantined rows (the quarantine table holds every row's). */
  reasons: ReasonCount[];
  /** How many kinds of reason there are, when more than `reasons` holds (50: 50 or more). */
  reasonKinds?: number;
  /** For SKIPPED: the run that committed this object before. */
  committedBy?: string;
  error?: { name: string; message: string };
  quality?: unknown;
  gold?: unknown;
  execution?: { engine: 'local' | 'aws'; name: string; path?: string[]; events?: ExecutionEvent[] };
}

/** The invariant every record must hold. */
export function accountingHolds(r: Pick<RunRecord, 'rowsIn' | 'rowsValid' | 'rowsQuarantined'>): boolean {
  return r.rowsIn === r.rowsValid + r.rowsQuarantined;
}

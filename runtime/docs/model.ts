// The data docs' model: everything the static site shows, as plain JSON. Built from the plans and what the lake
// holds (runtime/docs/build.ts), rendered to HTML by site/. Nothing in it refers to files or clients, so the same
// model comes from a local lake and from a deployed one, and the site is written as `model.json` next to the pages.
import type { RuleList } from '../../core/schema/model.ts';
import type { StateSummary } from '../runs/events.ts';
import type { RunStatus } from '../runs/record.ts';

export interface DocsModel {
  /** When the site was built (ISO 8601, UTC): every age is measured from it. */
  generatedAt: string;
  lake: { kind: 'local' | 's3'; uri: string };
  datasets: DatasetDoc[];
  gold: GoldDoc[];
  lineage: Lineage;
  /** Every run, newest first. */
  runs: RunDoc[];
  /** One entry per guarded table (silver gate of a dataset, gate of a gold table). */
  quality: QualityTable[];
  /** What needs attention first: errors before warnings, newest first within each. */
  attention: Attention[];
}

export interface ColumnDoc {
  name: string;
  /** The type as the schema file writes it ("decimal(12,2)"), or the Glue type for gold columns. */
  type: string;
  description?: string;
  /** Source field name when it differs from the column name. */
  from?: string;
  /** Checks in the schema's words: "required", "min 0", "pattern [A-Z]{3}", … */
  checks: string[];
}

export interface PartitionDoc {
  /** "dt=2001-01-14", or "" for an unpartitioned table. */
  path: string;
  files: number;
  bytes: number;
  rows: number;
  runId: string;
  committedAt: string;
}

export interface SchemaVersion {
  hash: string;
  appliedAt: string;
  runId: string;
  columns: Array<{ name: string; type: string }>;
  partitionKeys: Array<{ name: string; type: string }>;
  /** What changed against the version before ("added column x (bigint)"); empty for the first version. */
  changes: string[];
}

export interface TableChange {
  version: number;
  runId: string;
  at: string;
  kind: 'commit' | 'publish' | 'rollback' | 'compact';
  partitions: number;
  rows: number;
}

/** A table's state from its manifest. */
export interface TableState {
  version: number;
  updatedAt: string;
  partitionKeys: string[];
  /** Newest committed first. */
  partitions: PartitionDoc[];
  totals: { partitions: number; files: number; bytes: number; rows: number };
  /** Oldest first. */
  schemaHistory: SchemaVersion[];
  /** The manifest's history, newest first. */
  changes: TableChange[];
}

export interface Freshness {
  /** Silver: the newest run that committed and did not fail. Gold: the newest refresh that published or found nothing to change. */
  lastSuccess?: { runId: string; at: string; ageMs: number };
  /** The newest run that touched the table, whatever its outcome. */
  lastRun?: { runId: string; status: RunStatus | 'PUBLISHED' | 'UNCHANGED'; at: string };
}

export interface ReasonTotal {
  column: string | null;
  rule: string;
  /** Rows, summed over runs. */
  count: number;
  /** Runs that quarantined rows for this reason. */
  runs: number;
  /** The newest run's message for it, as an example. */
  example: string;
}

export interface DatasetDoc {
  name: string;
  description?: string;
  owner?: string;
  source: { format: string; compression: string; bronze: string };
  mode: 'append' | 'upsert';
  primaryKey: string[];
  partitionBy: Array<{ name: string; column: string; transform: string }>;
  maxRejectRatio: number;
  retentionDays: number;
  columns: ColumnDoc[];
  quality: RuleList;
  /** Absent until something was committed. */
  table?: TableState;
  freshness: Freshness;
  runs: number;
  stateMachine: StateMachineGraph;
  /** States the newest run that read its file went through, in order (the newest run's, when all were skipped). */
  lastPath?: string[];
  quarantine: {
    /** Rows in quarantine: quarantined by the runs whose rows stand (runs.ts standingRuns). */
    rows: number;
    /** Those runs that quarantined any. */
    runs: number;
    /** Most rows first, at most 10. From the run records (each keeps its run's 10 most common reasons). */
    reasons: ReasonTotal[];
  };
  /** Gold tables that read this dataset directly. */
  readBy: string[];
}

export interface GoldDoc {
  name: string;
  /** The dataset whose schema file defines it. */
  dataset: string;
  owner?: string;
  description?: string;
  sql: string;
  refresh: 'incremental' | 'full';
  engine: 'duckdb' | 'athena';
  partitionBy: string[];
  /** The silver dataset whose partitions drive an incremental refresh. */
  driver?: string;
  columns: ColumnDoc[];
  reads: { silver: string[]; gold: string[] };
  /** Gold tables that read this one. */
  readBy: string[];
  quality: RuleList;
  table?: TableState;
  freshness: Freshness;
  /** Refreshes recorded in run records, newest first. */
  refreshes: GoldRefresh[];
  /** An input changed after the table's last refresh. */
  stale?: { reason: string; since: string };
}

export interface GoldRefresh {
  runId: string;
  /** The dataset whose run refreshed it; '' for a publish with no run record (`by`). */
  dataset: string;
  /** A publish no run recorded: by strata refresh (or doctor's repair, or a run killed after it) or strata rollback. */
  by?: 'strata refresh' | 'strata rollback';
  at: string;
  status: 'published' | 'unchanged' | 'halted' | 'not refreshed';
  mode?: string;
  partitions: number;
  rows: number;
  ms?: number;
}

export interface RunDoc {
  runId: string;
  dataset: string;
  status: RunStatus;
  source: string;
  startedAt: string;
  durationMs: number;
  rowsIn: number;
  rowsValid: number;
  rowsQuarantined: number;
  rowsSuperseded: number;
  partitions: number;
  error?: { name: string; message: string };
  warnings: string[];
  committedBy?: string;
  /** States entered, in order. */
  path: string[];
  states: StateSummary[];
  quality?: { score: number; passed: number; total: number; halted: boolean };
  gold: Array<{ table: string; status: string; partitions: number; rows: number }>;
}

export interface EvaluationDoc {
  runId: string;
  /** The evaluation clock (the run's `now`). */
  at: string;
  halted: boolean;
  passed: number;
  total: number;
  /** passed / total, Glue's score. */
  score: number;
}

export interface RuleSeries {
  rule: string;
  severity: string;
  /** Oldest first. */
  outcomes: Array<{ runId: string; at: string; outcome: string; message: string }>;
  metrics: Array<{ metric: string; points: Array<{ runId: string; at: string; value: number }> }>;
}

export interface QualityTable {
  layer: 'silver' | 'gold';
  table: string;
  rules: RuleList;
  /** Oldest first. */
  evaluations: EvaluationDoc[];
  series: RuleSeries[];
}

export interface LineageNode {
  /** "bronze:flights", "silver:flights", "gold:daily_delays". */
  id: string;
  layer: 'bronze' | 'silver' | 'gold';
  name: string;
  /** Where it lives (bronze: the prefix uploads go to). */
  uri: string;
}

export interface Lineage {
  nodes: LineageNode[];
  edges: Array<{ from: string; to: string }>;
}

export interface StateMachineGraph {
  startAt: string;
  states: Array<{ name: string; type: string; comment?: string; /** Map and Parallel: the states inside. */ inner?: string[] }>;
  edges: Array<{ from: string; to: string; kind: 'next' | 'choice' | 'default' | 'catch'; label?: string }>;
}

export interface Attention {
  level: 'error' | 'warning';
  kind: 'failed' | 'halted' | 'rejected' | 'gold-halted' | 'stale' | 'rising-quarantine';
  layer: 'silver' | 'gold';
  table: string;
  message: string;
  at: string;
  runId?: string;
}

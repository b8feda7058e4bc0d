// What a gold refresh takes and gives, shared by the refresh (runtime/gold/refresh.ts), its Athena writer and the
// audit that gates it (runtime/quality/gold-audit.ts): the refresh calls both, neither calls back.
import type { GoldPlan } from '../../core/gold/analyze.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import type { SqlSession } from '../../core/sql/binder.ts';

export interface GoldInput {
  table: string;
  /** The dataset whose run triggered the refresh. */
  dataset: string;
  runId: string;
  now: string;
  /**
   * Silver partition paths to recompute even if the gold table reflects them already (the bench). A run passes
   * none: the refresh catches up with every change since the versions the table was derived from.
   */
  partitions?: string[];
  /** When the run started (names the audit's metrics file; the execution input's startedAt). */
  startedAt?: string;
}

export interface GateOutcome {
  halted: boolean;
  [k: string]: unknown;
}

export interface GoldOutput {
  table: string;
  mode: 'incremental' | 'full';
  status: 'published' | 'unchanged' | 'halted';
  /** Gold partitions given a new version. */
  partitions: string[];
  /** Gold partitions that no longer have rows. */
  removed: string[];
  rows: number;
  /** Silver partitions read (the work done). */
  read: number;
  /** Gold manifest version after the publish. */
  version?: number;
  quality?: GateOutcome;
  ms: number;
}

/** Where the rows about to be published can be queried: an engine, its dialect, the relation, reference tables. */
export interface AuditTarget {
  run: (sql: string) => Promise<Array<Record<string, unknown>>>;
  dialect: 'duckdb' | 'athena';
  /** A relation holding exactly the new rows (DuckDB: the table gold_batch; Athena: the refresh's query). */
  batch: string;
  /** Relation of a silver dataset read whole by this refresh, for ReferentialIntegrity / RowCountMatch. */
  reference: (dataset: string) => string | undefined;
  /** A DuckDB session whose parser vets the gate's SQL (default: a fresh binder). */
  parser?: SqlSession;
  /**
   * Whether the table keeps rows outside the partitions this refresh recomputes (an incremental refresh of some of
   * them): then a batch without rows empties only those partitions, and is not audited (gold-audit.ts).
   */
  othersRemain?: boolean;
}

/** Audits the rows about to be published; the quality gate (runtime/quality/gold-audit.ts) is the default. */
export type GoldAudit = (ctx: PipelineContext, plan: GoldPlan, input: GoldInput, on: AuditTarget) => Promise<GateOutcome | undefined>;

/** The new partition versions, wherever they were written: keys, rows, partition values; folders to remove after. */
export interface Written {
  files: Array<{ key: string; rows: number; bytes: number; values: Array<string | null> }>;
  rows: number;
  quality?: GateOutcome;
  cleanup: string[];
}

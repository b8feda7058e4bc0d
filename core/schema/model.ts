// The schema file as strata understands it, after defaults are applied. Key names mirror the YAML contract
// (core/schema/dataset.schema.json); nothing here renames a user-visible key.
import type { LogicalType } from './types.ts';

export type SourceFormat = 'csv' | 'jsonl' | 'json' | 'parquet';
export type Compression = 'auto' | 'none' | 'gzip' | 'zstd';
export type Transform = 'identity' | 'year' | 'month' | 'day' | 'hour';
export type Mode = 'append' | 'upsert';

export interface CsvDialect {
  delimiter: string;
  header: boolean;
  quote: string;
  escape: string;
  skipRows: number;
  /** The decimal mark of double, float and decimal fields; absent means ".". */
  decimalSeparator?: ',';
}

export interface SourceSpec {
  format: SourceFormat;
  compression: Compression;
  nullValues: string[];
  csv: CsvDialect;
}

export interface ColumnSpec {
  name: string;
  /** The type as written in the file, e.g. "decimal(12,2)". */
  typeText: string;
  type: LogicalType;
  description?: string;
  /** Source field this column is read from (defaults to name). */
  from: string;
  required: boolean;
  allowed?: Array<string | number | boolean>;
  min?: number | string;
  max?: number | string;
  pattern?: string;
  maxLength?: number;
  format?: string[];
  nullValues?: string[];
  /** Rounding of digits the type does not keep (decimal places, sub-millisecond digits); without it they quarantine the row. */
  round?: RoundingMode;
}

/** IEEE 754 names: half_even = roundTiesToEven, half_up = roundTiesToAway (ties away from zero). */
export type RoundingMode = 'half_even' | 'half_up';

export interface PartitionSpec {
  name: string;
  column: string;
  transform: Transform;
}

export interface RuleList {
  halt: string[];
  warn: string[];
}

/** A gate with at least one rule (an empty one is not evaluated at all). */
export function hasRules(list: RuleList | undefined): list is RuleList {
  return !!list && list.halt.length + list.warn.length > 0;
}

/**
 * Rewriting partitions that hold many small files into a few files near a target size (runtime/table/compact.ts).
 * A partition qualifies when it has at least minFiles files and more files than targetMb-sized ones would need.
 */
export interface CompactionSpec {
  minFiles: number;
  /** MB (MiB) of Parquet per written file, approximately (DuckDB cuts files at row-group boundaries). */
  targetMb: number;
  /** Columns the rows of each compacted partition are ordered by (none: the order they are read in). */
  sortBy: string[];
}

/** A dataset's compaction: its silver policy, and the schedule of the dataset's compaction execution in AWS. */
export interface DatasetCompactionSpec extends CompactionSpec {
  /** EventBridge Scheduler expression, e.g. "rate(1 hour)" or "cron(15 * * * ? *)". */
  schedule: string;
}

/** Records delivered by a stream: Kinesis Data Firehose in AWS, `strata put` locally (core/plan/stream.ts). */
export interface StreamSpec {
  /** Firehose buffering hints: an object is written when either is reached (megabytes: MiB of incoming records, as Firehose buffers them). */
  buffer: { seconds: number; megabytes: number };
  /** direct: producers call Firehose's PutRecord(Batch); kinesis: a Kinesis data stream feeds the delivery stream. */
  source: 'direct' | 'kinesis';
}

export interface GoldSpec {
  table: string;
  description?: string;
  sql: string;
  partitionBy: string[];
  refresh: 'incremental' | 'full';
  engine: 'duckdb' | 'athena';
  quality: RuleList;
  /** Whether the analysts' policy (gold-reader in AWS) may read the table; default true. */
  analysts: boolean;
  compaction?: CompactionSpec;
}

export interface DatasetSpec {
  dataset: string;
  description?: string;
  owner?: string;
  source: SourceSpec;
  columns: ColumnSpec[];
  primaryKey: string[];
  mode: Mode;
  partitionBy: PartitionSpec[];
  rejects: { maxRatio: number };
  quality: { silver: RuleList };
  gold: GoldSpec[];
  retention: { days: number };
  lambda: { memory?: number; timeoutSeconds?: number; ephemeralStorageMb?: number };
  stream?: StreamSpec;
  compaction?: DatasetCompactionSpec;
}

export const DEFAULT_MAX_REJECT_RATIO = 0.05;
export const DEFAULT_RETENTION_DAYS = 7;

export const DEFAULT_STREAM_BUFFER = { seconds: 60, megabytes: 64 } as const;
/** minFiles: the number of files the commit step used to let an append leave before rewriting (runtime/pipeline/commit.ts). */
export const DEFAULT_COMPACTION = { minFiles: 32, targetMb: 128, schedule: 'rate(1 hour)' } as const;

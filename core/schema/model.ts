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
}

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
}

export const DEFAULT_MAX_REJECT_RATIO = 0.05;
export const DEFAULT_RETENTION_DAYS = 7;

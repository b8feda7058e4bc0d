// Schema → plan. Pure: no I/O, no clock, no randomness; the same spec always gives the same plan.
import { createHash } from 'node:crypto';
import type { ColumnSpec, DatasetCompactionSpec, DatasetSpec, GoldSpec, Mode, RuleList, SourceSpec, StreamSpec } from '../schema/model.ts';
import { duckdbReadType, duckdbType, glueType, parquetType, trinoType, type LogicalType, type ParquetType } from '../schema/types.ts';
import type { AppliedSchema } from '../schema/evolution.ts';
import { ident } from '../sql/quote.ts';
import { tableInput, type GlueColumn, type GlueTableInput } from './glue-table.ts';
import { layout } from './layout.ts';
import { planPartition, type PlannedPartition } from './partitioning.ts';
import { decimalOf, reasonsExpr, sourceFields, sourceKindOf, typedSelect, type SourceKind } from './validation.ts';

export interface PlannedColumn extends ColumnSpec {
  duckdbType: string;
  readType: string;
  glueType: string;
  trinoType: string;
  parquet: ParquetType;
}

export interface ValidationPlan {
  /** Source fields read, in order (CSV header names, JSON keys or Parquet columns). */
  fields: string[];
  sourceKind: SourceKind;
  /** The typed SELECT over the relation "__src" holding exactly `fields` (see core/plan/validation.ts). */
  typedSql: string;
  /** Reasons of a failing row of the typed relation. */
  reasonsSql: string;
  /** SELECT list writing silver from the typed relation: columns in schema order, then partition values. */
  silverSelect: string;
}

export interface DatasetPlan {
  planVersion: 1;
  dataset: string;
  /**
   * The schema file the plan was compiled from, as the project loaded it (relative to the working folder, e.g.
   * "../shop/schemas/orders.yaml" with --schemas): messages name it. Unset: schemas/<dataset>.yaml (schemaFileOf).
   */
  schemaFile?: string;
  description?: string;
  owner?: string;
  /** Hash of everything that shapes silver files (names, types, partitions). */
  schemaHash: string;
  /** The silver schema in Glue terms, as recorded in the table's manifest when files are written with it. */
  applied: AppliedSchema;
  source: SourceSpec;
  columns: PlannedColumn[];
  partitions: PlannedPartition[];
  primaryKey: string[];
  mode: Mode;
  maxRejectRatio: number;
  retentionDays: number;
  validation: ValidationPlan;
  tables: { silver: GlueTableInput; quarantine: GlueTableInput };
  prefixes: { bronze: string; silver: string; quarantine: string; staging: string; runs: string };
  quality: { silver: RuleList };
  gold: GoldSpec[];
  lambda: DatasetSpec['lambda'];
  /** Records also arrive by stream (Firehose in AWS, strata put locally): core/plan/stream.ts. */
  stream?: StreamSpec;
  /** The silver table's compaction policy and the schedule of the dataset's compaction (core/plan/compaction.ts). */
  compaction?: DatasetCompactionSpec;
}

export const QUARANTINE_COLUMNS: GlueColumn[] = [
  { Name: 'dataset', Type: 'string', Comment: 'dataset the row was meant for' },
  { Name: 'run_id', Type: 'string', Comment: 'run that quarantined the row' },
  { Name: 'source', Type: 'string', Comment: 'bronze object the row came from' },
  { Name: 'record', Type: 'bigint', Comment: '1-based record number in the source object' },
  { Name: 'line', Type: 'bigint', Comment: '1-based line where the record starts (CSV, JSON lines)' },
  { Name: 'raw', Type: 'string', Comment: 'the record as text: the source line for malformed records, else its fields as JSON' },
  { Name: 'reasons', Type: 'array<struct<column:string,rule:string,value:string,message:string>>', Comment: 'every reason the row was rejected' },
  { Name: 'quarantined_at', Type: 'timestamp', Comment: 'when the run quarantined it (UTC)' },
];

export function compile(spec: DatasetSpec): DatasetPlan {
  const columns: PlannedColumn[] = spec.columns.map((c) => ({
    ...c,
    duckdbType: duckdbType(c.type),
    readType: duckdbReadType(c.type),
    glueType: glueType(c.type),
    trinoType: trinoType(c.type),
    parquet: parquetType(c.type),
  }));
  const byName = new Map(columns.map((c) => [c.name, c]));
  const partitions = spec.partitionBy.map((p) => planPartition(p, byName.get(p.column)!));
  const sourceKind = sourceKindOf(spec.source.format);
  const fields = sourceFields(columns);

  const validation: ValidationPlan = {
    fields,
    sourceKind,
    // For Parquet, the plan shows the casts from files whose fields have the declared types.
    typedSql: typedSelect({ columns, kind: sourceKind, relation: '__src', fieldRef: (f) => ident(f), rawExpr: 'to_json(__src)', partitions,
      fieldType: (f) => columns.find((c) => c.from === f)!.duckdbType, ...decimalOf(spec.source) }),
    reasonsSql: reasonsExpr(columns, sourceKind, partitions, decimalOf(spec.source).decimalSeparator, decimalOf(spec.source).emptyIsNull),
    silverSelect: [...columns.map((c) => ident(c.name)), ...partitions.map((p) => `${p.duckdb} AS ${ident(p.name)}`)].join(', '),
  };

  const schemaHash = hashOf({
    columns: columns.map((c) => [c.name, c.glueType]),
    partitions: partitions.map((p) => [p.name, p.glueType, p.column, p.transform]),
  });

  const silver = tableInput({
    name: spec.dataset,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.owner ? { owner: spec.owner } : {}),
    columns: columns.map((c) => ({ Name: c.name, Type: c.glueType, ...(c.description ? { Comment: c.description } : {}) })),
    partitionKeys: partitions.map((p) => ({ Name: p.name, Type: p.glueType, Comment: `${p.transform}(${p.column})` })),
    location: layout.silver(spec.dataset),
    parameters: {
      'strata.dataset': spec.dataset,
      'strata.layer': 'silver',
      'strata.schema_hash': schemaHash,
      'strata.mode': spec.mode,
      ...(spec.primaryKey.length ? { 'strata.primary_key': spec.primaryKey.join(',') } : {}),
      ...(spec.owner ? { 'strata.owner': spec.owner } : {}),
    },
  });
  const quarantine = tableInput({
    name: spec.dataset,
    description: `Rows of ${spec.dataset} that failed validation, with every reason`,
    ...(spec.owner ? { owner: spec.owner } : {}),
    columns: QUARANTINE_COLUMNS,
    partitionKeys: [],
    location: layout.quarantine(spec.dataset),
    parameters: { 'strata.dataset': spec.dataset, 'strata.layer': 'quarantine' },
  });

  const applied: AppliedSchema = {
    hash: schemaHash,
    columns: columns.map((c) => ({ name: c.name, type: c.glueType })),
    partitionKeys: partitions.map((p) => ({ name: p.name, type: p.glueType, source: `${p.transform}(${p.column})` })),
    declared: { primaryKey: spec.primaryKey, mode: spec.mode },
  };

  return {
    planVersion: 1,
    dataset: spec.dataset,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.owner ? { owner: spec.owner } : {}),
    schemaHash,
    applied,
    source: spec.source,
    columns,
    partitions,
    primaryKey: spec.primaryKey,
    mode: spec.mode,
    maxRejectRatio: spec.rejects.maxRatio,
    retentionDays: spec.retention.days,
    validation,
    tables: { silver, quarantine },
    prefixes: {
      bronze: layout.bronze(spec.dataset),
      silver: layout.silver(spec.dataset),
      quarantine: layout.quarantine(spec.dataset),
      staging: `staging/${spec.dataset}/`,
      runs: layout.runs(spec.dataset),
    },
    quality: spec.quality,
    gold: spec.gold,
    lambda: spec.lambda,
    ...(spec.stream ? { stream: spec.stream } : {}),
    ...(spec.compaction ? { compaction: spec.compaction } : {}),
  };
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

export type { LogicalType };

/** The schema file messages name for `plan`: the one it was loaded from, else the project's convention schemas/<dataset>.yaml. */
export function schemaFileOf(plan: Pick<DatasetPlan, 'dataset' | 'schemaFile'>): string {
  return plan.schemaFile ?? `schemas/${plan.dataset}.yaml`;
}

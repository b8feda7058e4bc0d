// The plan's GlueTableInput as the Glue API takes it, and whether a table in the catalog still matches it.
// The plan's locations are lake-relative keys; here they become s3:// URIs. Everything else (Parquet SerDe,
// Hive type names, partition keys last, column comments, classification/owner/schema-hash parameters) is
// passed through as planned: the stacks create tables from the same object, so deploy and run time agree.
import type { Column, StorageDescriptor, Table, TableInput } from '@aws-sdk/client-glue';
import type { GlueColumn, GlueTableInput } from '../../core/plan/glue-table.ts';

export function sdkColumn(c: GlueColumn): Column {
  return { Name: c.Name, Type: c.Type, ...(c.Comment ? { Comment: c.Comment } : {}) };
}

export function sdkTableInput(t: GlueTableInput, location: string, extraParameters: Record<string, string> = {}): TableInput {
  const sd = t.StorageDescriptor;
  return {
    Name: t.Name,
    ...(t.Description ? { Description: t.Description } : {}),
    ...(t.Owner ? { Owner: t.Owner } : {}),
    TableType: t.TableType,
    Parameters: { ...t.Parameters, ...extraParameters },
    PartitionKeys: t.PartitionKeys.map(sdkColumn),
    StorageDescriptor: {
      Columns: sd.Columns.map(sdkColumn),
      Location: location,
      InputFormat: sd.InputFormat,
      OutputFormat: sd.OutputFormat,
      Compressed: sd.Compressed,
      SerdeInfo: { SerializationLibrary: sd.SerdeInfo.SerializationLibrary, Parameters: { ...sd.SerdeInfo.Parameters } },
      StoredAsSubDirectories: sd.StoredAsSubDirectories,
    },
  };
}

/** A partition's storage descriptor: the table's (columns, format), reading its own version folder. */
export function partitionDescriptor(table: TableInput, location: string): StorageDescriptor {
  return { ...table.StorageDescriptor, Location: location };
}

export interface TableDiff {
  /** Anything differs: UpdateTable. */
  changed: boolean;
  /** Columns, partition keys or format differ: every partition's copy of the schema must follow. */
  schemaChanged: boolean;
}

/** Parameters this framework owns; others (set by people, Lake Formation, projection) are kept on update. */
function ours(key: string, desired: Record<string, string>): boolean {
  return key in desired || key.startsWith('strata.');
}

export function diffTable(existing: Table, desired: TableInput): TableDiff {
  const esd = existing.StorageDescriptor ?? {};
  const dsd = desired.StorageDescriptor ?? {};
  const schemaChanged = !sameColumns(esd.Columns, dsd.Columns) || !sameColumns(existing.PartitionKeys, desired.PartitionKeys)
    || esd.InputFormat !== dsd.InputFormat || esd.OutputFormat !== dsd.OutputFormat
    || esd.SerdeInfo?.SerializationLibrary !== dsd.SerdeInfo?.SerializationLibrary
    || !sameRecord(esd.SerdeInfo?.Parameters, dsd.SerdeInfo?.Parameters);
  const want = desired.Parameters ?? {};
  const have = existing.Parameters ?? {};
  const paramsChanged = Object.entries(want).some(([k, v]) => have[k] !== v) || Object.keys(have).some((k) => ours(k, want) && !(k in want));
  const changed = schemaChanged || paramsChanged
    || (existing.Description ?? '') !== (desired.Description ?? '') || (existing.Owner ?? '') !== (desired.Owner ?? '')
    || (existing.TableType ?? '') !== (desired.TableType ?? '') || (esd.Location ?? '') !== (dsd.Location ?? '');
  return { changed, schemaChanged };
}

/** The UpdateTable input: the desired table, keeping parameters that others put on it. */
export function mergedTableInput(existing: Table, desired: TableInput): TableInput {
  const want = desired.Parameters ?? {};
  const foreign = Object.fromEntries(Object.entries(existing.Parameters ?? {}).filter(([k]) => !ours(k, want)));
  return { ...desired, Parameters: { ...foreign, ...want } };
}

function sameColumns(a: Column[] | undefined, b: Column[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  // Glue and Athena treat names case-insensitively and may store them lowercased.
  return x.length === y.length && x.every((c, i) => c.Name?.toLowerCase() === y[i]!.Name?.toLowerCase()
    && c.Type?.toLowerCase() === y[i]!.Type?.toLowerCase() && (c.Comment ?? '') === (y[i]!.Comment ?? ''));
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  return Object.keys(x).length === Object.keys(y).length && Object.entries(x).every(([k, v]) => y[k] === v);
}

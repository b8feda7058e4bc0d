// Glue TableInput for a planned table. The same object is used by the Glue adapter at run time and by the stacks
// at deploy time, so the catalog describes exactly what the runtime writes.

export interface GlueColumn {
  Name: string;
  Type: string;
  Comment?: string;
}

export interface GlueTableInput {
  Name: string;
  Description?: string;
  Owner?: string;
  TableType: 'EXTERNAL_TABLE';
  Parameters: Record<string, string>;
  PartitionKeys: GlueColumn[];
  StorageDescriptor: {
    Columns: GlueColumn[];
    /** Key relative to the lake root; adapters turn it into s3://… */
    Location: string;
    InputFormat: string;
    OutputFormat: string;
    Compressed: boolean;
    SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
    StoredAsSubDirectories: boolean;
  };
}

export const PARQUET_FORMAT = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
} as const;

export const JSON_FORMAT = {
  InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
} as const;

export interface TableDefInput {
  name: string;
  description?: string;
  owner?: string;
  columns: GlueColumn[];
  partitionKeys: GlueColumn[];
  location: string;
  parameters: Record<string, string>;
  format?: 'parquet' | 'json';
}

export function tableInput(t: TableDefInput): GlueTableInput {
  const f = t.format === 'json' ? JSON_FORMAT : PARQUET_FORMAT;
  return {
    Name: t.name,
    ...(t.description ? { Description: t.description } : {}),
    ...(t.owner ? { Owner: t.owner } : {}),
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      EXTERNAL: 'TRUE',
      classification: t.format === 'json' ? 'json' : 'parquet',
      ...(t.format === 'json' ? {} : { 'parquet.compression': 'ZSTD' }),
      ...t.parameters,
    },
    PartitionKeys: t.partitionKeys,
    StorageDescriptor: {
      Columns: t.columns,
      Location: t.location,
      InputFormat: f.InputFormat,
      OutputFormat: f.OutputFormat,
      Compressed: false,
      SerdeInfo: { SerializationLibrary: f.SerializationLibrary, Parameters: t.format === 'json' ? {} : { 'serialization.format': '1' } },
      StoredAsSubDirectories: false,
    },
  };
}

/** Columns a reader sees: the table's columns, then its partition keys (as Glue lists them). */
export function readColumns(glue: GlueTableInput): Array<{ name: string; type: string }> {
  return [...glue.StorageDescriptor.Columns, ...glue.PartitionKeys].map((c) => ({ name: c.Name, type: c.Type }));
}

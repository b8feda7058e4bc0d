// The part of parquetjs-lite (no types of its own) the tests use: a writer that keeps the bytes a test gives it.
declare module 'parquetjs-lite' {
  export class ParquetSchema {
    constructor(fields: Record<string, { type: string; optional?: boolean }>);
  }
  export class ParquetWriter {
    static openFile(schema: ParquetSchema, path: string): Promise<ParquetWriter>;
    appendRow(row: Record<string, unknown>): Promise<void>;
    close(): Promise<void>;
  }
  const parquet: { ParquetSchema: typeof ParquetSchema; ParquetWriter: typeof ParquetWriter };
  export default parquet;
}

// Metric names as Glue reports them (EvaluatedMetrics), from Deequ's (entity, instance, name) triple:
// Dataset.*.RowCount, Column.email.Completeness, Multicolumn.a,b.Uniqueness. Dynamic rules read history by these.

export function datasetMetric(name: string, instance = '*'): string {
  return `Dataset.${instance}.${name}`;
}

export function columnMetric(column: string, name: string): string {
  return `Column.${column}.${name}`;
}

/** One column is a Column metric; several are a Multicolumn metric named by the comma-joined columns. */
export function columnsMetric(columns: readonly string[], name: string): string {
  return columns.length === 1 ? columnMetric(columns[0]!, name) : `Multicolumn.${columns.join(',')}.${name}`;
}

// strata.quality_metrics in Glue: the JSON-lines files every gate evaluation writes (runtime/quality/metrics.ts) under
// _strata/metrics/{silver,gold}/<name>/, read through a static table the stacks create — the AWS counterpart of the
// local view of the same name, with the same columns.
import type { CreateTableCommandInput } from '@aws-sdk/client-glue';
import { sdkTableInput } from '../aws/glue-tables.ts';
import { tableInput } from '../../core/plan/glue-table.ts';

export const METRICS_COLUMNS: Array<[name: string, type: string, comment: string]> = [
  ['layer', 'string', 'silver or gold'],
  ['table_name', 'string', 'the dataset (silver) or gold table the gate guards'],
  ['run_id', 'string', ''],
  ['evaluated_at', 'string', 'the evaluation clock (ISO 8601)'],
  ['halted', 'boolean', 'the evaluation halted its gate (not history for dynamic rules)'],
  ['severity', 'string', 'halt or warn'],
  ['rule', 'string', 'the DQDL rule as written'],
  ['outcome', 'string', 'PASS, FAIL or ERROR'],
  ['metric', 'string', "Glue's metric name, e.g. Column.email.Completeness"],
  ['value', 'double', ''],
  ['message', 'string', ''],
  ['operand', 'string', 'a composite rule\'s metrics are its operands\': the leaf rule the metric is of; null otherwise'],
];

export function metricsTableInput(database: string, locationOf: (key: string) => string): CreateTableCommandInput {
  const t = tableInput({
    name: 'quality_metrics',
    description: 'One row per rule and metric of every quality gate evaluation (silver and gold)',
    columns: METRICS_COLUMNS.map(([Name, Type, Comment]) => ({ Name, Type, ...(Comment ? { Comment } : {}) })),
    partitionKeys: [],
    location: '_strata/metrics/',
    parameters: { 'strata.layer': 'strata', 'strata.table': 'quality_metrics' },
    format: 'json',
  });
  return { DatabaseName: database, TableInput: sdkTableInput(t, locationOf(t.StorageDescriptor.Location)) };
}

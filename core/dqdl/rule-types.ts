// The DQDL rule types strata evaluates, what each accepts (as in awslabs/dqdl rules-config.json), and the ones it
// refuses with the reason. The parser enforces this table, so a ruleset strata accepts is one Glue accepts too.

/** What follows the parameters: nothing, a condition on a number, on each row's value, or on each row's age. */
export type ConditionFamily = 'none' | 'number' | 'values' | 'duration' | 'optional-number';

export interface RuleTypeSpec {
  /** Quoted parameters: [min, max]. */
  params: readonly [number, number];
  paramHelp: string;
  condition: ConditionFamily;
  /** Accepts `where "<sql>"`. */
  where: boolean;
  /** Accepts `with threshold` (row-level checks: the share of rows that must pass). */
  threshold: boolean;
  /** May compare with history: avg(last(k)) and friends. */
  dynamic: boolean;
  example: string;
}

const one = [1, 1] as const;
const many = [1, Infinity] as const;
const COL = 'a column name';
const COLS = 'one or more column names';

export const RULE_TYPES: Record<string, RuleTypeSpec> = {
  RowCount: { params: [0, 0], paramHelp: 'none', condition: 'number', where: true, threshold: false, dynamic: true, example: 'RowCount > 0' },
  ColumnCount: { params: [0, 0], paramHelp: 'none', condition: 'number', where: false, threshold: false, dynamic: true, example: 'ColumnCount = 7' },
  ColumnExists: { params: one, paramHelp: COL, condition: 'none', where: false, threshold: false, dynamic: false, example: 'ColumnExists "email"' },
  ColumnNamesMatchPattern: { params: one, paramHelp: 'a regular expression', condition: 'none', where: false, threshold: false, dynamic: false, example: 'ColumnNamesMatchPattern "[a-z_]+"' },
  IsComplete: { params: one, paramHelp: COL, condition: 'none', where: true, threshold: false, dynamic: false, example: 'IsComplete "email"' },
  Completeness: { params: one, paramHelp: COL, condition: 'number', where: true, threshold: false, dynamic: true, example: 'Completeness "email" > 0.95' },
  IsUnique: { params: many, paramHelp: COLS, condition: 'none', where: true, threshold: false, dynamic: false, example: 'IsUnique "order_id"' },
  Uniqueness: { params: many, paramHelp: COLS, condition: 'number', where: true, threshold: false, dynamic: true, example: 'Uniqueness "email" > 0.99' },
  UniqueValueRatio: { params: one, paramHelp: COL, condition: 'number', where: true, threshold: false, dynamic: true, example: 'UniqueValueRatio "status" < 0.5' },
  IsPrimaryKey: { params: many, paramHelp: COLS, condition: 'none', where: true, threshold: false, dynamic: false, example: 'IsPrimaryKey "order_id"' },
  DistinctValuesCount: { params: one, paramHelp: COL, condition: 'number', where: true, threshold: false, dynamic: true, example: 'DistinctValuesCount "status" between 2 and 10' },
  Entropy: { params: one, paramHelp: COL, condition: 'number', where: true, threshold: false, dynamic: true, example: 'Entropy "status" > 0.5' },
  Mean: { params: one, paramHelp: COL, condition: 'number', where: true, threshold: false, dynamic: true, example: 'Mean "amount" > 10' },
  Sum: { params: one, paramHelp: COL, condition: 'number', where: true, threshold: false, dynamic: true, example: 'Sum "amount" > 1000' },
  StandardDeviation: { params: one, paramHelp: COL, condition: 'number', where: true, threshold: false, dynamic: true, example: 'StandardDeviation "amount" < 50' },
  ColumnCorrelation: { params: [2, 2], paramHelp: 'two column names', condition: 'number', where: true, threshold: false, dynamic: true, example: 'ColumnCorrelation "height" "weight" > 0.8' },
  ColumnLength: { params: one, paramHelp: COL, condition: 'number', where: true, threshold: false, dynamic: false, example: 'ColumnLength "zip" = 5' },
  ColumnValues: { params: one, paramHelp: COL, condition: 'values', where: true, threshold: true, dynamic: false, example: 'ColumnValues "status" in ["NEW", "SHIPPED"]' },
  DataFreshness: { params: one, paramHelp: COL, condition: 'duration', where: true, threshold: false, dynamic: false, example: 'DataFreshness "updated_at" <= 24 hours' },
  CustomSql: { params: one, paramHelp: 'a SQL statement over primary', condition: 'optional-number', where: false, threshold: true, dynamic: true, example: 'CustomSql "select count(*) from primary" > 0' },
  ReferentialIntegrity: { params: [2, 2], paramHelp: 'the columns ("a" or "a,b") and a reference ("dataset.col" or "dataset.{x,y}")', condition: 'number', where: false, threshold: false, dynamic: true, example: 'ReferentialIntegrity "customer_id" "customers.id" = 1.0' },
  RowCountMatch: { params: one, paramHelp: 'a reference dataset name', condition: 'number', where: false, threshold: false, dynamic: true, example: 'RowCountMatch "orders_archive" >= 0.9' },
};

export const UNSUPPORTED: Record<string, string> = {
  DetectAnomalies: 'its model is not documented, so it cannot be reproduced outside Glue; use a dynamic rule such as RowCount > avg(last(10)) * 0.5',
  SchemaMatch: 'strata enforces the schema file itself (strata check refuses breaking changes)',
  DatasetMatch: 'not implemented; compare with a CustomSql join against the reference dataset',
  AggregateMatch: 'not implemented; use CustomSql',
  FileFreshness: 'strata evaluates rules on data, not on S3 objects; use DataFreshness on a timestamp column',
  FileMatch: 'strata evaluates rules on data, not on S3 objects',
  FileUniqueness: 'strata evaluates rules on data, not on S3 objects',
  FileSize: 'strata evaluates rules on data, not on S3 objects',
  ColumnDataType: 'silver columns are typed by the schema file; values that do not cast are rejected at ingest',
  Variance: 'it is not a documented Glue rule type; use StandardDeviation',
  AllStatistics: 'it is an analyzer, not a rule',
};

/** Rule types of the open-source Deequ DQDL translator that Glue does not document. */
const DEEQU_ONLY = ['DuplicateRowCount', 'InterquartileRange', 'Range', 'Skewness', 'Kurtosis', 'ZerosCount'];
for (const t of DEEQU_ONLY) UNSUPPORTED[t] = 'it exists only in the open-source Deequ translator, not in AWS Glue DQDL';

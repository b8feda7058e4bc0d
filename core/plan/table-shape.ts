// What a table's manifest is made from and checked against: its name, layer, schema hash and partition keys.
export interface TableShape {
  /** silver.orders or gold.daily_revenue */
  table: string;
  layer: 'silver' | 'gold';
  schemaHash: string;
  partitionKeys: string[];
}

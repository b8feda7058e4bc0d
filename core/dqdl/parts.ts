// A staged batch in parts for the frequency rules (RuleContext.parts): its files, grouped by partition, put together
// into groups of about PART_ROWS rows. A partition is never split, so a key that determines the partition never
// spans two groups.

/**
 * Rows per part. Grouping a near-unique key of three columns part by part, against one grouping of the whole batch
 * (flights, 61 to 182 day files, median of 11 in one run): 500k rows 0.79× in 4 parts; 1M rows 0.65× in 8 parts
 * (1.15× that in 64 parts); 3M rows 0.52× in 16 parts; 200k rows 1.1× in 2 parts, hence no parts below 2 × PART_ROWS.
 */
export const PART_ROWS = 128 * 1024;

/**
 * The batch's files in groups of whole partitions (files with equal `values`), in the order the partitions first
 * appear: a group is closed once it holds at least `rows` rows, so a group has fewer than `rows` rows plus its last
 * partition's. undefined when the batch has fewer than 2 × `rows` rows: one grouping of it is as fast.
 */
export function partGroups<F extends { rows: number; values: ReadonlyArray<string | null> }>(files: readonly F[], rows: number = PART_ROWS): F[][] | undefined {
  const total = files.reduce((n, f) => n + f.rows, 0);
  if (total < 2 * rows) return undefined;
  const byPartition = new Map<string, F[]>();
  for (const f of files) {
    const k = JSON.stringify(f.values);
    const same = byPartition.get(k);
    if (same) same.push(f);
    else byPartition.set(k, [f]);
  }
  const groups: F[][] = [];
  let open: F[] = [];
  let held = 0;
  for (const partition of byPartition.values()) {
    open.push(...partition);
    held += partition.reduce((n, f) => n + f.rows, 0);
    if (held >= rows) {
      groups.push(open);
      open = [];
      held = 0;
    }
  }
  if (open.length) groups.push(open);
  return groups.length > 1 ? groups : undefined;
}

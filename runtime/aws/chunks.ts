// AWS batch APIs cap their list sizes (DeleteObjects 1000, Glue BatchCreatePartition 100, BatchDeletePartition 25).

export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new Error(`chunk size must be positive, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

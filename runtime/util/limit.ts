// Bounded concurrency: many small storage operations (links, S3 copies) overlap instead of queueing one by one.

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * A queue of one: each call's `fn` starts once the previous call's has settled, and the call settles as its `fn` does.
 * For work that must not overlap inside work that does: a commit's partitions are built 16 at a time (links, S3
 * copies), but the ones rewritten in DuckDB one at a time, since each database has the step's whole memory budget
 * (runtime/engine/duckdb.ts DuckBudget). With `stopAfterFailure`, once a call's `fn` has failed, the calls queued
 * after it fail with the same error without running theirs (a commit that one partition's refusal fails rewrites no
 * other); without it, each runs whatever the ones before did (a compaction goes on past a damaged partition).
 */
export function oneAtATime(opts: { stopAfterFailure?: boolean } = {}): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  let failed: { error: unknown } | undefined;
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(() => {
      if (failed) throw failed.error;
      return fn();
    });
    tail = run.catch((error: unknown) => {
      if (opts.stopAfterFailure) failed ??= { error };
    });
    return run;
  };
}

// The names of files strata keeps aside instead of deleting (when in doubt, keep): a damaged catalog entry,
// manifest or catalog.duckdb, another program's write-ahead log.

/**
 * The time a file was kept aside, as it goes into the file's name: ISO 8601's basic format in UTC down to
 * milliseconds, e.g. 20261202T170749123Z (no ':' for file systems and S3 keys; names sort by time).
 */
export function asideStamp(now: Date = new Date()): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

// Named errors. The state machine matches on these names: named errors are final (no retry), anything else that
// looks transient is retried. Messages are for people: they name the object, the line and what to do.

export const ERRORS = {
  RejectedFile: 'Strata.RejectedFile',
  QualityHalt: 'Strata.QualityHalt',
  SchemaMismatch: 'Strata.SchemaMismatch',
  UnreadableFile: 'Strata.UnreadableFile',
  UnknownDataset: 'Strata.UnknownDataset',
  InvalidInput: 'Strata.InvalidInput',
  CommitConflict: 'Strata.CommitConflict',
  /** The disk (or file system) holding the lake is full: the message names the path and the way out. */
  StorageFull: 'Strata.StorageFull',
  /**
   * A step ran out of its function's memory or /tmp (DuckDB's memory_limit, its spill quota): the file may be whole
   * and valid. The run record's message names the limit, its value and the schema setting that raises it
   * (runtime/pipeline/limits.ts). A failure AWS names itself (Lambda.Unknown for a function killed, States.Timeout)
   * keeps AWS's name.
   */
  LimitExceeded: 'Strata.LimitExceeded',
  Internal: 'Strata.Internal',
} as const;

export type ErrorName = (typeof ERRORS)[keyof typeof ERRORS];

/** Errors that retrying cannot fix. */
export const FINAL_ERRORS: readonly string[] = [
  ERRORS.RejectedFile, ERRORS.QualityHalt, ERRORS.SchemaMismatch, ERRORS.UnreadableFile, ERRORS.UnknownDataset, ERRORS.InvalidInput,
  ERRORS.StorageFull, ERRORS.LimitExceeded,
];

export class StrataError extends Error {
  readonly details: Record<string, unknown> | undefined;
  constructor(name: ErrorName, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = name;
    this.details = details;
  }
}

export function isStrataError(e: unknown): e is StrataError {
  return e instanceof Error && e.name.startsWith('Strata.');
}

/**
 * First line of an engine error, without DuckDB's "Invalid Input Error:" style prefixes; "Out of Memory Error:" is
 * kept, as it is what says a limit was hit (runtime/pipeline/limits.ts limitHit): without it, "failed to allocate
 * data of size 32.0 KiB (61.0 MiB/61.0 MiB used)" read as a damaged file (an attack on the quotas, stop 42).
 */
export function engineMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.replace(/^(?!Out of Memory Error: )[A-Z][A-Za-z ]*Error: /, '').trim();
}

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
  /**
   * Worth another try: what the step read changed under it (a file of the version it read, collected meanwhile), as a
   * throttled or dropped call is (functions/lib/errors.ts TransientError). The state machine retries it with backoff.
   */
  Transient: 'Strata.Transient',
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
 * The column name DuckDB's binder could not bind and the names it offers instead ("Candidate bindings: "amount"", the
 * line after its message, which engineMessage leaves out); undefined when it names none. They come from the
 * statement's tables and their schemas, never from rows. DuckDB offers its closest names however far they are.
 */
export function bindingCandidates(e: unknown): { name: string; candidates: string[] } | undefined {
  const msg = e instanceof Error ? e.message : String(e);
  const name = /Referenced column "((?:[^"]|"")*)" not found/.exec(msg)?.[1];
  const list = /\nCandidate bindings: ([^\n]+)/.exec(msg)?.[1];
  if (name === undefined || list === undefined) return undefined;
  // Each candidate is written "name" or "table.name": the column's own name.
  const candidates = [...list.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replaceAll('""', '"').split('.').at(-1)!);
  return candidates.length ? { name: name.replaceAll('""', '"'), candidates } : undefined;
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

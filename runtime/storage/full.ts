// A full disk, said so: Node reports a write to a full file system as "ENOSPC: no space left on device, write",
// with no path, and DuckDB as an IO Error. Both become Strata.StorageFull naming the path and the way out.
import { ERRORS, StrataError } from '../../core/errors.ts';

/** Whether an error (Node's or DuckDB's) says the file system is full. */
export function isFull(e: unknown): boolean {
  return (e as Error)?.name === ERRORS.StorageFull || (e as NodeJS.ErrnoException)?.code === 'ENOSPC'
    || /No space left on device|ENOSPC/.test((e as Error)?.message ?? '');
}

/** The error to throw for e while writing `path`: Strata.StorageFull when the disk is full, else e itself. */
export function whenFull(e: unknown, path: string): unknown {
  if ((e as Error)?.name === ERRORS.StorageFull || !isFull(e)) return e;
  return new StrataError(ERRORS.StorageFull, `no space left on the device writing ${path}: free space on that file system `
    + '(strata gc deletes replaced versions past their retention and old staging), then run the same command again');
}

// A step's storage with its function's /tmp counted, as Lambda would fill it: in AWS every file a step reads through
// withLocalFile(s) or withSourceFile is downloaded into /tmp while the step works on it (runtime/storage/s3.ts), and
// every file it writes through writeTree is written there before it is uploaded. A local lake hands out the lake's own
// files and writes in place, so nothing would ever fill up locally: this wrapper keeps the count AWS would, and a call
// that would take the step past the part of /tmp its function has for files (core/plan/sizing.ts tmpFileBytes) fails
// as Strata.LimitExceeded, naming the step, the bytes and the way out (runtime/pipeline/limits.ts tmpOverEnvelope).
// The local executor gives each DuckDB step invocation such a storage (workflows/local.ts stepContext).
import { ERRORS, StrataError } from '../../core/errors.ts';
import type { Storage, WriteTreeOptions } from './port.ts';

/**
 * `inner` with its /tmp counted against `limit` bytes: `message(bytes)` is the error for a step that would hold
 * `bytes` at once. Files held: those of every withLocalFile(s) and withSourceFile call in progress (each counted once
 * per call, by its size) and, at the end of a writeTree, the bytes written: those listed, or with `{ list: false }`
 * those its caller counts (WriteTreeOptions.bytes: the stage's Parquet and row files, a halt's held rows, a
 * quarantine file, a gold refresh's files); a tree of neither is not counted (every writeTree of strata's is one or
 * the other).
 */
export function budgetTmp(inner: Storage, limit: number, message: (bytes: number) => string): Storage {
  let held = 0;
  const hold = async <T>(bytes: number, fn: () => Promise<T>): Promise<T> => {
    if (held + bytes > limit) throw new StrataError(ERRORS.LimitExceeded, message(held + bytes));
    held += bytes;
    try {
      return await fn();
    } finally {
      held -= bytes;
    }
  };
  const sizeOf = async (keys: readonly string[]) => (await Promise.all([...new Set(keys)].map(async (k) => (await inner.head(k))?.size ?? 0))).reduce((a, b) => a + b, 0);
  const budgeted: Storage = {
    kind: inner.kind,
    localRoot: inner.localRoot,
    uri: (key) => inner.uri(key),
    head: (key) => inner.head(key),
    contentId: (key) => inner.contentId(key),
    list: (prefix) => inner.list(prefix),
    readText: (key) => inner.readText(key),
    readVersioned: (key) => inner.readVersioned(key),
    writeText: (key, text) => inner.writeText(key, text),
    putIfMatch: (key, text, expected) => inner.putIfMatch(key, text, expected),
    copy: (from, to) => inner.copy(from, to),
    delete: (keys) => inner.delete(keys),
    deleteIfMatch: (object) => inner.deleteIfMatch(object),
    deletePrefix: (prefix) => inner.deletePrefix(prefix),
    putFile: (key, path) => inner.putFile(key, path),
    withLocalFile: async (key, fn) => hold(await sizeOf([key]), () => inner.withLocalFile(key, fn)),
    withSourceFile: async (key, version, fn) => hold(await sizeOf([key]), () => inner.withSourceFile(key, version, fn)),
    withLocalFiles: async (keys, fn) => hold(await sizeOf(keys), () => inner.withLocalFiles(keys, fn)),
    writeTree: (async <T>(prefix: string, fn: (dir: string) => Promise<T>, opts?: WriteTreeOptions<T>) => {
      const out = await inner.writeTree(prefix, fn, opts ?? {});
      const written = out.written ? out.written.reduce((a, o) => a + o.size, 0) : (opts?.bytes?.(out.result) ?? 0);
      if (held + written > limit) throw new StrataError(ERRORS.LimitExceeded, message(held + written));
      return out;
    }) as Storage['writeTree'],
  };
  if (inner.linkedFolder) budgeted.linkedFolder = (prefix) => inner.linkedFolder!(prefix);
  if (inner.listKeys) budgeted.listKeys = (prefix) => inner.listKeys!(prefix);
  return budgeted;
}

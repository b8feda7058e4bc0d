// The storage port: the lake as keys. Local folder and S3 implement it; nothing above it knows which.

export interface ObjectInfo {
  key: string;
  size: number;
  /** Changes whenever the content changes. S3: the ETag. Local: size and mtime (cheap), see contentId for content. */
  etag: string;
  lastModified: Date;
  /**
   * Local: the file itself (device and inode): two keys with the same file are hard links of one immutable file, so
   * the same bytes. Absent in S3.
   */
  file?: string;
}

export type CasResult = { ok: true; etag: string } | { ok: false; currentEtag: string | undefined };

/**
 * Which version of an object to read. S3: the version id its event names (bronze is versioned), else the ETag it had
 * (If-Match). A content id the caller computed while writing the object spares an adapter a second pass over it.
 */
export interface ObjectVersion {
  versionId?: string;
  etag?: string;
  contentId?: string;
}

/** An object version as a local file, while the callback runs. */
export interface SourceFile {
  path: string;
  size: number;
  /** SHA-256 content id of exactly these bytes (runtime/storage/content-id.ts): equal bytes, equal id. */
  contentId: string;
}

export interface Storage {
  readonly kind: 'local' | 's3';
  /**
   * The folder under which withLocalFile(s), withSourceFile and writeTree hand out local paths: the lake itself
   * locally, the temp folder in S3. A DuckDB instance locked to it (Duck.lockedSession) can read what a step is given.
   */
  readonly localRoot: string;
  /** Where a key lives, for messages and catalog locations (file:///… or s3://bucket/…). */
  uri(key: string): string;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Content identity of an object: SHA-256 of its bytes (runtime/storage/content-id.ts). Equal content ⇒ equal id. */
  contentId(key: string): Promise<string>;
  /** Every object under prefix (recursively), sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /**
   * The keys list(prefix) gives, without sizes or times, where that is cheaper (a local folder: no lstat per file);
   * absent where a listing costs the same either way (S3).
   */
  listKeys?(prefix: string): Promise<string[]>;
  readText(key: string): Promise<string | undefined>;
  /** The text and the etag putIfMatch compares against. */
  readVersioned(key: string): Promise<{ text: string; etag: string } | undefined>;
  /** Atomic replace: readers see the old or the new content, never a part. */
  writeText(key: string, text: string): Promise<void>;
  /** Compare-and-swap on one object: write only if its etag is still `expected` (undefined: must not exist). */
  putIfMatch(key: string, text: string, expected: string | undefined): Promise<CasResult>;
  /** Copy an immutable object (local: a hard link; S3: a server-side copy). */
  copy(from: string, to: string): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  /** Every object under a prefix that names a folder ("staging/orders/<run>/"). */
  deletePrefix(prefix: string): Promise<void>;
  /**
   * Whether the folder `prefix` is a symbolic link to a folder elsewhere (local only; S3 has no links): listing and
   * deleting keys under it would reach through the link, while deletePrefix removes the link alone.
   */
  linkedFolder?(prefix: string): Promise<boolean>;
  /** Upload a local file to key. */
  putFile(key: string, localPath: string): Promise<ObjectInfo>;
  /** A local path holding the object's bytes while fn runs (local: the file itself; S3: a copy in /tmp). */
  withLocalFile<T>(key: string, fn: (path: string) => Promise<T>): Promise<T>;
  /**
   * One version of an object as a local file while fn runs, with the content id of exactly those bytes (computed in
   * the same read where the adapter downloads). A version that is gone is Strata.UnreadableFile naming it.
   */
  withSourceFile<T>(key: string, version: ObjectVersion, fn: (file: SourceFile) => Promise<T>): Promise<T>;
  /** Same for many objects; the paths keep the keys' relative layout under one folder. */
  withLocalFiles<T>(keys: readonly string[], fn: (paths: string[]) => Promise<T>): Promise<T>;
  /**
   * Delete `object.key` only while it is that object (unchanged since it was looked at): true when deleted; false,
   * deleting nothing, when it changed meanwhile or is gone. S3: DeleteObject with If-Match on its ETag (which needs
   * s3:GetObject as well as s3:DeleteObject): exact. Local: the file at the key is looked at (the same file, by device
   * and inode, size and mtime) and unlinked right after; the key is never empty while it is not deleted, and only a
   * file renamed over it between those two system calls would be deleted in its place.
   */
  deleteIfMatch(object: Pick<ObjectInfo, 'key' | 'etag' | 'file'>): Promise<boolean>;
  /**
   * A local folder whose files become objects under `prefix` once fn resolves (local: the lake folder itself,
   * nothing is copied; S3: a /tmp folder that is uploaded, then removed), and the objects written, sorted by key.
   * With `{ list: false }` the caller does not need them: an adapter that would have to look for them (local: a walk
   * of the folder, 0.3 s for 8,784 partitions) may leave `written` out.
   */
  writeTree<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<{ result: T; written: ObjectInfo[] }>;
  writeTree<T>(prefix: string, fn: (dir: string) => Promise<T>, opts: WriteTreeOptions<T>): Promise<{ result: T; written?: ObjectInfo[] }>;
}

/** Storage.writeTree's options. */
export interface WriteTreeOptions<T = unknown> {
  /** false: the caller does not read `written` (default true). */
  list?: boolean;
  /**
   * With `list: false`, the bytes the tree holds, from what fn returned (DuckDB's RETURN_STATS), where the caller knows
   * them: a step's /tmp is counted with them (runtime/storage/tmp-budget.ts). Adapters ignore it.
   */
  bytes?: (result: T) => number;
}

export class StorageError extends Error {
  override name = 'Strata.StorageError';
}

/** Keys are relative, '/'-separated and never climb out of the lake. */
export function assertKey(key: string): void {
  if (key.startsWith('/') || key.split('/').some((s) => s === '..' || s === '.') || key.includes('\\') || key.includes('\0')) {
    throw new StorageError(`invalid storage key: ${JSON.stringify(key)}`);
  }
}

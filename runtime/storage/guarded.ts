// A step's storage as its function's role sees it in AWS: every call is checked against the S3 grants of the step
// (core/plan/access.ts accessFor, the statements the stacks turn into the role's policy), and a call the role could
// not make fails as S3 would refuse it (AccessDenied), so a local run fails where the deployed function would.
// The local executor gives each step such a storage (workflows/local.ts stepContext).
//
// What each call needs, as the S3 adapter (runtime/storage/s3.ts) makes it:
//   head, readText, readVersioned, contentId, withLocalFile(s), withSourceFile   s3:GetObject on the key
//   list, listKeys                                                               s3:ListBucket on a prefix covering it
//   writeText, putIfMatch, putFile, and each object writeTree uploads             s3:PutObject on the key
//   copy                                                                         s3:GetObject on the source, s3:PutObject on the target
//   delete                                                                       s3:DeleteObject on each key
//   deleteIfMatch                                                                s3:DeleteObject and s3:GetObject on the key
//   deletePrefix                                                                 s3:ListBucket on the prefix, s3:DeleteObject on each key
// A read the role may not make of an object that does not exist is a miss, not a denial, where the role may list
// the key's prefix: the adapter settles a 403 with a listing of the key (S3Storage.absent).
import type { AccessStatement, LogicalResource } from '../../core/plan/access.ts';
import { StorageError, type Storage, type WriteTreeOptions } from './port.ts';

export class AccessDenied extends StorageError {
  override name = 'Strata.AccessDenied';
}

type Location = 'bronze' | 'lake';

const locationOf = (key: string): Location => (key.startsWith('bronze/') ? 'bronze' : 'lake');

/**
 * `inner` as a role holding `statements` may use it; `role` names it in denials (e.g. "strata-halt of orders"). Each
 * denial is also pushed to `denials`, when given: a caller that catches the error (a best-effort read) would otherwise
 * hide it, and behave in AWS otherwise than here, so the executor fails the step on any denial it finds there.
 */
export function guardStorage(inner: Storage, statements: readonly AccessStatement[], role: string, denials?: AccessDenied[]): Storage {
  const objects = (action: string): Array<Extract<LogicalResource, { kind: 's3-object' }>> =>
    statements.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources.filter((r): r is Extract<LogicalResource, { kind: 's3-object' }> => r.kind === 's3-object'));
  const listings = statements.filter((s) => s.actions.includes('s3:ListBucket'))
    .flatMap((s) => s.resources.filter((r): r is Extract<LogicalResource, { kind: 's3-listing' }> => r.kind === 's3-listing'));
  const grants = new Map(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].map((a) => [a, objects(a)]));
  const may = (action: string, key: string) => (grants.get(action) ?? []).some((r) =>
    r.location === locationOf(key) && (r.prefix.endsWith('/') ? key.startsWith(r.prefix) : key === r.prefix));
  /** Every key under `prefix` is granted `action` (a grant of a folder holding it), so no key need be looked at. */
  const mayAll = (action: string, prefix: string) => (grants.get(action) ?? []).some((r) =>
    r.location === locationOf(prefix) && r.prefix.endsWith('/') && prefix.startsWith(r.prefix));
  const mayList = (prefix: string) => listings.some((r) => r.location === locationOf(prefix) && prefix.startsWith(r.prefix));
  const deny = (action: string, key: string): never => {
    const e = new AccessDenied(`AccessDenied: ${role} may not ${action} ${key}: its role's policy (core/plan/access.ts accessFor) does not grant it, so in AWS the call would fail`);
    denials?.push(e);
    throw e;
  };
  const need = (action: string, key: string) => { if (!may(action, key)) deny(action, key); };
  const keysUnder = async (prefix: string) => (inner.listKeys ? inner.listKeys(prefix) : (await inner.list(prefix)).map((o) => o.key));
  /** A read: granted, or of an object that does not exist under a prefix the role may list (a miss in AWS too). */
  const read = async (key: string) => {
    if (may('s3:GetObject', key)) return;
    if (mayList(key) && (await inner.head(key)) === undefined) return;
    deny('s3:GetObject', key);
  };
  const guarded: Storage = {
    kind: inner.kind,
    localRoot: inner.localRoot,
    uri: (key) => inner.uri(key),
    head: async (key) => { await read(key); return inner.head(key); },
    contentId: async (key) => { need('s3:GetObject', key); return inner.contentId(key); },
    list: async (prefix) => { if (!mayList(prefix)) deny('s3:ListBucket', prefix); return inner.list(prefix); },
    readText: async (key) => { await read(key); return inner.readText(key); },
    readVersioned: async (key) => { await read(key); return inner.readVersioned(key); },
    writeText: async (key, text) => { need('s3:PutObject', key); return inner.writeText(key, text); },
    putIfMatch: async (key, text, expected) => { need('s3:PutObject', key); return inner.putIfMatch(key, text, expected); },
    copy: async (from, to) => { need('s3:GetObject', from); need('s3:PutObject', to); return inner.copy(from, to); },
    delete: async (keys) => { for (const k of keys) need('s3:DeleteObject', k); return inner.delete(keys); },
    deleteIfMatch: async (object) => { need('s3:GetObject', object.key); need('s3:DeleteObject', object.key); return inner.deleteIfMatch(object); },
    deletePrefix: async (prefix) => {
      if (!mayList(prefix)) deny('s3:ListBucket', prefix);
      if (!mayAll('s3:DeleteObject', prefix)) for (const k of await keysUnder(prefix)) need('s3:DeleteObject', k);
      return inner.deletePrefix(prefix);
    },
    putFile: async (key, path) => { need('s3:PutObject', key); return inner.putFile(key, path); },
    withLocalFile: async (key, fn) => { need('s3:GetObject', key); return inner.withLocalFile(key, fn); },
    withSourceFile: async (key, version, fn) => { need('s3:GetObject', key); return inner.withSourceFile(key, version, fn); },
    withLocalFiles: async (keys, fn) => { for (const k of keys) need('s3:GetObject', k); return inner.withLocalFiles(keys, fn); },
    writeTree: (async <T>(prefix: string, fn: (dir: string) => Promise<T>, opts?: WriteTreeOptions<T>) => {
      const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
      const out = await inner.writeTree(prefix, fn, opts ?? {});
      if (!mayAll('s3:PutObject', folder)) for (const k of out.written?.map((o) => o.key) ?? await keysUnder(folder)) need('s3:PutObject', k);
      return out;
    }) as Storage['writeTree'],
  };
  if (inner.linkedFolder) guarded.linkedFolder = (prefix) => inner.linkedFolder!(prefix);
  if (inner.listKeys) guarded.listKeys = async (prefix) => { if (!mayList(prefix)) deny('s3:ListBucket', prefix); return inner.listKeys!(prefix); };
  return guarded;
}

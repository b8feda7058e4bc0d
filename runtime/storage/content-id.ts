// The content id of an object: the first 32 hex digits (128 bits) of the SHA-256 of its bytes. The same in every
// storage adapter, so an object's id does not depend on where it is stored or how: S3 ETags are not (SSE-KMS ETags
// are opaque and differ between uploads of identical bytes; multipart ETags depend on the part size).
import { createHash, type Hash } from 'node:crypto';

export function newContentHash(): Hash {
  return createHash('sha256');
}

export function contentIdOf(hash: Hash): string {
  return hash.digest('hex').slice(0, 32);
}

// Step Functions execution names for bronze objects. The name is the run id and the de-duplication key: the same
// object version always gets the same name, so a duplicate event delivery asks for an execution that exists
// already, which Step Functions refuses (ExecutionAlreadyExists) instead of running the file twice.
//
// Limits: at most 80 characters, and only [A-Za-z0-9-_] (other characters are accepted by Step Functions but
// break CloudWatch logging and the run id pattern in functions/lib/schemas.ts). The readable part helps people
// find a run; the hash alone carries identity.
import { createHash } from 'node:crypto';

const MAX = 80;
const HASH_CHARS = 20; // 80 bits: collisions need ~10^12 objects
const DATASET_CHARS = 24;

/**
 * `<dataset>-<start of the file name>-<hash>`, deterministic from bucket, key and the object version
 * (versioned buckets: the version id; otherwise the ETag, so a re-upload of identical bytes is the same run).
 */
export function executionName(bucket: string, key: string, versionOrEtag: string, dataset: string): string {
  const hash = createHash('sha256').update(`${bucket}\n${key}\n${versionOrEtag}`).digest('hex').slice(0, HASH_CHARS);
  const file = key.split('/').pop() ?? '';
  const head = [sanitize(dataset).slice(0, DATASET_CHARS), sanitize(file)].filter(Boolean).join('-');
  const room = MAX - HASH_CHARS - 1;
  const readable = head.slice(0, room).replace(/[-_]+$/, '');
  return readable ? `${readable}-${hash}` : hash;
}

/** Letters without accents, digits, '-' and '_'; every other run of characters becomes one '_'. */
function sanitize(s: string): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[-_]+|[-_]+$/g, '');
}

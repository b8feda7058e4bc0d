// The buckets of a deployed stage. SST names each bucket from a fixed prefix plus a unique suffix
// (stacks/storage.ts: bucketPrefix strata-<stage>-<kind>-), so the lake and bronze buckets are found by listing the
// account's buckets with that prefix; exactly one must match.
import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { physicalNames, type Naming } from '../core/naming.ts';
import { ERRORS, StrataError } from '../core/errors.ts';

export async function stageBucket(client: S3Client, naming: Naming, kind: 'lake' | 'bronze'): Promise<string> {
  const prefix = physicalNames(naming).bucketPrefix(kind);
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListBucketsCommand({ Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    names.push(...(page.Buckets ?? []).map((b) => b.Name ?? '').filter((n) => n.startsWith(prefix)));
    token = page.ContinuationToken;
  } while (token);
  const flag = kind === 'lake' ? '--bucket' : '--bronze-bucket';
  if (names.length === 1) return names[0]!;
  if (!names.length) {
    throw new StrataError(ERRORS.InvalidInput, `no ${kind} bucket of stage ${naming.stage} (app ${naming.app}) in this account: no bucket is named ${prefix}*. Is the stage deployed, with these credentials? Or name it with ${flag}.`);
  }
  throw new StrataError(ERRORS.InvalidInput, `${names.length} buckets match ${prefix}*: ${names.join(', ')}; name the ${kind} bucket with ${flag}`);
}

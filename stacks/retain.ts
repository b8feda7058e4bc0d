// What a production stage keeps when `sst remove` removes it, or when a deploy no longer describes a resource (a
// schema file removed): the data and everything needed to read it. SST's `removal: 'retain'` keeps only a fixed list
// of resource types (buckets among them, not their settings, not the key, not the catalog), so each resource that
// must outlive the stage says so itself (Pulumi's retainOnDelete): Pulumi then forgets it instead of deleting it.
import type { StageConfig } from './config.ts';
import type { ResourceSpec } from './resource.ts';
import type { ResourceType } from './types.ts';

/** Kept in production, by kind, and why. */
export const RETAINED_IN_PRODUCTION: Readonly<Partial<Record<ResourceType, string>>> = {
  // Scheduling the key for deletion would make every SSE-KMS object unreadable once the window ends.
  'aws.kms.Key': 'encrypts the data: without it no retained object can be decrypted',
  'aws.kms.Alias': 'the name people and scripts find the key by',
  'aws.s3.Bucket': 'the data',
  // A bucket without its settings would be open, unencrypted by default, unversioned and growing without bounds.
  'aws.s3.BucketPolicy': 'TLS only, the lake key only',
  'aws.s3.BucketPublicAccessBlock': 'no public access',
  'aws.s3.BucketServerSideEncryptionConfiguration': 'new objects encrypted with the lake key',
  'aws.s3.BucketOwnershipControls': 'objects owned by the bucket owner',
  'aws.s3.BucketVersioning': 'overwritten and deleted objects stay recoverable',
  'aws.s3.BucketLifecycleConfiguration': 'storage classes and expiry of old versions, as the data was stored',
  'aws.s3.BucketLogging': 'the access log trail of the data',
  'aws.s3.BucketNotification': 'part of the bronze bucket as configured (events go to the default bus, no rule left)',
  // The catalog: tables, partitions (written by the runtime) and their locations are how the data is read.
  'aws.glue.CatalogDatabase': 'the catalog of the data',
  'aws.glue.CatalogTable': 'the catalog of the data, with the partitions the runtime registered',
};

/** The specs with retainOnDelete set on what production keeps (unchanged for any other stage). */
export function withRetention(specs: ResourceSpec[], cfg: Pick<StageConfig, 'production'>): ResourceSpec[] {
  if (!cfg.production) return specs;
  return specs.map((s) => (RETAINED_IN_PRODUCTION[s.type] ? { ...s, retainOnDelete: true } : s));
}

// What a production stage keeps when it is removed, or when a deploy no longer describes a resource: the lake key,
// the buckets with every setting that protects them, and the Glue catalog — as the Pulumi engine sees it under mocks
// (a stack transformation reads each resource's options, the way SST applies its own `removal`). Everything else is
// removed with the stage. Skipped without .sst/ like stacks-mocks.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { stageConfig } from '../stacks/config.ts';
import { describeProject } from '../stacks/describe.ts';
import { lakeResources } from '../stacks/lake.ts';
import type { ResourceSpec } from '../stacks/resource.ts';
import { deployUnderMocks, sstInstalled, sstRequired, type MockDeployment } from './helpers/pulumi-mocks.ts';

/** Written out by hand: the Pulumi types production keeps. */
const KEPT_TYPES = [
  'aws:kms/key:Key', 'aws:kms/alias:Alias',
  'aws:s3/bucket:Bucket', 'aws:s3/bucketPolicy:BucketPolicy', 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  'aws:s3/bucketVersioning:BucketVersioning', 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  'aws:s3/bucketLogging:BucketLogging', 'aws:s3/bucketNotification:BucketNotification',
  'aws:glue/catalogDatabase:CatalogDatabase', 'aws:glue/catalogTable:CatalogTable',
];

describe.skipIf(!sstInstalled && !sstRequired)('removing a production stage', () => {
  let specs: ResourceSpec[];
  let deployed: MockDeployment;

  beforeAll(async () => {
    specs = lakeResources((await describeProject('schemas')).model!, stageConfig('strata', 'production'));
    deployed = await deployUnderMocks(specs, 'production');
  });

  it('keeps the key, every bucket with its protections and settings, and the whole catalog; removes the rest', () => {
    const retained = [...deployed.options].filter(([, o]) => o.retainOnDelete).map(([name]) => name).sort();
    const kept = deployed.registered.filter((r) => KEPT_TYPES.includes(r.type)).map((r) => r.name).sort();
    expect(retained).toEqual(kept);
    // By name, for the shared resources: 4 buckets with policy, public access block, encryption, ownership and
    // lifecycle; versioning and access logs for bronze and the lake; bronze's EventBridge switch; key and alias.
    const bucketParts = (b: string) => [`${b}Bucket`, `${b}Encryption`, `${b}Lifecycle`, `${b}Ownership`, `${b}Policy`, `${b}PublicAccessBlock`];
    expect(retained.filter((n) => !n.endsWith('Table') && !n.endsWith('Database'))).toEqual([
      ...bucketParts('AthenaResults'), ...bucketParts('Bronze'), 'BronzeLogging', 'BronzeNotification', 'BronzeVersioning',
      ...bucketParts('Lake'), 'LakeKey', 'LakeKeyAlias', 'LakeLogging', 'LakeVersioning', ...bucketParts('Logs'),
    ].sort());
    // Every table the stage has: silver and quarantine per dataset, gold, runs and quality metrics.
    const tables = specs.filter((s) => s.type === 'aws.glue.CatalogTable').map((s) => s.name);
    expect(tables.length).toBe(3 * 2 + 2 + 2);
    expect(retained.filter((n) => n.endsWith('Table'))).toEqual(tables.sort());
    expect(retained.filter((n) => n.endsWith('Database'))).toEqual(['GoldDatabase', 'QuarantineDatabase', 'SilverDatabase', 'StrataDatabase']);
    // Nothing that runs is kept: functions, roles, state machines, rules, alarms, queues, topics, workgroups go.
    for (const r of deployed.registered.filter((x) => x.custom !== false && !KEPT_TYPES.includes(x.type))) {
      expect({ name: r.name, retained: deployed.options.get(r.name)?.retainOnDelete ?? false }).toEqual({ name: r.name, retained: false });
    }
  });
});

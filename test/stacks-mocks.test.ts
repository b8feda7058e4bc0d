// The lake's resources created for real by stacks/deploy.ts — under Pulumi mocks, with the Pulumi AWS provider SST
// uses (.sst/platform, written by `sst install`). Every plain AWS resource must reach the engine with exactly the
// arguments the builders describe, each reference resolved to the referenced resource's output. SST's Function
// component cannot run under mocks (it bundles code through the SST CLI), so a stand-in records its arguments.
//
// Without .sst/ (no `sst install` yet) this file is skipped; .ci/sst-check installs it and runs this file with
// STRATA_REQUIRE_SST=1, which turns the skip into a failure.
import { beforeAll, describe, expect, it } from 'vitest';
import { triggerConfigFromEnv } from '../functions/trigger.ts';
import { substituteResources } from '../workflows/asl.ts';
import { stageConfig } from '../stacks/config.ts';
import { describeProject } from '../stacks/describe.ts';
import { EXAMPLE_AWS, renderExample } from '../stacks/example.ts';
import { lakeResources } from '../stacks/lake.ts';
import type { LakeModel } from '../stacks/model.ts';
import { datasetAsl } from '../stacks/pipeline.ts';
import { datasetNames } from '../stacks/refs.ts';
import type { ResourceSpec } from '../stacks/resource.ts';
import { deployUnderMocks, sstInstalled, sstRequired, type MockDeployment } from './helpers/pulumi-mocks.ts';

describe.skipIf(!sstInstalled && !sstRequired)('deploying the example lake under Pulumi mocks', () => {
  let model: LakeModel;
  let specs: ResourceSpec[];
  let registered: MockDeployment['registered'];
  let functions: MockDeployment['functions'];
  let options: MockDeployment['options'];

  beforeAll(async () => {
    model = (await describeProject('schemas')).model!;
    specs = lakeResources(model, stageConfig('strata', 'test'));
    ({ registered, functions, options } = await deployUnderMocks(specs));
  });

  it('registers every plain AWS resource the builders describe, and nothing else', () => {
    const expected = specs.filter((s) => s.type !== 'sst.aws.Function').map((s) => s.name).sort();
    const custom = registered.filter((r) => r.custom !== false && !r.type.startsWith('sst:')).map((r) => r.name).sort();
    expect(custom).toEqual(expected);
    expect(custom.length).toBeGreaterThan(100);
  });

  it('passes each resource exactly its described arguments, every reference resolved to an output', () => {
    const rendered = new Map(renderExample(specs).map((s) => [s.name, s]));
    for (const r of registered.filter((x) => x.custom !== false && !x.type.startsWith('sst:'))) {
      const spec = rendered.get(r.name)!;
      expect({ name: r.name, inputs: r.inputs }).toEqual({ name: r.name, inputs: JSON.parse(JSON.stringify(spec.args)) });
      expect(JSON.stringify(r.inputs)).not.toMatch(/\$\{(ref|aws):/);
    }
  });

  it('maps each builder kind to the Pulumi resource type SST uses', () => {
    const typeOf = new Map(registered.map((r) => [r.name, r.type]));
    expect(typeOf.get('LakeKey')).toBe('aws:kms/key:Key');
    expect(typeOf.get('LakeBucket')).toBe('aws:s3/bucket:Bucket');
    expect(typeOf.get('LakeEncryption')).toBe('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration');
    expect(typeOf.get('FlightsStateMachine')).toBe('aws:sfn/stateMachine:StateMachine');
    expect(typeOf.get('FlightsBronzeRule')).toBe('aws:cloudwatch/eventRule:EventRule');
    expect(typeOf.get('AnalystsWorkgroup')).toBe('aws:athena/workgroup:Workgroup');
    expect(typeOf.get('FlightsSilverTable')).toBe('aws:glue/catalogTable:CatalogTable');
  });

  it('deploys each state machine with the rendered ASL and the ARNs of its own functions', () => {
    for (const plan of model.plans) {
      const n = datasetNames(plan.dataset);
      const sm = registered.find((r) => r.name === n.stateMachine)!;
      const arnOf = (step: string) => `arn:aws:lambda:${EXAMPLE_AWS.region}:${EXAMPLE_AWS.accountId}:function:strata-test-${plan.dataset}-${step}`;
      expect(JSON.parse(sm.inputs.definition as string)).toEqual(substituteResources(datasetAsl(model, plan), arnOf));
    }
  });

  it('gives SST every function with its role, environment and bundling, references resolved', () => {
    const stage = functions.get('FlightsStageFunction')!;
    expect(stage).toMatchObject({
      name: 'strata-test-flights-stage', handler: 'functions/stage.handler', runtime: 'nodejs24.x', architecture: 'arm64',
      role: `arn:aws:iam::${EXAMPLE_AWS.accountId}:role/strata-test-flights-stage`,
      nodejs: { install: model.lambdaPackages }, copyFiles: [{ from: 'schemas', to: 'schemas' }],
    });
    expect((stage.environment as Record<string, string>).STRATA_LAKE_BUCKET).toBe('strata-test-lake-0example');
    expect(functions.size).toBe(specs.filter((s) => s.type === 'sst.aws.Function').length);
    // Functions that install DuckDB get the post-build check of their bundle (stacks/bundle.ts); the trigger has none.
    for (const [name, f] of functions) {
      expect({ name, hook: typeof (f.hook as { postbuild?: unknown } | undefined)?.postbuild }).toEqual({ name, hook: name === 'TriggerFunction' ? 'undefined' : 'function' });
    }
  });

  it('lets the trigger, configured as deployed, find every state machine by the naming rule', () => {
    const trigger = functions.get('TriggerFunction')!;
    const config = triggerConfigFromEnv(trigger.environment as Record<string, string>, `arn:aws:lambda:${EXAMPLE_AWS.region}:${EXAMPLE_AWS.accountId}:function:${String(trigger.name)}`);
    for (const plan of model.plans) {
      const sm = registered.find((r) => r.name === datasetNames(plan.dataset).stateMachine)!;
      expect(config.stateMachineArn(plan.dataset)).toBe(`arn:aws:states:${EXAMPLE_AWS.region}:${EXAMPLE_AWS.accountId}:stateMachine:${String(sm.inputs.name)}`);
    }
  });

  it('retains nothing when a stage that is not production is removed', () => {
    expect(options.size).toBeGreaterThan(100);
    expect([...options].filter(([, o]) => o.retainOnDelete).map(([n]) => n)).toEqual([]);
  });
});

// The lake's resources created for real by stacks/deploy.ts — under Pulumi mocks, with the Pulumi AWS provider SST
// uses (.sst/platform, written by `sst install`). Every plain AWS resource must reach the engine with exactly the
// arguments the builders describe, each reference resolved to the referenced resource's output. SST's Function
// component cannot run under mocks (it bundles code through the SST CLI), so a stand-in records its arguments.
//
// Without .sst/ (no `sst install` yet) this file is skipped; .ci/sst-check installs it and runs this file with
// STRATA_REQUIRE_SST=1, which turns the skip into a failure.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { substituteResources } from '../workflows/asl.ts';
import { stageConfig } from '../stacks/config.ts';
import { deploy } from '../stacks/deploy.ts';
import { describeProject } from '../stacks/describe.ts';
import { EXAMPLE_AWS, exampleOutputs, exampleValues, renderExample } from '../stacks/example.ts';
import { lakeResources } from '../stacks/lake.ts';
import type { LakeModel } from '../stacks/model.ts';
import { datasetAsl } from '../stacks/pipeline.ts';
import { datasetNames } from '../stacks/refs.ts';
import type { ResourceSpec } from '../stacks/resource.ts';
import { renderTokens } from '../stacks/tokens.ts';

const platform = resolve('.sst/platform/node_modules');
const installed = existsSync(join(platform, '@pulumi/aws/package.json'));
const required = process.env.STRATA_REQUIRE_SST === '1';

interface Registered { type: string; name: string; inputs: Record<string, unknown>; custom?: boolean }

describe.skipIf(!installed && !required)('deploying the example lake under Pulumi mocks', () => {
  let model: LakeModel;
  let specs: ResourceSpec[];
  const registered: Registered[] = [];
  const functions = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    if (!installed) throw new Error('.sst/platform is missing: run .ci/sst-check (it runs `sst install` first)');
    model = (await describeProject('schemas')).model!;
    specs = lakeResources(model, stageConfig('strata', 'test'));
    const byName = new Map(specs.map((s) => [s.name, s]));
    const valueOf = exampleValues(specs);
    const require = createRequire(import.meta.url);
    // The same module instances @pulumi/aws resolves, so the mocks apply to its resources.
    const pulumi = require(join(platform, '@pulumi/pulumi'));
    await pulumi.runtime.setMocks({
      newResource(args: Registered) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom });
        const spec = byName.get(args.name);
        return { id: `${args.name}-id`, state: { ...args.inputs, ...(spec ? renderTokens(exampleOutputs(spec), valueOf) : {}) } };
      },
      call(args: { token: string }) {
        switch (args.token) {
          case 'aws:index/getCallerIdentity:getCallerIdentity': return { accountId: EXAMPLE_AWS.accountId, arn: `arn:aws:iam::${EXAMPLE_AWS.accountId}:user/ci`, userId: 'ci', id: EXAMPLE_AWS.accountId };
          case 'aws:index/getRegion:getRegion': return { name: EXAMPLE_AWS.region, region: EXAMPLE_AWS.region, id: EXAMPLE_AWS.region, description: '', endpoint: '' };
          case 'aws:index/getPartition:getPartition': return { partition: EXAMPLE_AWS.partition, dnsSuffix: 'amazonaws.com', id: 'aws', reverseDnsPrefix: 'com.amazonaws' };
          default: throw new Error(`unexpected invoke ${args.token}`);
        }
      },
    }, 'strata', 'test', false);
    const aws = require(join(platform, '@pulumi/aws'));

    class FunctionStandIn extends pulumi.ComponentResource {
      arn: unknown;
      name: unknown;
      constructor(name: string, args: Record<string, unknown>, opts?: object) {
        super('sst:aws:Function', name, {}, opts);
        this.name = pulumi.output(args.name);
        this.arn = pulumi.output(args.name).apply((n: string) => `arn:aws:lambda:${EXAMPLE_AWS.region}:${EXAMPLE_AWS.accountId}:function:${n}`);
        pulumi.output(args).apply((resolved: Record<string, unknown>) => functions.set(name, resolved));
        this.registerOutputs({});
      }
    }

    const created = deploy(specs, { aws, sst: { aws: { Function: FunctionStandIn } }, pulumi });
    // Wait until the engine (the mocks) has every resource and every output resolved.
    await Promise.all([...created.values()].map((r) => new Promise((done) => (r.urn as { apply: (f: (v: unknown) => void) => void }).apply(done))));
    await new Promise((r) => setTimeout(r, 50));
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
      nodejs: { install: ['@duckdb/node-api'] }, copyFiles: [{ from: 'schemas', to: 'schemas' }],
    });
    expect((stage.environment as Record<string, string>).STRATA_LAKE_BUCKET).toBe('strata-test-lake-0example');
    const trigger = functions.get('TriggerFunction')!;
    expect(JSON.parse((trigger.environment as Record<string, string>).STRATA_STATE_MACHINES!)).toEqual(Object.fromEntries(model.plans.map((p) =>
      [p.dataset, `arn:aws:states:${EXAMPLE_AWS.region}:${EXAMPLE_AWS.accountId}:stateMachine:strata-test-${p.dataset}`])));
    expect(functions.size).toBe(specs.filter((s) => s.type === 'sst.aws.Function').length);
  });
});

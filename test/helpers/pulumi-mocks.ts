// Deploying a stage's resources for real through stacks/deploy.ts — under Pulumi mocks, with the Pulumi AWS provider
// SST uses (.sst/platform, written by `sst install`). One deployment per test file (Pulumi's mocks are per process,
// and vitest runs each file in its own). SST's Function component cannot run under mocks (it bundles code through
// the SST CLI), so a stand-in records its arguments.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { deploy } from '../../stacks/deploy.ts';
import { EXAMPLE_AWS, exampleOutputs, exampleValues } from '../../stacks/example.ts';
import type { ResourceSpec } from '../../stacks/resource.ts';
import { renderTokens } from '../../stacks/tokens.ts';

const platform = resolve('.sst/platform/node_modules');
export const sstInstalled = existsSync(join(platform, '@pulumi/aws/package.json'));
/** .ci/sst-check sets STRATA_REQUIRE_SST=1: there a missing .sst/ fails the test files instead of skipping them. */
export const sstRequired = process.env.STRATA_REQUIRE_SST === '1';

export interface Registered { type: string; name: string; inputs: Record<string, unknown>; custom?: boolean }

export interface MockDeployment {
  /** Every resource the engine registered, with the inputs it received. */
  registered: Registered[];
  /** The arguments SST's Function component received, references resolved, by logical name. */
  functions: Map<string, Record<string, unknown>>;
  /** The resource options the engine saw, by logical name (what a stack transformation sees, as SST's own do). */
  options: Map<string, { retainOnDelete?: boolean; protect?: boolean }>;
}

export async function deployUnderMocks(specs: ResourceSpec[], stack = 'test'): Promise<MockDeployment> {
  if (!sstInstalled) throw new Error('.sst/platform is missing: run .ci/sst-check (it runs `sst install` first)');
  const byName = new Map(specs.map((s) => [s.name, s]));
  const valueOf = exampleValues(specs);
  const require = createRequire(import.meta.url);
  // The same module instances @pulumi/aws resolves, so the mocks apply to its resources.
  const pulumi = require(join(platform, '@pulumi/pulumi'));
  const registered: Registered[] = [];
  const functions = new Map<string, Record<string, unknown>>();
  const options = new Map<string, { retainOnDelete?: boolean; protect?: boolean }>();
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
  }, 'strata', stack, false);
  const aws = require(join(platform, '@pulumi/aws'));

  class FunctionStandIn extends pulumi.ComponentResource {
    arn: unknown;
    name: unknown;
    constructor(name: string, args: Record<string, unknown>, opts?: object) {
      super('sst:aws:Function', name, {}, opts);
      this.name = pulumi.output(args.name);
      this.arn = pulumi.output(args.name).apply((n: string) => `arn:aws:lambda:${EXAMPLE_AWS.region}:${EXAMPLE_AWS.accountId}:function:${n}`);
      const { hook, ...plain } = args as { hook?: unknown };
      pulumi.output(plain).apply((resolved: Record<string, unknown>) => functions.set(name, hook ? { ...resolved, hook } : resolved));
      this.registerOutputs({});
    }
  }

  // The program runs in a stack, as SST runs it; a stack transformation sees every resource's options, the way
  // SST's own (run.ts) applies `removal`.
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args: { name: string; opts: { retainOnDelete?: boolean; protect?: boolean } }) => {
      options.set(args.name, { retainOnDelete: args.opts.retainOnDelete, protect: args.opts.protect });
      return undefined;
    });
    const created = deploy(specs, { aws, sst: { aws: { Function: FunctionStandIn } }, pulumi });
    // Wait until the engine (the mocks) has every resource and every output resolved.
    await Promise.all([...created.values()].map((r) => new Promise((done) => (r.urn as { apply: (f: (v: unknown) => void) => void }).apply(done))));
    await new Promise((r) => setTimeout(r, 50));
    return {};
  });
  return { registered, functions, options };
}

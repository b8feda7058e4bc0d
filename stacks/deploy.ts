// Creates the resources of stacks/lake.ts: the one place that calls constructors. Each token in the arguments
// becomes the referenced resource's output (so Pulumi knows every dependency), resources are created after
// everything they refer to, and SST's Function component builds and bundles the handlers.
import { checkNativeBundle } from './bundle.ts';
import type { ResourceSpec } from './resource.ts';
import { allTokens, tokensOf, type AwsContext, type Token } from './tokens.ts';
import type { Output, Platform } from './types.ts';

type Ctor = new (name: string, args: unknown, opts?: Record<string, unknown>) => Record<string, unknown>;

export function deploy(specs: readonly ResourceSpec[], platform: Platform): Map<string, Record<string, unknown>> {
  const created = new Map<string, Record<string, unknown>>();
  const identity = platform.aws.getCallerIdentityOutput({});
  const context: Record<AwsContext, Output<string>> = {
    accountId: identity.accountId,
    region: platform.aws.getRegionOutput({}).region,
    partition: platform.aws.getPartitionOutput({}).partition,
  };
  const outputOf = (t: Token): Output<string> => {
    if (t.kind === 'aws') return context[t.name];
    const r = created.get(t.resource);
    const value = r?.[t.output];
    if (value === undefined) throw new Error(`${t.text}: ${t.resource} has no output "${t.output}"`);
    return platform.pulumi.output(value as string);
  };
  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const tokens = tokensOf(value);
      if (!tokens.length) return value;
      return platform.pulumi.all(tokens.map(outputOf)).apply((values: string[]) =>
        tokens.reduce((s, t, i) => s.split(t.text).join(values[i]!), value));
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  for (const spec of creationOrder(specs)) {
    const Ctor = constructorOf(platform, spec.type);
    const opts = {
      ...(spec.dependsOn?.length ? { dependsOn: spec.dependsOn.map((d) => created.get(d)!) } : {}),
      ...(spec.ignoreChanges?.length ? { ignoreChanges: spec.ignoreChanges } : {}),
      ...(spec.retainOnDelete ? { retainOnDelete: true } : {}),
    };
    created.set(spec.name, new Ctor(spec.name, withBundleCheck(spec, resolve(spec.args)), opts));
  }
  return created;
}

/**
 * A function that installs packages into its bundle gets SST's post-build hook checking that the bundle holds DuckDB
 * for Lambda's platform (stacks/bundle.ts). Added here, not in the specs, which stay plain data.
 */
export function withBundleCheck(spec: ResourceSpec, args: unknown): unknown {
  const nodejs = (spec.args as { nodejs?: { install?: unknown } }).nodejs;
  if (spec.type !== 'sst.aws.Function' || !nodejs?.install) return args;
  return { ...(args as object), hook: { postbuild: async (dir: string) => { checkNativeBundle(dir, spec.name); } } };
}

/** Resources ordered so that each comes after everything it refers to or depends on; a cycle is an error. */
export function creationOrder(specs: readonly ResourceSpec[]): ResourceSpec[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const needs = (s: ResourceSpec) => [...new Set([
    ...allTokens(s.args).flatMap((t) => (t.kind === 'ref' ? [t.resource] : [])),
    ...(s.dependsOn ?? []),
  ])];
  const out: ResourceSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: ResourceSpec, path: string[]) => {
    if (state.get(s.name) === 'done') return;
    if (state.get(s.name) === 'visiting') throw new Error(`resources refer to each other in a cycle: ${[...path, s.name].join(' → ')}`);
    state.set(s.name, 'visiting');
    for (const n of needs(s)) {
      const dep = byName.get(n);
      if (!dep) throw new Error(`${s.name} refers to ${n}, which is not a resource of this stage`);
      visit(dep, [...path, s.name]);
    }
    state.set(s.name, 'done');
    out.push(s);
  };
  for (const s of specs) visit(s, []);
  return out;
}

function constructorOf(platform: Platform, type: ResourceSpec['type']): Ctor {
  if (type === 'sst.aws.Function') return platform.sst.aws.Function as unknown as Ctor;
  const [, service, kind] = type.split('.') as [string, string, string];
  const ctor = (platform.aws as unknown as Record<string, Record<string, Ctor>>)[service]?.[kind];
  if (!ctor) throw new Error(`the platform has no ${type}`);
  return ctor;
}

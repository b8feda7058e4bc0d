/// <reference path="./.sst/platform/config.d.ts" />
// strata on AWS (SST v4). `npx sst deploy --stage <name>` builds the lake of the schema files in schemas/: shared
// storage, catalog, Athena and alerting, plus per dataset its tables, functions, roles, state machine, alarm and
// EventBridge rule. Every resource is described as data by stacks/lake.ts (pure functions of the compiled plans,
// unit-tested) and created by stacks/deploy.ts. See docs/deploy.md.
//
// SST forbids top-level imports here: the stacks are imported inside app() and run().

export default $config({
  async app(input) {
    const { isProduction } = await import('./stacks/config.ts');
    const production = isProduction(input?.stage ?? '');
    return {
      name: 'strata',
      home: 'aws',
      // Production cannot be removed by accident, and keeps its data when it is: SST's `retain` covers buckets only,
      // so stacks/retain.ts marks the key, the buckets' settings and the Glue catalog retainOnDelete as well.
      removal: production ? 'retain' : 'remove',
      protect: production,
    };
  },
  async run() {
    const { stageConfig } = await import('./stacks/config.ts');
    const { loadModel } = await import('./stacks/model.ts');
    const { lakeResources } = await import('./stacks/lake.ts');
    const { deploy } = await import('./stacks/deploy.ts');
    const { outputsOf } = await import('./stacks/outputs.ts');

    const model = loadModel($cli.paths.root);
    const specs = lakeResources(model, stageConfig($app.name, $app.stage, process.env));
    const created = deploy(specs, { aws, sst, pulumi: $util });
    return outputsOf(created, model);
  },
});

// .ci/sst-check type-checks this file with the real SST and Pulumi types. These lines fail there if the stacks'
// argument types ever fall back to `any` (stacks/types.ts), which would silently stop that check.
type IsAny<T> = 0 extends 1 & T ? true : false;
type Expect<T extends false> = T;
type ArgsByType = import('./stacks/types.ts').ArgsByType;
export type ArgumentTypesAreChecked = [
  Expect<IsAny<ArgsByType['aws.s3.Bucket']>>,
  Expect<IsAny<ArgsByType['aws.sfn.StateMachine']>>,
  Expect<IsAny<ArgsByType['sst.aws.Function']>>,
  Expect<IsAny<import('./stacks/types.ts').Platform['pulumi']>>,
];

// A stage of 200 datasets: nothing shared grows with the number of datasets. The trigger derives each state machine
// from the naming rule (no list in its environment, which Lambda caps at 4 KB), its policy names the stage's state
// machines and bronze by pattern (an inline policy may hold 10,240 characters), one permission lets the stage's rules
// invoke it (Lambda caps its resource policy at 20 KB), and the dead-letter queue accepts the stage's rules by pattern.
//
// Under Pulumi mocks go the shared resources and every dataset's EventBridge rule and target (the resources that
// connect uploads to the trigger); all 5,000-odd resources would take minutes there, and the rest of a dataset's
// resources are the same builders stacks-mocks.test.ts deploys. Run by .ci/sst-check (STRATA_REQUIRE_SST=1; ~25 s
// under mocks), skipped by npm test.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerConfigFromEnv } from '../functions/trigger.ts';
import { stageConfig } from '../stacks/config.ts';
import { describeProject } from '../stacks/describe.ts';
import { EXAMPLE_AWS, renderExample } from '../stacks/example.ts';
import { lakeResources } from '../stacks/lake.ts';
import type { LakeModel } from '../stacks/model.ts';
import { datasetNames } from '../stacks/refs.ts';
import type { ResourceSpec } from '../stacks/resource.ts';
import { deployUnderMocks, sstRequired, type MockDeployment } from './helpers/pulumi-mocks.ts';

const DATASETS = 200;
const schema = (name: string) => `dataset: ${name}\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint, required: true }\n  - { name: note, type: string }\n`;
/** Names of every length a dataset may have, up to the 63 characters the schema allows. */
const datasetName = (i: number) => `ds_${String(i).padStart(3, '0')}_${'x'.repeat(i % 57)}`;

/** Lambda counts an environment as the bytes of its keys and values. */
const envBytes = (env: Record<string, string>) => Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
/** IAM counts policy size without whitespace. */
const policyChars = (policy: string) => JSON.stringify(JSON.parse(policy)).length;

describe.skipIf(!sstRequired)(`a stage of ${DATASETS} datasets under Pulumi mocks`, () => {
  let dir: string;
  let model: LakeModel;
  let specs: ResourceSpec[];
  let deployed: MockDeployment;
  let one: ResourceSpec[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-scale-'));
    await Promise.all(Array.from({ length: DATASETS }, (_, i) => writeFile(join(dir, `${datasetName(i)}.yaml`), schema(datasetName(i)))));
    const described = await describeProject(dir);
    expect(described.errors).toEqual([]);
    model = described.model!;
    specs = lakeResources(model, stageConfig('strata', 'test'));
    one = renderExample(lakeResources({ ...model, plans: model.plans.slice(0, 1) }, stageConfig('strata', 'test')));
    const routing = new Set(['aws.cloudwatch.EventRule', 'aws.cloudwatch.EventTarget']);
    deployed = await deployUnderMocks(specs.filter((s) => !s.dataset || routing.has(s.type)));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(`describes all ${DATASETS} pipelines and deploys their routing`, () => {
    expect(model.plans).toHaveLength(DATASETS);
    expect(specs.filter((s) => s.type === 'aws.sfn.StateMachine')).toHaveLength(DATASETS);
    expect(deployed.registered.filter((r) => r.type === 'aws:cloudwatch/eventTarget:EventTarget')).toHaveLength(DATASETS);
    // One EventBridge rule per dataset: below the default quota of 300 rules per event bus (docs/deploy.md).
    expect(deployed.registered.filter((r) => r.type === 'aws:cloudwatch/eventRule:EventRule')).toHaveLength(DATASETS);
  });

  it('gives the trigger the same environment as for one dataset, far below Lambda\'s 4 KB, and it finds every state machine', () => {
    const trigger = deployed.functions.get('TriggerFunction')!;
    const env = trigger.environment as Record<string, string>;
    expect(env).toEqual((one.find((s) => s.name === 'TriggerFunction')!.args as { environment: unknown }).environment);
    expect(envBytes(env)).toBeLessThan(4096);
    const config = triggerConfigFromEnv(env, `arn:aws:lambda:${EXAMPLE_AWS.region}:${EXAMPLE_AWS.accountId}:function:${String(trigger.name)}`);
    for (const plan of model.plans) {
      const sm = specs.find((s) => s.name === datasetNames(plan.dataset).stateMachine)!.args as { name: string };
      expect(config.stateMachineArn(plan.dataset)).toBe(`arn:aws:states:${EXAMPLE_AWS.region}:${EXAMPLE_AWS.accountId}:stateMachine:${sm.name}`);
    }
  });

  it('keeps the trigger\'s policy, its invoke permission and the dead-letter queue\'s policy as for one dataset', () => {
    const inputs = (name: string) => deployed.registered.find((r) => r.name === name)!.inputs;
    const oneArgs = (name: string) => JSON.parse(JSON.stringify(one.find((s) => s.name === name)!.args));
    for (const name of ['TriggerPolicy', 'TriggerDeadLettersPolicy', 'TriggerPermission']) expect({ name, inputs: inputs(name) }).toEqual({ name, inputs: oneArgs(name) });
    expect(policyChars(inputs('TriggerPolicy').policy as string)).toBeLessThan(10_240);
    // The trigger's resource policy holds one statement, whatever the number of rules.
    expect(deployed.registered.filter((r) => r.type === 'aws:lambda/permission:Permission')).toHaveLength(1);
    // Every dataset's rule is one the permission and the queue's policy accept.
    const pattern = String(inputs('TriggerPermission').sourceArn);
    expect(pattern).toBe(`arn:aws:events:${EXAMPLE_AWS.region}:${EXAMPLE_AWS.accountId}:rule/strata-test-*`);
    for (const r of deployed.registered.filter((x) => x.type === 'aws:cloudwatch/eventRule:EventRule')) {
      expect(`arn:aws:events:${EXAMPLE_AWS.region}:${EXAMPLE_AWS.accountId}:rule/${String(r.inputs.name)}`.startsWith(pattern.slice(0, -1))).toBe(true);
    }
  });
});

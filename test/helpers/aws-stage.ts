// A deployed stage without AWS, for tests that run the pipeline through the AWS adapters: S3, Glue and Step Functions
// clients mocked by the in-memory fakes (aws-fakes.ts; bronze versioned, as the stacks deploy it), S3Storage and
// GlueCatalog over them, and the trigger that turns an upload's EventBridge event into a StartExecution input.
import { S3Client } from '@aws-sdk/client-s3';
import { GlueClient } from '@aws-sdk/client-glue';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { GlueCatalog } from '../../runtime/catalog/glue.ts';
import type { RunInput } from '../../runtime/pipeline/payloads.ts';
import { S3Storage } from '../../runtime/storage/s3.ts';
import { createTriggerHandler } from '../../functions/trigger.ts';
import { localLambdaContext } from '../../functions/lib/step.ts';
import { fakeGlue, fakeS3 } from './aws-fakes.ts';

export const AWS_CREDS = { region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };

/** The stage: bronze in s3://raw/in/, the lake in s3://lake/dev/, Glue databases dev_silver, dev_gold, dev_quarantine. */
export function awsStage() {
  const s3Client = new S3Client(AWS_CREDS);
  const glueClient = new GlueClient(AWS_CREDS);
  const sfnClient = new SFNClient(AWS_CREDS);
  const s3Mock = mockClient(s3Client);
  const glueMock = mockClient(glueClient);
  const sfnMock = mockClient(sfnClient);
  const s3 = fakeS3(s3Mock, { versioned: ['raw'] });
  const glue = fakeGlue(glueMock, ['dev_silver', 'dev_gold', 'dev_quarantine']);
  const storage = new S3Storage({ client: s3Client, locations: { bronze: { bucket: 'raw', prefix: 'in/' }, lake: { bucket: 'lake', prefix: 'dev/' } } });
  const catalog = new GlueCatalog({
    client: glueClient, locationOf: (k) => storage.uri(k), databases: { silver: 'dev_silver', gold: 'dev_gold', quarantine: 'dev_quarantine' },
    retry: { sleep: async () => {} },
  });
  const trigger = createTriggerHandler({ sfn: sfnClient, s3: s3Client, config: { stateMachineArn: (d) => `arn:sm:${d}`, bronzeBucket: 'raw', bronzePrefix: 'in/' } });
  /** Deliver an event to the trigger: the StartExecution input it sends. */
  const start = async (event: unknown): Promise<RunInput> => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    sfnMock.resetHistory();
    await trigger(event, localLambdaContext('strata-trigger'));
    return JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!) as RunInput;
  };
  const restore = () => { s3Mock.restore(); glueMock.restore(); sfnMock.restore(); };
  return { s3Client, glueClient, sfnClient, s3Mock, glueMock, sfnMock, s3, glue, storage, catalog, trigger, start, restore };
}

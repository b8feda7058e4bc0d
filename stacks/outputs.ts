// What `sst deploy` prints at the end: where to upload, where to query, what to watch.
import type { LakeModel } from './model.ts';
import { datasetNames } from './refs.ts';

export function outputsOf(created: Map<string, Record<string, unknown>>, model: LakeModel): Record<string, unknown> {
  const get = (name: string, output: string) => created.get(name)?.[output];
  return {
    bronzeBucket: get('BronzeBucket', 'bucket'),
    lakeBucket: get('LakeBucket', 'bucket'),
    athenaWorkgroup: get('AnalystsWorkgroup', 'name'),
    goldDatabase: get('GoldDatabase', 'name'),
    goldReaderPolicy: get('GoldReaderPolicy', 'arn'),
    alertsTopic: get('AlertsTopic', 'arn'),
    deadLetters: get('TriggerDeadLetters', 'url'),
    stateMachines: Object.fromEntries(model.plans.map((p) => [p.dataset, get(datasetNames(p.dataset).stateMachine, 'arn')])),
    // Streamed datasets: the delivery stream producers send to (and its Kinesis data stream, when that is the source).
    deliveryStreams: Object.fromEntries(model.plans.filter((p) => p.stream).map((p) => [p.dataset, get(datasetNames(p.dataset).deliveryStream, 'name')])),
    kinesisStreams: Object.fromEntries(model.plans.filter((p) => p.stream?.source === 'kinesis').map((p) => [p.dataset, get(datasetNames(p.dataset).kinesisStream, 'name')])),
  };
}

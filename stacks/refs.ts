// The lake's shared resources as the per-dataset builders see them: logical names, the tokens of their outputs and
// the physical names that are fixed. One place, so a builder can never refer to a resource that does not exist.
import { ATHENA_PIPELINE_RESULTS, type CatalogDatabase, type Location } from '../core/plan/access.ts';
import { pascal, physicalNames, type PhysicalNames } from '../core/naming.ts';
import type { StageConfig } from './config.ts';
import { ref } from './tokens.ts';

export const BUCKETS = { bronze: 'Bronze', lake: 'Lake', results: 'AthenaResults', logs: 'Logs' } as const;
export const KEY = 'LakeKey';
export const TOPIC = 'AlertsTopic';
export const DEAD_LETTERS = 'TriggerDeadLetters';
export const TRIGGER = 'Trigger';
export const DATABASES = { silver: 'SilverDatabase', gold: 'GoldDatabase', quarantine: 'QuarantineDatabase', strata: 'StrataDatabase' } as const;
export const WORKGROUPS = { analysts: 'AnalystsWorkgroup', pipeline: 'PipelineWorkgroup' } as const;

/** Where the Athena workgroups write query results, in the results bucket. */
export const RESULTS_PREFIX = { analysts: 'analysts/', pipeline: ATHENA_PIPELINE_RESULTS } as const;

export interface LakeRefs {
  names: PhysicalNames;
  cfg: StageConfig;
  /** Bucket name token of each location. */
  bucket: Record<Location, string>;
  /** Key prefix of each location inside its bucket (the storage adapters' location prefix; '' = the whole bucket). */
  prefix: Record<Location, string>;
  keyArn: string;
  database: Record<CatalogDatabase | 'strata', string>;
  /** Physical name of the workgroup pipeline queries (gold on Athena) run in. */
  pipelineWorkgroup: string;
  topicArn: string;
}

/**
 * The longest <app>-<stage> a stage may have: the trigger's permissions name the stage's rules and state machines by
 * the pattern <app>-<stage>-* (stacks/iam.ts), which holds only while fit() keeps the whole of it in every name —
 * EventBridge rule names (≤ 64) are the shortest.
 */
export const MAX_BASE_NAME = 54;

export function lakeRefs(cfg: StageConfig): LakeRefs {
  const names = physicalNames(cfg);
  if (names.base.length > MAX_BASE_NAME) {
    throw new Error(`app and stage "${names.base}" make names too long for AWS: use a stage name that keeps "<app>-<stage>" at most ${MAX_BASE_NAME} characters`);
  }
  return {
    names,
    cfg,
    bucket: { bronze: ref(`${BUCKETS.bronze}Bucket`, 'bucket'), lake: ref(`${BUCKETS.lake}Bucket`, 'bucket'), results: ref(`${BUCKETS.results}Bucket`, 'bucket') },
    prefix: { bronze: '', lake: '', results: '' },
    keyArn: ref(KEY, 'arn'),
    // Referenced through the database resources, so tables and policies come after them.
    database: {
      silver: ref(DATABASES.silver, 'name'), gold: ref(DATABASES.gold, 'name'),
      quarantine: ref(DATABASES.quarantine, 'name'), strata: ref(DATABASES.strata, 'name'),
    },
    pipelineWorkgroup: names.workgroup('pipeline'),
    topicArn: ref(TOPIC, 'arn'),
  };
}

/** Logical names of a dataset's resources. */
export const datasetNames = (dataset: string) => {
  const ds = pascal(dataset);
  return {
    role: (step: string) => `${ds}${pascal(step)}Role`,
    policy: (step: string) => `${ds}${pascal(step)}Policy`,
    fn: (step: string) => `${ds}${pascal(step)}Function`,
    stateMachine: `${ds}StateMachine`,
    stateMachineRole: `${ds}StateMachineRole`,
    stateMachinePolicy: `${ds}StateMachinePolicy`,
    stateMachineLogs: `${ds}StateMachineLogs`,
    failedAlarm: `${ds}FailedAlarm`,
    rule: `${ds}BronzeRule`,
    target: `${ds}BronzeTarget`,
    silverTable: `${ds}SilverTable`,
    quarantineTable: `${ds}QuarantineTable`,
    // Streaming (stacks/streaming.ts).
    deliveryStream: `${ds}DeliveryStream`,
    kinesisStream: `${ds}KinesisStream`,
    firehoseRole: `${ds}FirehoseRole`,
    firehosePolicy: `${ds}FirehosePolicy`,
    firehoseLogs: `${ds}FirehoseLogs`,
    firehoseLogStream: `${ds}FirehoseLogStream`,
    deliveryAlarm: `${ds}DeliveryAlarm`,
    // Compaction (stacks/compaction.ts); the compact function is fn('compact').
    compactionStateMachine: `${ds}CompactionStateMachine`,
    compactionStateMachineRole: `${ds}CompactionStateMachineRole`,
    compactionStateMachinePolicy: `${ds}CompactionStateMachinePolicy`,
    compactionLogs: `${ds}CompactionLogs`,
    compactionAlarm: `${ds}CompactionFailedAlarm`,
    scheduleRole: `${ds}CompactionScheduleRole`,
    schedulePolicy: `${ds}CompactionSchedulePolicy`,
    schedule: `${ds}CompactionSchedule`,
  };
};

export const goldTableName = (table: string) => `${pascal(table)}GoldTable`;

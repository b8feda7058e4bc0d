// JSON Schemas of the step payloads (what each Task state hands its function). Validated by middy before any work.

const runId = { type: 'string', minLength: 1, maxLength: 80, pattern: '^[A-Za-z0-9_-]+$' };
const dataset = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' };
const isoTime = { type: 'string', minLength: 10 };

export const runInputSchema = {
  type: 'object',
  required: ['dataset', 'runId', 'source', 'now', 'startedAt'],
  properties: {
    dataset, runId, now: isoTime, startedAt: isoTime,
    source: {
      type: 'object', required: ['key'],
      properties: { key: { type: 'string', minLength: 1 }, versionId: { type: 'string', minLength: 1 }, etag: { type: 'string' }, size: { type: 'number' }, contentId: { type: 'string' } },
    },
  },
} as const;

const stageOutput = {
  type: 'object',
  required: ['dataset', 'runId', 'sourceId', 'stageKey', 'source'],
  properties: { dataset, runId, sourceId: { type: 'string' }, stageKey: { type: 'string' }, source: { type: 'object' } },
} as const;

export const commitSchema = {
  type: 'object', required: ['runId', 'now', 'stage'],
  properties: { runId, now: isoTime, stage: stageOutput },
} as const;

export const datasetSchema = { type: 'object', required: ['dataset'], properties: { dataset } } as const;

/** The whole execution state, handed to recorders and gates. */
export const runStateSchema = {
  ...runInputSchema,
  properties: { ...runInputSchema.properties, stage: stageOutput, error: { type: 'object', required: ['Error'], properties: { Error: { type: 'string' }, Cause: { type: 'string' } } } },
} as const;

export const goldSchema = {
  type: 'object', required: ['table', 'dataset', 'runId', 'now'],
  properties: { table: dataset, dataset, runId, now: isoTime, startedAt: isoTime, partitions: { type: 'array', items: { type: 'string' } } },
} as const;

/** The silver gate reads the run's identity and its staging result. */
export const qualitySchema = {
  type: 'object', required: ['dataset', 'runId', 'now', 'startedAt', 'stage'],
  properties: { dataset, runId, now: isoTime, startedAt: isoTime, stage: stageOutput },
} as const;

/** The halt step needs the gate's verdict too, and where its results are (an execution started before resultsKey carries them). */
export const haltSchema = {
  ...runStateSchema,
  required: [...runStateSchema.required, 'stage', 'quality'],
  properties: { ...runStateSchema.properties, quality: {
    type: 'object', required: ['halted'],
    properties: { halted: { const: true }, resultsKey: { type: 'string' }, results: { type: 'array' } },
  } },
} as const;

/** A compaction execution's input (EventBridge Scheduler in AWS: dataset, runId and now; locally also tables and overrides). */
export const compactSchema = {
  type: 'object', required: ['dataset', 'runId', 'now'],
  properties: {
    dataset, runId, now: isoTime,
    tables: { type: 'array', items: dataset, minItems: 1 },
    targetMb: { type: 'integer', minimum: 1, maximum: 4096 },
    minFiles: { type: 'integer', minimum: 2 },
  },
} as const;

// Each step is sized from what it does (core/plan/sizing.ts), the same numbers in the functions the stacks deploy,
// the Task timeouts of the state machine and the limits the local executor runs steps with; only transient errors
// are retried, and a run that hit a limit fails at once naming the limit and the setting that raises it.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzeGold } from '../core/gold/analyze.ts';
import { compile, type DatasetPlan } from '../core/plan/compile.ts';
import { loadProject } from '../core/project.ts';
import { Duck } from '../runtime/engine/duckdb.ts';
import { stageConfig } from '../stacks/config.ts';
import { lakeModel } from '../stacks/describe.ts';
import { renderExample } from '../stacks/example.ts';
import { lakeResources } from '../stacks/lake.ts';
import { renderAsl, taskStates } from '../workflows/asl.ts';
import { renderCompactionAsl } from '../workflows/asl-compact.ts';
import { goldTablesFor } from '../workflows/gold-order.ts';
import type { StepName } from '../core/plan/steps.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

/** Written out by hand: what Step Functions may retry (AWS's Lambda service exceptions, throttling, ours). */
const RETRIED = [
  'Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException', 'Strata.Transient',
];

let lake: TestLake;
afterAll(() => lake?.cleanup());
const ROWS = 40_000;
let plans: DatasetPlan[];
let goldOf: (dataset: string) => string[];
beforeAll(async () => {
  plans = (await loadProject('schemas')).schemas.map((s) => compile(s.spec));
  const gold = (await analyzeGold(plans)).plans;
  goldOf = (d) => goldTablesFor(gold, d);
});

const originalOpen = Duck.open.bind(Duck);

/** Every Task state of a definition, also inside Map processors, by name. */
function tasks(asl: Record<string, unknown>): Record<string, any> {
  const out: Record<string, any> = {};
  const visit = (states: Record<string, any>) => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Type === 'Task') out[name] = s;
      if (s.Type === 'Map') visit(s.ItemProcessor.States);
    }
  };
  visit(asl.States as Record<string, any>);
  return out;
}

describe('retries', () => {
  it('retry only transient errors, in every Task — the Gold map\'s too — with or without gold tables', () => {
    const flights = plans.find((p) => p.dataset === 'flights')!;
    const withGold = renderAsl(flights, { goldTables: goldOf('flights') });
    const withoutGold = renderAsl(flights, { goldTables: [] });
    expect(Object.keys(tasks(withGold))).toContain('RefreshGold');
    expect(Object.keys(tasks(withoutGold))).not.toContain('RefreshGold');
    for (const asl of [withGold, withoutGold]) {
      for (const [name, state] of Object.entries(tasks(asl))) {
        expect({ name, retry: state.Retry }).toEqual({ name, retry: [{ ErrorEquals: RETRIED, IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' }] });
      }
    }
    // The Gold map is caught as a whole (its processor's Task has no Catch of its own).
    expect((withGold.States as any).Gold.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }]);
  });
});

describe('sizing', () => {
  // By hand: DuckDB steps get the schema's lambda: settings (flights has none: 1,769 MB, 2,048 MB /tmp, 900 s; its
  // compaction policy gives it the compact function too) and
  // 45% of the memory for DuckDB; light steps 512 MB and their own timeouts; every Task waits 10 s longer.
  const expected: Record<StepName, { memory: string; storage: string; timeout: string; task: number; duckdb?: string }> = {
    stage: { memory: '1769 MB', storage: '2048 MB', timeout: '900 seconds', task: 910, duckdb: '796MB' },
    quality: { memory: '1769 MB', storage: '2048 MB', timeout: '900 seconds', task: 910, duckdb: '796MB' },
    halt: { memory: '1769 MB', storage: '2048 MB', timeout: '900 seconds', task: 910, duckdb: '796MB' },
    reject: { memory: '1769 MB', storage: '2048 MB', timeout: '900 seconds', task: 910, duckdb: '796MB' },
    commit: { memory: '1769 MB', storage: '2048 MB', timeout: '900 seconds', task: 910, duckdb: '796MB' },
    gold: { memory: '1769 MB', storage: '2048 MB', timeout: '900 seconds', task: 910, duckdb: '796MB' },
    compact: { memory: '1769 MB', storage: '2048 MB', timeout: '900 seconds', task: 910, duckdb: '796MB' },
    register: { memory: '512 MB', storage: '512 MB', timeout: '300 seconds', task: 310 },
    record: { memory: '512 MB', storage: '512 MB', timeout: '120 seconds', task: 130 },
    fail: { memory: '512 MB', storage: '512 MB', timeout: '120 seconds', task: 130 },
  };

  it('gives every function of a dataset the size of what its step does, and its Task a timeout just above it', async () => {
    const specs = renderExample(lakeResources(lakeModel(plans, (await analyzeGold(plans)).plans), stageConfig('strata', 'dev')));
    const flights = plans.find((p) => p.dataset === 'flights')!;
    const asl = renderAsl(flights, { goldTables: goldOf('flights') });
    const compaction = renderCompactionAsl(flights);
    const taskOf = new Map(taskStates(asl).map((t) => [t.state, t.step]));
    for (const [step, e] of Object.entries(expected)) {
      const fn = specs.find((s) => s.name === `Flights${step[0]!.toUpperCase()}${step.slice(1)}Function`)!.args as Record<string, any>;
      expect({ step, memory: fn.memory, storage: fn.storage, timeout: fn.timeout, duckdb: fn.environment.STRATA_DUCKDB_MEMORY })
        .toEqual({ step, memory: e.memory, storage: e.storage, timeout: e.timeout, duckdb: e.duckdb });
      for (const [state, s] of Object.entries(tasks(asl)).filter(([state]) => taskOf.get(state) === step)) {
        expect({ state, seconds: s.TimeoutSeconds }).toEqual({ state, seconds: e.task });
      }
    }
    expect((compaction.States as any).Compact.TimeoutSeconds).toBe(expected.compact.task);
  });
});

describe('limits in a local run', () => {
  beforeAll(async () => {
    // A halt rule no batch passes, on a dataset sized at 256 MB: DuckDB may use 115 MB (45%) in every DuckDB step.
    lake = await makeLake({
      events: `dataset: events
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: kind, type: string }
  - { name: payload, type: string }
quality:
  silver:
    halt: ['RowCount > ${ROWS * 10}']
lambda: { memory: 256 }
`,
    });
  });

  it('halts a large batch within the DuckDB limit the halt step has in Lambda (HALTED, every row in quarantine)', async () => {
    const lines = ['id,kind,payload'];
    for (let i = 0; i < ROWS; i++) lines.push(`${i},k${i % 7},${'x'.repeat(60)}${i}`);
    const file = await lake.file('events.csv', `${lines.join('\n')}\n`);
    const limits: Array<{ step: string; memoryLimit: string | undefined; tmp: string | undefined }> = [];
    let step = '';
    const open = vi.spyOn(Duck, 'open').mockImplementation(async (opts) => {
      // Steps open in-memory databases; the local catalog opens its catalog.duckdb file (not a step's DuckDB).
      if (opts?.path === undefined && opts?.memoryLimit !== '256MB') limits.push({ step, memoryLimit: opts?.memoryLimit, tmp: opts?.maxTempDirectorySize });
      return originalOpen(opts);
    });
    try {
      const r = await lake.ingest('events', file, { wrap: (s, fn) => async (input) => { step = s; return fn(input); } });
      expect(r.record.status).toBe('HALTED');
      expect(r.execution.path).toContain('HaltBatch');
      expect(r.record).toMatchObject({ rowsIn: ROWS, rowsValid: 0, rowsQuarantined: ROWS });
      expect(await lake.query('SELECT count(*)::INT AS n FROM quarantine.events')).toEqual([{ n: ROWS }]);
    } finally {
      open.mockRestore();
    }
    // floor(256 × 0.45) = 115 MB, below the test environment's cap of 512 MB; every DuckDB of the halt step had it too
    // (it reads the object again to keep the held rows' positions, then writes the quarantine file), and a spill
    // bounded by its half of the function's /tmp (ephemeralStorageMb, default 2048).
    const halt = limits.filter((l) => l.step === 'halt');
    expect(halt.length).toBeGreaterThan(0);
    expect(halt).toEqual(halt.map(() => ({ step: 'halt', memoryLimit: '115MB', tmp: '1024MB' })));
    expect(new Set(limits.map((l) => l.memoryLimit))).toEqual(new Set(['115MB']));
  });
});

describe('limits hit in Lambda', () => {
  /** A step that fails the way Step Functions reports a function Lambda stopped (Lambda.Unknown, Lambda's error as Cause). */
  const lambdaUnknown = (errorType: string, errorMessage: string) => (step: StepName, fn: (i: unknown) => Promise<unknown>) => async (input: unknown) => {
    if (step !== 'stage') return fn(input);
    const e = new Error(JSON.stringify({ errorType, errorMessage }));
    e.name = 'Lambda.Unknown';
    throw e;
  };

  it('out of memory: not retried, the run FAILED naming the memory and lambda.memory', async () => {
    const file = await lake.file('f.csv', 'x\n');
    const r = await lake.ingest('events', file, { retryIntervalMs: 0, wrap: lambdaUnknown('Runtime.OutOfMemory', 'RequestId: 1f2e Error: Runtime exited with error: signal: killed') });
    expect(r.record.status).toBe('FAILED');
    expect(r.execution.events.filter((e) => e.type === 'StateRetried')).toEqual([]);
    expect(r.execution.path).toEqual(['Stage', 'RecordFailure', 'Failed']);
    expect(r.record.error!.name).toBe('Lambda.Unknown');
    expect(r.record.error!.message).toContain('a step ran out of memory (the DuckDB steps stage, quality, halt, reject, commit, gold have 256 MB, of which DuckDB may use 115 MB; lambda.memory)');
    expect(r.record.error!.message).toMatch(/raise lambda\.memory in \S*schemas\/events\.yaml \(now 256, at most 10240\)/);
  });

  it('out of time: not retried, naming the seconds and lambda.timeoutSeconds (at its maximum: split the file)', async () => {
    const file = await lake.file('g.csv', 'x\n');
    const r = await lake.ingest('events', file, { retryIntervalMs: 0, wrap: lambdaUnknown('Sandbox.Timedout', 'RequestId: 9a Error: Task timed out after 900.00 seconds') });
    expect(r.record.status).toBe('FAILED');
    expect(r.execution.events.filter((e) => e.type === 'StateRetried')).toEqual([]);
    expect(r.record.error!.message).toContain('a step ran out of time (the DuckDB steps stage, quality, halt, reject, commit, gold have 900 s; lambda.timeoutSeconds)');
    expect(r.record.error!.message).toContain('lambda.timeoutSeconds is at Lambda\'s maximum (900): split the file into smaller ones');
  });

  it('a transient Lambda error is still retried', async () => {
    const file = await lake.file('h.csv', 'x\n');
    let calls = 0;
    const r = await lake.ingest('events', file, {
      retryIntervalMs: 0,
      wrap: (step, fn) => async (input) => {
        if (step === 'stage' && ++calls < 3) { const e = new Error('Rate exceeded'); e.name = 'Lambda.TooManyRequestsException'; throw e; }
        return fn(input);
      },
    });
    expect(calls).toBe(3);
    expect(r.execution.events.filter((e) => e.type === 'StateRetried' && e.state === 'Stage')).toHaveLength(2);
  });
});

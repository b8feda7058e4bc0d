// Lambda handlers (middy): payload validation, structured logs with run id and dataset, named errors.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import * as stepSchemas from '../functions/lib/schemas.ts';
import { STEP_AJV_OPTIONS } from '../functions/lib/step-ajv.ts';
import * as generatedValidators from '../functions/lib/step-validators.js';
import { STEP_VALIDATORS_FILE, stepValidatorsSource } from './schema-validator-gen.ts';
import { steps } from '../functions/steps.ts';
import { localLambdaContext, logger } from '../functions/lib/step.ts';
import { isTransient, toNamedError } from '../functions/lib/errors.ts';
import { makeLake, ordersSchema, type TestLake } from './helpers/lake.ts';

let lake: TestLake;
beforeAll(async () => { lake = await makeLake({ orders: ordersSchema() }); });
afterAll(() => lake?.cleanup());

describe('step handlers', () => {
  it('reject an invalid payload with Strata.InvalidInput naming the field', async () => {
    const handler = steps.stage.handler(async () => lake.ctx);
    await expect(handler({ dataset: 'Orders!', runId: 'r1' } as never, localLambdaContext('strata-stage')))
      .rejects.toMatchObject({ name: 'Strata.InvalidInput', message: expect.stringMatching(/^step stage received an invalid payload: .*(source|dataset)/) });
  });

  it('have payload schemas that are valid JSON Schema 2020-12, and strict (their validators are generated without checking)', () => {
    const meta = new Ajv2020({ strict: true });
    for (const [name, step] of Object.entries(steps)) {
      expect(meta.validateSchema(step.schema), `${name}: ${JSON.stringify(meta.errors)}`).toBe(true);
      expect(() => meta.compile(step.schema), name).not.toThrow(); // strict mode: no unknown keywords or formats
    }
    expect(meta.validateSchema({ type: 'object', properties: { a: { type: 'nope' } } })).toBe(false);
    expect(() => meta.compile({ type: 'object', propertys: {} })).toThrow(/unknown keyword/);
  });

  it('validate with generated code that is what the generator writes now (else: npm run schema:validator)', () => {
    expect(readFileSync(STEP_VALIDATORS_FILE, 'utf8') === stepValidatorsSource(), 'functions/lib/step-validators.js is stale: run npm run schema:validator').toBe(true);
    expect(stepValidatorsSource({ x: { type: 'object', required: ['y'], properties: { y: { type: 'string' } } } })).not.toBe(readFileSync(STEP_VALIDATORS_FILE, 'utf8'));
    expect(Object.keys(generatedValidators).sort()).toEqual(Object.keys(stepSchemas).sort());
  });

  it('validate, coerce and fill defaults as Ajv compiling the payload schemas at run time does (property)', () => {
    const text = fc.oneof(fc.constantFrom('orders', 'r1', '2025-01-01T00:00:00Z', '', 'Orders!', '1'), fc.string());
    const value = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 2 }), fc.dictionary(text, text, { maxKeys: 2 }));
    const payload = fc.record({
      dataset: value, runId: value, now: value, startedAt: value, table: value, partitions: fc.oneof(fc.array(value, { maxLength: 2 }), value),
      source: fc.oneof(fc.record({ key: value, versionId: value, etag: value, size: value, contentId: value }, { requiredKeys: [] }), value),
      stage: fc.oneof(fc.record({ dataset: value, runId: value, sourceId: value, stageKey: value, source: value }, { requiredKeys: [] }), value),
      error: fc.oneof(fc.record({ Error: value, Cause: value }, { requiredKeys: [] }), value), tables: value, targetMb: value, extra: value,
    }, { requiredKeys: [] });
    for (const [name, schema] of Object.entries(stepSchemas)) {
      const compiled = new Ajv2020(STEP_AJV_OPTIONS).compile(schema);
      const generated = (generatedValidators as unknown as Record<string, typeof compiled>)[name]!;
      fc.assert(fc.property(fc.oneof(payload, fc.anything()), (x) => {
        const [a, b] = [structuredClone(x), structuredClone(x)];
        const outcome = (v: typeof compiled, data: unknown) => [v(data), JSON.stringify(v.errors ?? null)];
        expect([name, ...outcome(generated, a), a]).toEqual([name, ...outcome(compiled, b), b]); // coerced and filled alike
      }), { numRuns: 60 });
    }
  });

  it('name an unknown dataset, and never let an unnamed error out', async () => {
    const handler = steps.register.handler(async () => lake.ctx);
    await expect(handler({ dataset: 'nope' }, localLambdaContext('strata-register')))
      .rejects.toMatchObject({ name: 'Strata.UnknownDataset', message: 'no schema defines dataset "nope" (known: orders)' });
    expect(toNamedError(new TypeError('x is undefined'), 'commit')).toMatchObject({ name: 'Strata.Internal', message: 'commit: x is undefined' });
  });

  it('classify throttling, 5xx and network errors as transient, and nothing else', () => {
    expect(isTransient(Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))).toBe(false);
    expect(isTransient(new Error('bad'))).toBe(false);
  });

  it('log structured JSON lines carrying the step, run id and dataset', async () => {
    const lines: string[] = [];
    // Powertools writes through its own Console on stdout (as in Lambda); listen there.
    const sink = (logger as unknown as { console: Console }).console;
    const spy = vi.spyOn(sink, 'info').mockImplementation((line: unknown) => { lines.push(String(line)); });
    const level = process.env.STRATA_LOG_LEVEL;
    process.env.STRATA_LOG_LEVEL = 'INFO';
    try {
      const handler = steps.register.handler(async () => lake.ctx);
      await handler({ dataset: 'orders', runId: 'r-123' } as never, localLambdaContext('strata-register'));
    } finally {
      process.env.STRATA_LOG_LEVEL = level;
      spy.mockRestore();
    }
    const entries = lines.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(entries).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'step register done', step: 'register', runId: 'r-123', dataset: 'orders', service: 'strata' }));
  });
});

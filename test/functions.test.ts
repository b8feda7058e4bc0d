// Lambda handlers (middy): payload validation, structured logs with run id and dataset, named errors.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
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

  it('have payload schemas that are valid JSON Schema 2020-12, and strict (step.ts compiles them without checking)', () => {
    const meta = new Ajv2020({ strict: true });
    for (const [name, step] of Object.entries(steps)) {
      expect(meta.validateSchema(step.schema), `${name}: ${JSON.stringify(meta.errors)}`).toBe(true);
      expect(() => meta.compile(step.schema), name).not.toThrow(); // strict mode: no unknown keywords or formats
    }
    expect(meta.validateSchema({ type: 'object', properties: { a: { type: 'nope' } } })).toBe(false);
    expect(() => meta.compile({ type: 'object', propertys: {} })).toThrow(/unknown keyword/);
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

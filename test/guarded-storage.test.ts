// Each step of a local run uses the lake as its function's role may in AWS (runtime/storage/guarded.ts): the S3 grants
// of core/plan/access.ts, checked call by call. Before it, the record step read the manifests of what a run changed and
// the halt and reject steps read the bronze object again, all without a grant: every deployed run would have failed in
// its record step, and every halt in AWS would have ended FAILED with its rows in neither silver nor quarantine.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessStatement } from '../core/plan/access.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { guardStorage } from '../runtime/storage/guarded.ts';
import { stepContext } from '../workflows/local.ts';
import { steps } from '../functions/steps.ts';
import { defineStep } from '../functions/lib/step.ts';
import { datasetSchema } from '../functions/lib/schemas.ts';
import { registerSilver } from '../runtime/pipeline/register.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const dirs: string[] = [];
let lake: TestLake | undefined;
afterEach(async () => {
  await lake?.cleanup();
  lake = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const GRANTS: AccessStatement[] = [
  { sid: 'LakeRead', actions: ['s3:GetObject'], resources: [{ kind: 's3-object', location: 'lake', prefix: 'silver/a/' }, { kind: 's3-object', location: 'lake', prefix: 'silver/m.json' }] },
  { sid: 'LakeWrite', actions: ['s3:PutObject'], resources: [{ kind: 's3-object', location: 'lake', prefix: 'staging/a/' }] },
  { sid: 'LakeList', actions: ['s3:ListBucket'], resources: [{ kind: 's3-listing', location: 'lake', prefix: 'silver/' }] },
  { sid: 'BronzeRead', actions: ['s3:GetObject'], resources: [{ kind: 's3-object', location: 'bronze', prefix: 'bronze/a/' }] },
];

describe('a step\'s storage as its role may use it', () => {
  it('allows what the grants name, by prefix or exact key, and refuses anything else as AccessDenied', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-guard-'));
    dirs.push(dir);
    const inner = new LocalStorage(dir);
    for (const k of ['silver/a/x', 'silver/b/x', 'silver/m.json', 'silver/m.json2', 'bronze/a/f.csv', 'bronze/b/f.csv']) await inner.writeText(k, k);
    const s = guardStorage(inner, GRANTS, 'the test step of a');
    expect(await s.readText('silver/a/x')).toBe('silver/a/x');
    expect(await s.readText('silver/m.json')).toBe('silver/m.json');
    expect(await s.readText('bronze/a/f.csv')).toBe('bronze/a/f.csv');
    await s.writeText('staging/a/y', 'y');
    expect((await s.list('silver/b/')).map((o) => o.key)).toEqual(['silver/b/x']);
    // A read the role may not make of an object that does not exist, under a prefix it may list, is a miss (as the S3
    // adapter settles the 403 with a listing); of one that exists, a denial.
    expect(await s.readText('silver/b/none')).toBeUndefined();
    await expect(s.readText('silver/b/x')).rejects.toThrow(/AccessDenied: the test step of a may not s3:GetObject silver\/b\/x/);
    await expect(s.readText('silver/m.json2')).rejects.toThrow(/s3:GetObject silver\/m\.json2/); // an exact key is not a prefix
    await expect(s.readText('bronze/b/f.csv')).rejects.toThrow(/s3:GetObject bronze\/b\/f\.csv/);
    await expect(s.readText('quarantine/a/none')).rejects.toThrow(/s3:GetObject quarantine\/a\/none/); // not listable either
    await expect(s.writeText('silver/a/z', 'z')).rejects.toThrow(/s3:PutObject silver\/a\/z/);
    await expect(s.delete(['staging/a/y'])).rejects.toThrow(/s3:DeleteObject staging\/a\/y/);
    await expect(s.list('staging/')).rejects.toThrow(/s3:ListBucket staging\//);
    await expect(s.copy('silver/a/x', 'staging/b/x')).rejects.toThrow(/s3:PutObject staging\/b\/x/);
    await expect(s.withLocalFiles(['silver/a/x', 'silver/b/x'], async () => 1)).rejects.toThrow(/s3:GetObject silver\/b\/x/);
    await expect(s.writeTree('staging/', async () => undefined)).resolves.toBeDefined(); // nothing written, nothing to check
  });

  it('a folder written or deleted whole is checked key by key unless one grant covers the folder: unlisted writes and deletes are refused as before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-guard-'));
    dirs.push(dir);
    const inner = new LocalStorage(dir);
    const grants: AccessStatement[] = [
      { sid: 'Put', actions: ['s3:PutObject', 's3:DeleteObject'], resources: [{ kind: 's3-object', location: 'lake', prefix: 'staging/a/' }, { kind: 's3-object', location: 'lake', prefix: 'staging/k/one' }] },
      { sid: 'List', actions: ['s3:ListBucket'], resources: [{ kind: 's3-listing', location: 'lake', prefix: 'staging/' }] },
    ];
    const s = guardStorage(inner, grants, 'the test step');
    const write = (names: string[]) => async (d: string) => { for (const n of names) { await mkdir(dirname(join(d, n)), { recursive: true }); await writeFile(join(d, n), n); } };
    // Covered by the folder's grant: neither listed nor refused, with or without the listing the caller asks for.
    expect((await s.writeTree('staging/a/r1', write(['x/1', 'y/2']), { list: false })).written).toBeUndefined();
    expect((await s.writeTree('staging/a/r2', write(['x/1']))).written!.map((o) => o.key)).toEqual(['staging/a/r2/x/1']);
    await s.deletePrefix('staging/a/');
    expect(await inner.listKeys('staging/a/')).toEqual([]);
    // Not covered by one grant: each key is looked at, listed by the guard itself when the caller did not ask.
    await s.writeTree('staging/k/', write(['one']), { list: false }); // the one key granted
    await expect(s.writeTree('staging/k/', write(['two']), { list: false })).rejects.toThrow(/s3:PutObject staging\/k\/one|s3:PutObject staging\/k\/two/);
    await expect(s.writeTree('staging/k/', write(['three']))).rejects.toThrow(/AccessDenied/);
    await expect(s.deletePrefix('staging/k/')).rejects.toThrow(/s3:DeleteObject staging\/k\/(three|two)/);
    expect(await inner.listKeys('staging/k/')).toEqual(['staging/k/one', 'staging/k/three', 'staging/k/two']); // nothing deleted
    await inner.delete(['staging/k/two', 'staging/k/three']);
    await s.deletePrefix('staging/k/'); // every key in it granted one by one
    expect(await inner.listKeys('staging/')).toEqual([]);
  });

  it('a halt through the real state machine runs with the halt function\'s grants: it reads the bronze object again and quarantines every row with its position', async () => {
    const gate = `quality:\n  silver:\n    halt: ['ColumnValues "amount" <= 15']\n`;
    lake = await makeLake({ orders: ordersSchema({ mode: 'append', extra: gate }) });
    const file = await lake.file('b.csv', `${ORDERS_HEADER}\n1,a,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,b,NEW,20.00,Jun 12 2025,2025-06-12T10:00:00Z\n`);
    const r = await lake.ingest('orders', file);
    expect(r.record).toMatchObject({ status: 'HALTED', rowsIn: 2, rowsQuarantined: 2 });
    const q = await lake.query<{ record: number; line: number }>('SELECT record, line FROM quarantine.orders ORDER BY record');
    expect(q).toEqual([{ record: 1, line: 2 }, { record: 2, line: 3 }]);
    // Every step of a local run gets such a storage: the record step may write run records, not silver.
    const record = stepContext(lake.ctx, 'orders', 'record').storage;
    await record.writeText(`_strata/runs/orders/x.json`, '{}');
    await expect(record.writeText('silver/orders/x', 'x')).rejects.toThrow(/AccessDenied: the record step of orders may not s3:PutObject silver\/orders\/x/);
  });

  it('a denial the step catches and goes on from still fails the step: in AWS that call would have failed, and the step gone another way than here', async () => {
    lake = await makeLake({ orders: ordersSchema({ mode: 'append' }) });
    const file = await lake.file('a.csv', `${ORDERS_HEADER}\n1,a,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`);
    const real = steps.register;
    // A register step that reads, best effort, what its role may not read (as a swallowed re-read would).
    (steps as Record<string, unknown>).register = defineStep('register', datasetSchema, async (ctx, input: { dataset: string }) => {
      const peek = await ctx.storage.readText('bronze/customers/x.csv').catch(() => undefined);
      return { ...(await registerSilver(ctx, input)), peek };
    });
    try {
      const r = await lake.ingest('orders', file);
      expect(r.record.status).toBe('FAILED');
      expect(r.record.error?.message).toMatch(/AccessDenied: the register step of orders may not s3:GetObject bronze\/customers\/x\.csv/);
    } finally {
      (steps as Record<string, unknown>).register = real;
    }
    // The same step without the read succeeds: it is the denial that failed it.
    const again = await lake.ingest('orders', await lake.file('b.csv', `${ORDERS_HEADER}\n2,a,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`));
    expect(again.record.status).toBe('SUCCEEDED');
  });
});

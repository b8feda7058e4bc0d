// A manifest PUT whose first attempt landed but whose answer was lost (an attack, stop 49). The SDK sends the PUT again
// with the same If-Match; S3 answers 412, the ETag having moved on to our own write. S3Storage.putIfMatch took that for
// a lost swap, and commitTable's next round found its own source committed ('already') and deleted the version folders
// its own committed manifest names: the run SUCCEEDED with its partition's files gone. Two layers, each tested: the
// adapter knows its own retried write (the real S3Client's retry, over a stand-in HTTP handler), and commitTable never
// deletes a folder the current manifest names (through the real state machine, the swap answered 412 after landing).
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { HttpResponse } from '@smithy/core/protocols';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunInput } from '../runtime/pipeline/payloads.ts';
import { S3Storage } from '../runtime/storage/s3.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { renderAsl } from '../workflows/asl.ts';
import { executeLocal } from '../workflows/local.ts';
import { AWS_CREDS, awsStage } from './helpers/aws-stage.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

describe('the real SDK retries a conditional PUT whose answer was lost', () => {
  it('putIfMatch reports success when the object now holds exactly what it wrote', async () => {
    // A one-object S3 behind a real S3Client (no mock of send): the first PUT is stored, then the connection resets.
    let stored: { body: string; etag: string } = { body: 'v1', etag: 'e1' };
    let calls = 0;
    const reply = (statusCode: number, headers: Record<string, string>, body = '') =>
      ({ response: new HttpResponse({ statusCode, headers, body: Readable.from([Buffer.from(body)]) }) });
    const client = new S3Client({
      ...AWS_CREDS,
      requestHandler: {
        handle: async (req: { method: string; headers: Record<string, string>; body?: unknown; path: string }) => {
          if (req.method === 'PUT' && req.path.includes('conditional-write-probe')) {
            // The probe: a fresh key (200), then both conflicting conditions refused (412).
            calls++;
            return calls === 1 ? reply(200, { etag: '"p1"' }) : reply(412, {}, '<Error><Code>PreconditionFailed</Code><Message>x</Message></Error>');
          }
          if (req.method === 'DELETE' && req.path.includes('conditional-write-probe')) {
            return reply(412, {}, '<Error><Code>PreconditionFailed</Code><Message>x</Message></Error>'); // the probe's DELETE on another ETag
          }
          if (req.method === 'POST') return reply(200, {}, '<DeleteResult></DeleteResult>'); // probe cleanup
          if (req.method === 'PUT') {
            const ifMatch = req.headers['if-match'];
            if (ifMatch !== `"${stored.etag}"`) return reply(412, {}, '<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>');
            const chunks: Buffer[] = [];
            for await (const c of req.body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(c));
            stored = { body: Buffer.concat(chunks).toString(), etag: 'e2' };
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }); // the write landed; its answer did not
          }
          if (req.method === 'HEAD' || req.method === 'GET') return reply(200, { etag: `"${stored.etag}"`, 'content-length': String(stored.body.length) }, req.method === 'GET' ? stored.body : '');
          throw new Error(`unexpected ${req.method} ${req.path}`);
        },
      },
    });
    const storage = new S3Storage({ client, locations: { bronze: { bucket: 'raw', prefix: '' }, lake: { bucket: 'lake', prefix: '' } } });
    const r = await storage.putIfMatch('silver/t/_strata/manifest.json', 'v2 by run A', 'e1');
    expect(stored.body).toBe('v2 by run A'); // our write is the current object…
    // …so the swap succeeded. Today: { ok: false, currentEtag: 'e2' } (the SDK retried the PUT and got 412).
    expect(r).toEqual({ ok: true, etag: 'e2' });
  });

  it('a swap throttled at its first attempt (503: nothing stored) and refused at its retry is lost, though another writer stored the same text (an attack on this stop\'s fix, stop 49)', async () => {
    let stored = { body: 'v1', etag: 'e1' };
    let puts = 0;
    const reply = (statusCode: number, headers: Record<string, string>, body = '') =>
      ({ response: new HttpResponse({ statusCode, headers, body: Readable.from([Buffer.from(body)]) }) });
    const fail412 = () => reply(412, {}, '<Error><Code>PreconditionFailed</Code><Message>x</Message></Error>');
    let probe = 0;
    const client = new S3Client({
      region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      requestHandler: {
        handle: async (req: { method: string; headers: Record<string, string>; body?: unknown; path: string }) => {
          if (req.path.includes('conditional-write-probe')) {
            if (req.method === 'PUT') return ++probe === 1 ? reply(200, { etag: '"p1"' }) : fail412();
            if (req.method === 'DELETE') return fail412();
          }
          if (req.method === 'POST') return reply(200, {}, '<DeleteResult></DeleteResult>');
          if (req.method === 'PUT') {
            if (++puts === 1) {
              // Refused, nothing stored; meanwhile another writer swaps in the same text (e.g. two concurrent
              // doctor --repair restoring the same history copy, or two creators of the same empty manifest).
              stored = { body: 'same text', etag: 'e-other' };
              return reply(503, {}, '<Error><Code>SlowDown</Code><Message>Reduce your request rate</Message></Error>');
            }
            if (req.headers['if-match'] !== `"${stored.etag}"`) return fail412();
            stored = { body: 'same text', etag: 'e-mine' };
            return reply(200, { etag: '"e-mine"' });
          }
          if (req.method === 'HEAD' || req.method === 'GET') return reply(200, { etag: `"${stored.etag}"`, 'content-length': String(stored.body.length) }, req.method === 'GET' ? stored.body : '');
          throw new Error(`unexpected ${req.method} ${req.path}`);
        },
      },
    });
    const storage = new S3Storage({ client, locations: { bronze: { bucket: 'raw', prefix: '' }, lake: { bucket: 'lake', prefix: '' } } });
    const r = await storage.putIfMatch('silver/t/_strata/manifest.json', 'same text', 'e1');
    expect(stored.etag).toBe('e-other'); // the other writer's swap is the one that landed
    expect(r).toEqual({ ok: false, currentEtag: 'e-other' });
  });
});

/** An append dataset: a row ingested twice would be in silver twice. */
const EVENTS = 'dataset: events\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint, required: true }\n  - { name: what, type: string }\nmode: append\n';

describe('commitTable after a swap that landed but was reported lost', () => {
  let lake: TestLake;
  const { s3, s3Mock, storage, catalog, start, restore } = awsStage();

  beforeAll(async () => { lake = await makeLake({ events: EVENTS }); });
  afterAll(async () => { await lake?.cleanup(); restore(); });

  async function upload(name: string, csv: string): Promise<RunInput> {
    const key = `in/bronze/events/${name}`;
    const { etag, versionId } = s3.put('raw', key, Buffer.from(csv));
    const input = await start({
      'detail-type': 'Object Created', source: 'aws.s3', time: '2025-06-16T08:00:00Z',
      detail: { bucket: { name: 'raw' }, object: { key, size: csv.length, etag, 'version-id': versionId } },
    });
    await executeLocal(renderAsl(lake.ctx.plans.get('events'), { goldTables: [] }), input, { ctx: { ...lake.ctx, storage, catalog }, name: input.runId });
    return input;
  }

  it('keeps the files its committed manifest names', async () => {
    await upload('a.csv', 'id,what\n1,first\n');
    // From now on, the next manifest swap (a PUT with If-Match) lands and then answers 412, as the SDK's retry of
    // that PUT does when its first answer was lost (see the test above).
    const manifestKey = 'dev/silver/events/_strata/manifest.json';
    let tripped = false;
    s3Mock.on(PutObjectCommand, { Bucket: 'lake', Key: manifestKey }).callsFake(async (i) => {
      const cur = s3.bucket('lake').get(manifestKey);
      const fail = () => new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'x' });
      if (i.IfNoneMatch === '*' && cur) throw fail();
      if (i.IfMatch !== undefined && i.IfMatch !== `"${cur?.etag}"`) throw fail();
      const w = s3.put('lake', manifestKey, Buffer.from(i.Body));
      if (i.IfMatch !== undefined && !tripped) { tripped = true; throw fail(); }
      return { ETag: `"${w.etag}"` };
    });
    const input = await upload('b.csv', 'id,what\n2,second\n');
    expect(tripped).toBe(true);

    const m = JSON.parse((await storage.readText('silver/events/_strata/manifest.json'))!) as TableManifest;
    const record = JSON.parse((await storage.readText(`_strata/runs/events/${input.runId}.json`))!);
    const files = Object.values(m.partitions).flatMap((p) => p.files);
    const missing = files.filter((f) => !s3.bucket('lake').has(`dev/${f}`));
    // The manifest is run B's, names files under B's version folder… which the run then deleted.
    expect({ status: record.status, committedBy: record.committedBy, missing }).toEqual({ status: 'SUCCEEDED', committedBy: undefined, missing: [] });
  });
});

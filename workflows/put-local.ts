// strata put, locally: what Kinesis Data Firehose does for a streamed dataset in AWS. Records (JSON, one per line)
// are buffered and written to bronze as gzipped objects when the dataset's buffering hints say so — the first of
// stream.buffer.megabytes (MiB of incoming data) or stream.buffer.seconds since the oldest buffered record arrived —
// named as Firehose names them (core/plan/stream.ts) and kept as local bronze keeps every object:
// bronze/<dataset>/_objects/<content id>/yyyy/MM/dd/HH/<stream>-1-yyyy-MM-dd-HH-mm-ss-<uuid>.gz. Each object then
// runs through the dataset's state machine like any upload, before `put` goes on: when it returns, what it read is in
// silver (or in quarantine, with the line).
//
// Firehose does not look into records; neither does this: it moves bytes and cuts them at newlines (a byte search per
// chunk read, never a loop over rows). Validation is the pipeline's job.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ERRORS, StrataError } from '../core/errors.ts';
import { physicalNames } from '../core/naming.ts';
import { layout } from '../core/plan/layout.ts';
import { MIB, streamObjectKey } from '../core/plan/stream.ts';
import { ingestKey, keepBronzeObject, type IngestOptions, type IngestResult } from './ingest-local.ts';
import { fault } from '../runtime/util/fault.ts';
import { startsGzip } from '../runtime/ingest/file-head.ts';
import type { LocalLake } from './lake.ts';

/** The delivery stream a local lake stands in for: strata-local-<dataset>, as stage "local" would name it. */
export const localStreamName = (dataset: string): string => physicalNames({ app: 'strata', stage: 'local' }).deliveryStream(dataset);

export interface PutOptions {
  ingest?: IngestOptions;
  /** The arrival clock (tests). */
  clock?: () => Date;
  /** Called once an object is in bronze, before its run (bytes: before compression). */
  written?: (key: string, bytes: number) => void;
  /** Called when an object's run has ended. */
  ingested?: (result: IngestResult) => void;
  /** What the records are read from, for messages ("recs.jsonl", "stdin"). */
  source?: string;
  /**
   * Stop reading when this aborts (strata put on SIGINT or SIGTERM): what was read goes to bronze and through the
   * pipeline as at the end of the input, a last record without its newline included; then putRecords returns.
   */
  signal?: AbortSignal;
}

export interface PutObject {
  key: string;
  /** Bytes of records before compression. */
  bytes: number;
  result: IngestResult;
}

const NEWLINE = 0x0a;

/**
 * Read `input` to its end, writing an object each time the buffer is full or its oldest record has waited long
 * enough, and a last one at the end; each object is ingested before the next is written (in order of arrival).
 * A last record without its newline is ended with one. Throws Strata.InvalidInput for a dataset without `stream:`.
 */
export async function putRecords(lake: LocalLake, dataset: string, input: AsyncIterable<Buffer | string>, opts: PutOptions = {}): Promise<PutObject[]> {
  const plan = lake.ctx.plans.get(dataset);
  if (!plan.stream) {
    throw new StrataError(ERRORS.InvalidInput, `dataset ${dataset} declares no stream: add stream: { buffer: { seconds: 60, megabytes: 64 } } to its schema, or use strata ingest`);
  }
  const limit = plan.stream.buffer.megabytes * MIB;
  const waitMs = plan.stream.buffer.seconds * 1000;
  const clock = opts.clock ?? (() => new Date());
  const stream = localStreamName(dataset);
  const tmp = await mkdtemp(join(tmpdir(), 'strata-put-'));
  const objects: PutObject[] = [];

  let buffered: Buffer[] = [];
  let size = 0;
  let oldest: Date | undefined;
  let partial = Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  // Objects are written and ingested one after the other, in the order they were cut.
  let queue: Promise<void> = Promise.resolve();
  let failed: unknown;

  const deliver = (chunks: Buffer[], since: Date) => {
    queue = queue.then(async () => {
      const bytes = Buffer.concat(chunks);
      // Firehose's key under the dataset's prefix, kept as a local bronze object (as strata ingest and strata dev keep
      // theirs): strata dev, if it runs, leaves it to this run instead of ingesting it a second time under another key.
      const name = streamObjectKey(dataset, stream, since, randomUUID()).slice(layout.bronze(dataset).length);
      const file = join(tmp, 'object.gz');
      await writeFile(file, gzipSync(bytes));
      const { key, contentId } = await keepBronzeObject(lake, dataset, file, name);
      fault('bronze.copied');
      opts.written?.(key, bytes.length);
      const result = await ingestKey(lake, dataset, key, { ...opts.ingest, contentId });
      objects.push({ key, bytes: bytes.length, result });
      opts.ingested?.(result);
    }).catch((e) => { failed ??= e; });
  };
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!size) return;
    deliver(buffered, oldest!);
    buffered = [];
    size = 0;
    oldest = undefined;
  };
  /** Whole records (ending in a newline) join the buffer; it is cut at the record that fills it. */
  const add = (complete: Buffer) => {
    let rest = complete;
    while (rest.length) {
      if (!size) {
        oldest = clock();
        timer = setTimeout(flush, waitMs);
      }
      const room = limit - size;
      // The first record end at or after the point where the buffer is full: that record closes the object.
      const end = rest.length >= room ? rest.indexOf(NEWLINE, Math.max(0, room - 1)) + 1 : rest.length;
      const take = end > 0 ? rest.subarray(0, end) : rest;
      buffered.push(take);
      size += take.length;
      rest = rest.subarray(take.length);
      if (size >= limit) flush();
    }
  };

  // A stop ends the reading as the input's end would: records held in the buffer are never dropped (an attack, stop
  // 49: Ctrl-C, or a supervisor's SIGTERM, on `producer | strata put` lost up to a buffer of records without a word).
  const stopped = new Promise<'stop'>((resolve) => {
    if (opts.signal?.aborted) resolve('stop');
    opts.signal?.addEventListener('abort', () => resolve('stop'), { once: true });
  });
  const chunks = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), stopped]);
      if (next === 'stop') {
        // Not awaited (a read may be pending); a stream (stdin) is destroyed, or its open handle keeps the process.
        void chunks.return?.()?.catch(() => undefined);
        (input as { destroy?: () => void }).destroy?.();
        break;
      }
      if (next.done) break;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      if (failed) break;
      // Records arrive as text (Firehose gzips them itself): compressed input would be gzipped again, and every line
      // of it quarantined as invalid text naming the bronze object (an attack, stop 49). Refused before anything is
      // written, by the input's first two bytes, however the pipe hands them over (one byte at a time: a second attack).
      if (head.length < 2) {
        head = Buffer.concat([head, chunk]).subarray(0, 2);
        if (startsGzip(head)) {
          throw new StrataError(ERRORS.InvalidInput, `${opts.source ?? 'the input'} is gzip-compressed: strata put reads JSON records as text, one per line (it compresses the objects it writes itself). `
            + `Decompress it on the way in (gunzip -c <file> | strata put ${dataset}), or ingest the file as it is with strata ingest ${dataset} <file>`);
        }
      }
      const data = Buffer.concat([partial, chunk]);
      const last = data.lastIndexOf(NEWLINE);
      partial = data.subarray(last + 1);
      if (last >= 0) add(data.subarray(0, last + 1));
    }
    if (partial.length && !failed) add(Buffer.concat([partial, Buffer.from('\n')]));
    flush();
    await queue;
    if (failed) throw failed;
    return objects;
  } finally {
    if (timer) clearTimeout(timer);
    await rm(tmp, { recursive: true, force: true });
  }
}

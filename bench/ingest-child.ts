// One strata ingest in a fresh process (bench): prints {ms, totalMs, maxRssMB, rows}.
//   ms: bronze → silver, the object already in bronze with its content id known (as an S3 event carries its ETag);
//   totalMs: what `strata ingest <file>` costs end to end, copying (and hashing) the file into bronze first.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLocalLake } from '../workflows/lake.ts';
import { ingestKey } from '../workflows/ingest-local.ts';
import { FLIGHTS_SCHEMA } from './lib.ts';

const [file, dir] = process.argv.slice(2) as [string, string];
await mkdir(join(dir, 'schemas'), { recursive: true });
await writeFile(join(dir, 'schemas', 'flights_bench.yaml'), FLIGHTS_SCHEMA);
const lake = await openLocalLake({ lake: join(dir, 'lake'), schemas: join(dir, 'schemas') });
const t0 = performance.now();
const { contentId } = await lake.storage.putFileHashed('bronze/flights_bench/flights.csv', file);
const t1 = performance.now();
const { record } = await ingestKey(lake, 'flights_bench', 'bronze/flights_bench/flights.csv', { contentId });
const t2 = performance.now();
if (record.status !== 'SUCCEEDED') throw new Error(`bench ingest ${record.status}: ${record.error?.message}`);
process.stdout.write(`${JSON.stringify({ ms: t2 - t1, totalMs: t2 - t0, rows: record.rowsValid, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);

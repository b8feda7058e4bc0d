// The baseline strata replaces: a JavaScript row loop that validates each record and writes Parquet with
// parquetjs-lite (the pure-JS writer often found in Lambdas). Measured on a slice; rows/s scale linearly.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const parquet = require('parquetjs-lite') as {
  ParquetSchema: new (s: object) => unknown;
  ParquetWriter: { openFile: (schema: unknown, path: string, opts?: object) => Promise<{ appendRow: (r: object) => Promise<void>; close: () => Promise<void> }> };
};

export async function jsRowLoop(csvFile: string, outDir: string, limit: number): Promise<{ ms: number; rows: number; rejected: number }> {
  const schema = new parquet.ParquetSchema({
    date: { type: 'TIMESTAMP_MILLIS', compression: 'SNAPPY' },
    delay: { type: 'INT32', optional: true, compression: 'SNAPPY' },
    distance: { type: 'INT32', optional: true, compression: 'SNAPPY' },
    origin: { type: 'UTF8', compression: 'SNAPPY' },
    destination: { type: 'UTF8', compression: 'SNAPPY' },
  });
  const t = performance.now();
  const writers = new Map<string, Awaited<ReturnType<typeof parquet.ParquetWriter.openFile>>>();
  let rows = 0;
  let rejected = 0;
  let header = true;
  const code = /^[A-Z0-9]{3}$/;
  for await (const line of createInterface({ input: createReadStream(csvFile), crlfDelay: Infinity })) {
    if (header) { header = false; continue; }
    if (rows + rejected >= limit) break;
    const [d, delay, distance, origin, destination] = line.split(',');
    const date = new Date(`${d!.replace(' ', 'T')}Z`);
    const dl = delay === '' ? null : Number(delay);
    const ds = distance === '' ? null : Number(distance);
    if (Number.isNaN(date.getTime()) || (dl !== null && !Number.isInteger(dl)) || (ds !== null && (!Number.isInteger(ds) || ds < 0))
      || !code.test(origin ?? '') || !code.test(destination ?? '')) { rejected++; continue; }
    const dt = d!.slice(0, 10);
    let w = writers.get(dt);
    if (!w) {
      w = await parquet.ParquetWriter.openFile(schema, join(outDir, `dt=${dt}.parquet`), { rowGroupSize: 8192 });
      writers.set(dt, w);
    }
    await w.appendRow({ date, delay: dl, distance: ds, origin, destination });
    rows++;
  }
  for (const w of writers.values()) await w.close();
  return { ms: performance.now() - t, rows, rejected };
}

// Streaming ingestion: the schema key, the keys Firehose gives objects (and that the trigger routes like uploads),
// and `strata put`, which buffers records into those objects locally and ingests each through the state machine.
import { spawn } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { checkProject, checkProjectAsync } from '../core/project.ts';
import { compile } from '../core/plan/compile.ts';
import { streamObjectKey } from '../core/plan/stream.ts';
import { createTriggerHandler, routeKey, triggerConfigFromEnv } from '../functions/trigger.ts';
import { localLambdaContext } from '../functions/lib/step.ts';
import { putRecords } from '../workflows/put-local.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

const CLICKS = (extra = '', source = '{ format: jsonl }') => `dataset: clicks
source: ${source}
columns:
  - { name: click_id, type: bigint, required: true }
  - { name: page, type: string, required: true }
  - { name: at, type: timestamp, required: true }
partitionBy:
  - { name: dt, column: at, transform: day }
${extra}`;

const check = (text: string) => checkProject([{ file: 'clicks.yaml', text }]).diagnostics.map(formatDiagnostic);

describe('the stream: key', () => {
  it('defaults to direct PUT with a 60 s / 64 MiB buffer, and compiles into the plan', () => {
    const p = checkProject([{ file: 'clicks.yaml', text: CLICKS('stream: {}\n') }]);
    expect(p.diagnostics).toEqual([]);
    expect(compile(p.schemas[0]!.spec).stream).toEqual({ buffer: { seconds: 60, megabytes: 64 }, source: 'direct' });
    const k = checkProject([{ file: 'clicks.yaml', text: CLICKS('stream: { source: kinesis, buffer: { seconds: 900, megabytes: 1 } }\n') }]);
    expect(compile(k.schemas[0]!.spec).stream).toEqual({ buffer: { seconds: 900, megabytes: 1 }, source: 'kinesis' });
  });

  it('refuses a streamed dataset that could not read what Firehose writes, naming the key and the fix', () => {
    expect(check(CLICKS('stream: {}\n', '{ format: csv }'))).toEqual([
      'clicks.yaml:2:19: dataset streams records (stream:), which arrive as JSON lines; source.format csv cannot read them (fix: set source.format: jsonl (one JSON object per line))',
    ]);
    expect(check(CLICKS('stream: {}\n', '{ format: jsonl, compression: zstd }'))).toEqual([
      'clicks.yaml:2:39: dataset streams records (stream:), which arrive gzipped (.gz); source.compression zstd cannot read them (fix: set source.compression: auto (or gzip))',
    ]);
    expect(check(CLICKS('stream: {}\n', '{ format: jsonl, compression: gzip }'))).toEqual([]);
  });

  it('keeps buffer hints within Firehose\'s ranges for S3 (0..900 s, 1..128 MiB)', () => {
    expect(check(CLICKS('stream: { buffer: { seconds: 901 } }\n'))).toEqual(['clicks.yaml:9:30: stream.buffer.seconds must be <= 900 (fix: change the value)']);
    expect(check(CLICKS('stream: { buffer: { megabytes: 0 } }\n'))).toEqual(['clicks.yaml:9:32: stream.buffer.megabytes must be >= 1 (fix: change the value)']);
    expect(check(CLICKS('stream: { source: firehose }\n'))).toEqual(['clicks.yaml:9:19: stream.source must be one of direct | kinesis (fix: use one of direct, kinesis)']);
  });
});

describe('the compaction: key', () => {
  it('has defaults, checks sortBy against the columns and the schedule against what EventBridge Scheduler accepts', () => {
    const p = checkProject([{ file: 'clicks.yaml', text: CLICKS('compaction: {}\n') }]);
    expect(compile(p.schemas[0]!.spec).compaction).toEqual({ minFiles: 32, targetMb: 128, sortBy: [], schedule: 'rate(1 hour)' });
    expect(check(CLICKS('compaction: { sortBy: [pages] }\n'))).toEqual(['clicks.yaml:9:24: compaction.sortBy names "pages", which is not a column (fix: did you mean "page"?)']);
    expect(check(CLICKS('compaction: { sortBy: [page, page] }\n'))).toEqual(['clicks.yaml:9:30: compaction.sortBy lists "page" twice (fix: list each column once)']);
    expect(check(CLICKS('compaction: { schedule: rate(1 hours) }\n'))).toEqual(['clicks.yaml:9:25: compaction.schedule "rate(1 hours)" must say hour for a value of 1 (fix: write e.g. rate(1 hour), rate(30 minutes) or cron(15 * * * ? *))']);
    expect(check(CLICKS('compaction: { schedule: "cron(0 3 * * ?)" }\n'))[0]).toMatch(/needs six cron fields/);
    expect(check(CLICKS('compaction: { schedule: every hour }\n'))[0]).toMatch(/is not a rate\(\.\.\.\) or cron\(\.\.\.\) expression/);
    expect(check(CLICKS('compaction: { schedule: rate(15 minutes), minFiles: 8, targetMb: 256 }\n'))).toEqual([]);
    expect(check(CLICKS('compaction: { minFiles: 1 }\n'))).toEqual(['clicks.yaml:9:25: compaction.minFiles must be >= 2 (fix: change the value)']);
  });

  it('checks a gold table\'s sortBy against the columns its SQL produces', async () => {
    const gold = (sortBy: string) => CLICKS(`gold:
  - table: page_views
    sql: SELECT page, COUNT(*) AS views FROM silver.clicks GROUP BY 1
    refresh: full
    compaction: { sortBy: [${sortBy}] }
`);
    expect((await checkProjectAsync([{ file: 'clicks.yaml', text: gold('views') }])).diagnostics).toEqual([]);
    expect((await checkProjectAsync([{ file: 'clicks.yaml', text: gold('view') }])).diagnostics.map(formatDiagnostic))
      .toEqual(['clicks.yaml:13:28: gold table page_views: compaction.sortBy names "view", which is not a column (fix: did you mean "views"?)']);
  });
});

describe('Firehose object keys', () => {
  // Firehose's documented suffix: <stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><extension>, after our
  // prefix bronze/<dataset>/ and the hour of the oldest record.
  const UUID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

  it('are bronze/<dataset>/yyyy/MM/dd/HH/<stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid>.gz, in UTC', () => {
    expect(streamObjectKey('clicks', 'strata-dev-clicks', new Date('2025-06-15T07:04:05.678+02:00'), UUID))
      .toBe(`bronze/clicks/2025/06/15/05/strata-dev-clicks-1-2025-06-15-05-04-05-${UUID}.gz`);
    expect(streamObjectKey('clicks', 'strata-dev-clicks', new Date('2025-12-31T23:59:59Z'), UUID, 3))
      .toBe(`bronze/clicks/2025/12/31/23/strata-dev-clicks-3-2025-12-31-23-59-59-${UUID}.gz`);
  });

  it('route to the dataset like an upload, and the trigger starts its state machine with the object as the source', async () => {
    const key = `bronze/clicks/2025/06/15/05/strata-dev-clicks-1-2025-06-15-05-04-05-${UUID}.gz`;
    const config = triggerConfigFromEnv({ STRATA_APP: 'strata', STRATA_STAGE: 'dev', STRATA_BRONZE_BUCKET: 'raw' }, 'arn:aws:lambda:eu-west-1:111122223333:function:strata-dev-trigger');
    expect(routeKey(config, key)).toEqual({ dataset: 'clicks', lakeKey: key });
    const creds = { region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };
    const sfn = new SFNClient(creds);
    const s3 = new S3Client(creds);
    const sfnMock = mockClient(sfn);
    const s3Mock = mockClient(s3);
    try {
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
      const handler = createTriggerHandler({ sfn, s3, config });
      const out = await handler({
        source: 'aws.s3', 'detail-type': 'Object Created', time: '2025-06-15T05:05:10Z',
        detail: { bucket: { name: 'raw' }, object: { key, size: 812, etag: 'a1b2', 'version-id': 'v7', sequencer: '01' } },
      }, localLambdaContext('strata-dev-trigger'));
      expect(out.started).toHaveLength(1);
      const sent = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
      expect(sent.stateMachineArn).toBe('arn:aws:states:eu-west-1:111122223333:stateMachine:strata-dev-clicks');
      expect(JSON.parse(sent.input!)).toMatchObject({ dataset: 'clicks', source: { key, versionId: 'v7', etag: 'a1b2', size: 812 } });
      // Letters, digits, - / . only: the key is the same encoded or not, so S3 was never asked which reading it is.
      expect(s3Mock.calls()).toHaveLength(0);
    } finally {
      sfnMock.restore();
      s3Mock.restore();
    }
  });
});

describe('strata put', () => {
  const lakes: TestLake[] = [];
  afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });
  const lake = async (extra: string) => {
    const l = await makeLake({ clicks: CLICKS(extra) });
    lakes.push(l);
    return l;
  };
  const record = (i: number, day = 15) => `${JSON.stringify({ click_id: i, page: `/p/${i % 13}`, at: `2025-06-${day}T10:${String(i % 60).padStart(2, '0')}:00Z` })}\n`;
  async function* chunks(text: string, size: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < text.length; i += size) yield Buffer.from(text.slice(i, i + size));
  }

  it('buffers records into gzipped objects of at most the buffer size (whole records), named as Firehose names them, and leaves them in silver', async () => {
    const l = await lake('stream: { buffer: { seconds: 900, megabytes: 1 } }\n');
    // 40,000 records of 56-60 bytes (2.3 MB) in odd-sized chunks that cut records in two.
    const text = Array.from({ length: 40_000 }, (_, i) => record(i)).join('');
    const arrived = new Date('2025-06-15T10:20:30Z');
    const objects = await putRecords(l, 'clicks', chunks(text, 65_537), { clock: () => arrived });
    // 1 MiB = 1,048,576 bytes per object (each closed by the record that fills it), the rest in a last object.
    expect(objects.map((o) => o.bytes)).toEqual(cuts(text, 1 << 20));
    expect(objects).toHaveLength(3);
    for (const o of objects) {
      // Firehose's key under bronze/clicks/, kept as a local bronze object (which strata dev leaves alone).
      expect(o.key).toMatch(/^bronze\/clicks\/_objects\/[0-9a-f]{32}\/2025\/06\/15\/10\/strata-local-clicks-1-2025-06-15-10-20-30-[0-9a-f-]{36}\.gz$/);
      expect(o.result.record.status).toBe('SUCCEEDED');
    }
    // The objects hold exactly the records, in order, gzipped.
    const stored = objects.map((o) => gunzipSync(readFileSync(join(l.dir, o.key))).toString()).join('');
    expect(stored).toBe(text);
    expect(await l.query('SELECT count(*) AS n, count(DISTINCT click_id) AS k, min(click_id) AS lo, max(click_id) AS hi FROM silver.clicks'))
      .toEqual([{ n: 40_000, k: 40_000, lo: 0, hi: 39_999 }]);
  });

  it('writes an object once its oldest record has waited stream.buffer.seconds, without waiting for the end of the input', async () => {
    const l = await lake('stream: { buffer: { seconds: 1, megabytes: 64 } }\n');
    const written: string[] = [];
    let wroteFirst!: () => void;
    const firstWritten = new Promise<void>((r) => { wroteFirst = r; });
    // A producer that sends two records, then waits until the first object has been delivered before it sends more.
    async function* producer(): AsyncGenerator<string> {
      yield record(1) + record(2);
      await firstWritten;
      yield record(3);
    }
    const objects = await putRecords(l, 'clicks', producer(), { written: (key) => { written.push(key); wroteFirst(); } });
    expect(objects.map((o) => o.result.record.rowsIn)).toEqual([2, 1]);
    expect(written).toEqual(objects.map((o) => o.key));
    expect(await l.query('SELECT click_id FROM silver.clicks ORDER BY 1')).toEqual([{ click_id: 1 }, { click_id: 2 }, { click_id: 3 }]);
  });

  it('ends a last record without a newline, quarantines a bad line naming the object and its line, and ingests through the state machine', async () => {
    const l = await lake('stream: {}\nrejects: { maxRatio: 0.5 }\n');
    const text = `${record(1)}{"click_id": "x", "page": "/", "at": "2025-06-15T10:00:00Z"}\n${record(2).trimEnd()}`;
    const [o, ...more] = await putRecords(l, 'clicks', chunks(text, 7));
    expect(more).toEqual([]);
    expect(o!.result.execution.path).toEqual(['Stage', 'Route', 'SilverQuality', 'CommitSilver', 'RegisterSilver', 'Gold', 'RecordRun', 'Finish', 'Succeeded']);
    expect(o!.result.record).toMatchObject({ rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });
    expect(await l.query('SELECT source, line, reasons[1].column AS col, reasons[1].value AS value FROM quarantine.clicks'))
      .toEqual([{ source: o!.key, line: 2, col: 'click_id', value: 'x' }]);
    expect(gunzipSync(readFileSync(join(l.dir, o!.key))).toString()).toBe(`${text}\n`);
  });

  it('strata put reads stdin to its end and exits 0 with the records in silver', async () => {
    const l = await lake('stream: { buffer: { seconds: 900, megabytes: 1 } }\n');
    const text = Array.from({ length: 100 }, (_, i) => record(i)).join('');
    const { code, stdout } = await putProcess(l, text);
    expect(code).toBe(0);
    expect(stdout).toMatch(/✓ SUCCEEDED clicks {2}bronze\/clicks\/_objects\/[0-9a-f]{32}\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/strata-local-clicks-1-[\d-]{19}-[0-9a-f-]{36}\.gz/);
    expect(stdout).toContain('1 object written to bronze/clicks/; ingested');
    expect(await l.query('SELECT count(*)::INT AS n FROM silver.clicks')).toEqual([{ n: 100 }]);
  });

  it('strata put does not call a run that did not succeed ingested: a halted one is counted apart, and it exits 1 (third attack, stop 36)', async () => {
    const l = await lake("stream: { buffer: { seconds: 900, megabytes: 1 } }\nquality: { silver: { halt: ['RowCount > 1000'] } }\n");
    const text = Array.from({ length: 10 }, (_, i) => record(i)).join('');
    const { code, stdout } = await putProcess(l, text);
    expect(code).toBe(1);
    expect(stdout).toContain('1 object written to bronze/clicks/; 1 run did not succeed (see above), 0 ingested');
    expect(stdout).not.toContain('; ingested');
  });

  it('a stop (the signal put gets on SIGINT or SIGTERM) writes and ingests what was read, a last record without its newline too, before it returns (an attack, stop 49: the buffer was dropped without a word)', async () => {
    const l = await lake('stream: { buffer: { seconds: 900, megabytes: 64 } }\n');
    const stop = new AbortController();
    let readAll!: () => void;
    const allRead = new Promise<void>((r) => { readAll = r; });
    // A producer that sends five records (the last without its newline), then waits for more that never come.
    async function* producer(): AsyncGenerator<string> {
      yield record(1) + record(2) + record(3) + record(4);
      yield record(5).trimEnd();
      readAll();
      await new Promise(() => undefined);
    }
    const put = putRecords(l, 'clicks', producer(), { signal: stop.signal });
    await allRead;
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    const objects = await put;
    expect(objects.map((o) => [o.result.record.status, o.result.record.rowsIn, o.result.record.rowsValid])).toEqual([['SUCCEEDED', 5, 5]]);
    expect(await l.query('SELECT click_id FROM silver.clicks ORDER BY 1')).toEqual([1, 2, 3, 4, 5].map((click_id) => ({ click_id })));
  });

  it('strata put on SIGTERM (and SIGINT) writes the records it read before it exits, and says so', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const l = await lake('stream: { buffer: { seconds: 900, megabytes: 1 } }\n');
      const child = spawn(process.execPath, ['cli/strata.ts', 'put', 'clicks', '--lake', l.dir, '--schemas', join(l.root, 'schemas')], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      const first = new Promise<void>((resolve) => child.stdout.on('data', (d) => { stdout += d; if (stdout.includes('SUCCEEDED')) resolve(); }));
      const exited = new Promise((r) => child.on('exit', (code) => r(code)));
      // A first record of more than the 1 MiB buffer: its object is written and ingested at once, which says that
      // put is reading (and its handlers are in). Then three records that wait for the buffer's 900 s.
      child.stdin.write(JSON.stringify({ click_id: 0, page: `/${'x'.repeat(1_100_000)}`, at: '2025-06-15T10:00:00Z' }) + '\n');
      await first;
      child.stdin.write(record(1) + record(2) + record(3));
      await new Promise((r) => setTimeout(r, 1_000));
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(stdout).toContain(`${signal}: stopped reading; writing the records read so far`);
      expect(stdout).toContain('2 objects written to bronze/clicks/; all ingested');
      expect(await l.query('SELECT click_id FROM silver.clicks ORDER BY 1')).toEqual([0, 1, 2, 3].map((click_id) => ({ click_id })));
    }
  }, 60_000);

  it('refuses gzip-compressed input before writing anything, naming it and the way (an attack, stop 49: gzipped again, every line quarantined as invalid text of the bronze object)', async () => {
    const l = await lake('stream: {}\n');
    const gzipped = (async function* () { yield gzipSync(record(1) + record(2)); })();
    await expect(putRecords(l, 'clicks', gzipped, { source: 'recs.jsonl.gz' }))
      .rejects.toThrow('recs.jsonl.gz is gzip-compressed: strata put reads JSON records as text, one per line (it compresses the objects it writes itself). Decompress it on the way in (gunzip -c <file> | strata put clicks), or ingest the file as it is with strata ingest clicks <file>');
    expect(existsSync(join(l.dir, 'bronze'))).toBe(false);
    // Handed over one byte first (a slow pipe): refused alike (an attack, stop 49: gzipped again, a junk object left).
    const bytes = gzipSync(record(1));
    const slow = (async function* () { yield bytes.subarray(0, 1); yield bytes.subarray(1); })();
    await expect(putRecords(l, 'clicks', slow, { source: 'stdin' })).rejects.toThrow('stdin is gzip-compressed');
    expect(existsSync(join(l.dir, 'bronze'))).toBe(false);
  });

  it('refuses a dataset without stream:, and writes nothing for empty input', async () => {
    const l = await lake('');
    await expect(putRecords(l, 'clicks', chunks(record(1), 100))).rejects.toThrow(/declares no stream: add stream:/);
    const s = await makeLake({ clicks: CLICKS('stream: {}\n') });
    lakes.push(s);
    expect(await putRecords(s, 'clicks', chunks('', 10))).toEqual([]);
    expect(existsSync(join(s.dir, 'bronze'))).toBe(false);
  });
});

/** Object sizes a byte-exact Firehose buffer of `limit` bytes makes: each closed by the record that reaches the limit. */
function cuts(text: string, limit: number): number[] {
  const lines = text.split(/(?<=\n)/);
  const out: number[] = [];
  let size = 0;
  for (const line of lines) {
    size += Buffer.byteLength(line);
    if (size >= limit) { out.push(size); size = 0; }
  }
  if (size) out.push(size);
  return out;
}

/** `strata put clicks` as its own process on `l`, `text` on its stdin: its exit code and stdout. */
async function putProcess(l: { dir: string; root: string }, text: string): Promise<{ code: unknown; stdout: string }> {
  const child = spawn(process.execPath, ['cli/strata.ts', 'put', 'clicks', '--lake', l.dir, '--schemas', join(l.root, 'schemas')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stdin.end(text);
  const code = await new Promise((r) => child.on('exit', r));
  return { code, stdout };
}

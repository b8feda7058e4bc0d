// AWS's payload quotas in the local executor: what would stop an execution in AWS stops it locally, in the same
// state and the same way (States.DataLimitExceeded is neither retried nor caught, so no RecordFailure runs), and the
// state machine's payloads stay small however many partitions a file touches.
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Duck, spillFolder, withDuck } from '../runtime/engine/duckdb.ts';
import { explainLimit, fileOverEnvelope, limitHit } from '../runtime/pipeline/limits.ts';
import { largestSourceBytes } from '../core/plan/sizing.ts';
import { ingestKey } from '../workflows/ingest-local.ts';
import type { ExecutionEvent } from '../runtime/runs/record.ts';
import { PAYLOAD_MESSAGE_CHARS } from '../runtime/pipeline/payloads.ts';
import { enforceQuotas, LAMBDA_SYNC_PAYLOAD_BYTES, payloadBytes, STATE_INPUT, STATE_PAYLOAD_BYTES } from '../workflows/quotas.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { daily, EVENTS } from './helpers/events.ts';
import { makeLake, ORDERS_HEADER, ordersSchema } from './helpers/lake.ts';

const orders = `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,Bob,NEW,20.00,Jun 13 2025,2025-06-13T10:00:00Z\n`;
/** A JSON object of exactly `bytes` bytes: {"p":"xx…"} is 8 bytes around the string. */
const ofBytes = (bytes: number) => ({ p: 'x'.repeat(bytes - 8) });

describe('quotas (unit)', () => {
  it('the quotas are AWS\'s numbers: 256 KiB per state payload, 6 MB per synchronous Lambda payload', () => {
    expect(STATE_PAYLOAD_BYTES).toBe(256 * 1024);
    expect(LAMBDA_SYNC_PAYLOAD_BYTES).toBe(6 * 1024 * 1024);
    expect(payloadBytes(ofBytes(1000))).toBe(1000);
    expect(payloadBytes({ v: 'é' })).toBe(10); // {"v":"é"}: é is 2 bytes in UTF-8
  });

  it('a result of exactly 262,144 bytes passes, one byte more is States.DataLimitExceeded, neither retried nor caught', async () => {
    const ok = enforceQuotas('S', null, async () => ofBytes(262_144));
    await expect(ok({ a: 1 })).resolves.toEqual(ofBytes(262_144));
    const over = enforceQuotas('S', null, async () => ofBytes(262_145));
    await expect(over({ a: 1 })).rejects.toMatchObject({
      name: 'States.DataLimitExceeded', isCatchable: false, isRetryable: false,
      message: 'state S: the task result is 262,145 bytes, over the quota of 262,144 bytes',
    });
  });

  it('the state output is the state input with the result at ResultPath: each under the quota, together over it', async () => {
    const half = ofBytes(140_000);
    const fn = enforceQuotas('S', '$.out', async () => half);
    // The function sees only its parameters; the whole state input came in STATE_INPUT.
    let seen: unknown;
    const spy = enforceQuotas('S', '$.out', async (input) => { seen = input; return {}; });
    await spy({ x: 1, [STATE_INPUT]: { big: half } });
    expect(seen).toEqual({ x: 1 });
    // {"big":…,"out":…}: 140,000 + 140,000 + 15 bytes of keys and braces.
    await expect(fn({ x: 1, [STATE_INPUT]: { big: half } })).rejects.toMatchObject({
      name: 'States.DataLimitExceeded', message: 'state S: the state output is 280,015 bytes, over the quota of 262,144 bytes',
    });
    await expect(fn({ x: 1, [STATE_INPUT]: { small: 1 } })).resolves.toEqual(half);
  });

  it('a function response over 6 MB fails as Lambda fails it (a function error, which a Catch may handle)', async () => {
    const fn = enforceQuotas('S', '$.out', async () => ofBytes(6_291_457));
    await expect(fn({})).rejects.toMatchObject({ name: 'Function.ResponseSizeTooLarge', isCatchable: true, isRetryable: false });
  });

  it('the largest source file is the half of /tmp that is not DuckDB\'s spill: 1 GiB by default, 256 MiB with 512 MB, 5 GiB at most', () => {
    expect(largestSourceBytes({ lambda: {} })).toBe(1_073_741_824); // (2048 − 1024) × 1,048,576
    expect(largestSourceBytes({ lambda: { ephemeralStorageMb: 512 } })).toBe(268_435_456);
    expect(largestSourceBytes({ lambda: { ephemeralStorageMb: 10240 } })).toBe(5_368_709_120);
    expect(largestSourceBytes({ lambda: { ephemeralStorageMb: 1001, memory: 128 } })).toBe(525_336_576); // (1001 − 500) MiB
    const plan = { dataset: 'orders', lambda: { ephemeralStorageMb: 512 } };
    expect(fileOverEnvelope(plan, 'bronze/orders/a.csv', 268_435_456)).toBeUndefined();
    expect(fileOverEnvelope(plan, 'bronze/orders/a.csv', 268_435_457)).toBe('bronze/orders/a.csv is 268,435,457 bytes (256 MB), over the largest file orders takes, '
      + '268,435,456 bytes (256 MB): the half of the stage step\'s /tmp (lambda.ephemeralStorageMb: 512) that is not DuckDB\'s spill, where AWS downloads the file. '
      + 'Refused before reading it. Fix: raise lambda.ephemeralStorageMb in schemas/orders.yaml (now 512, at most 10240: files up to 5,120 MB), '
      + 'or split the file into smaller ones, then upload again.');
    // Past what the maximum /tmp holds, or at the maximum already: only splitting helps.
    expect(fileOverEnvelope(plan, 'k', 6 * 2 ** 30)).toMatch(/ Fix: split the file into files of at most 5,120 MB with lambda\.ephemeralStorageMb: 10240, then upload again\.$/);
    expect(fileOverEnvelope({ dataset: 'orders', lambda: { ephemeralStorageMb: 10240 } }, 'k', 5_368_709_121)).toMatch(/\(5,120 MB\): .* Fix: split the file into files of at most 5,120 MB, then upload again\.$/);
  });

  it('/tmp: a spill past max_temp_directory_size fails with DuckDB\'s quota error, which a run reports as the /tmp limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-spill-'));
    const db = await Duck.open({ memoryLimit: '64MB', threads: 1, tempDirectory: dir, maxTempDirectorySize: '4MB' });
    try {
      // 1,000,000 rows of 96 hex digits (96 MB of text) sorted within 64 MB of memory: DuckDB must spill past 4 MB.
      const error = await db.run(`CREATE TABLE t AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) || md5((i + 2)::VARCHAR) AS s
        FROM range(1000000) r(i) ORDER BY hash(i)`).then(() => undefined, (e: Error) => e);
      expect(error?.message).toMatch(/^Out of Memory Error: failed to offload data block of size .*\nThis limit was set by the 'max_temp_directory_size' setting/);
      expect(limitHit('Strata.Internal', error!.message)).toBe('tmp');
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('spill folders: <pid>-<n>, a new one per instance; those of processes that are gone are removed, nothing else', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'strata-spill-sweep-'));
    try {
      const gone = await promisify(execFile)(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).then((r) => Number(r.stdout));
      for (const name of [`${gone}-1`, `${gone}-2`, `${process.ppid}-1`, 'notes', `${gone}-x`]) await mkdir(join(parent, name));
      const first = await spillFolder(parent);
      const second = await spillFolder(parent);
      expect(first).toMatch(new RegExp(`^${parent}/${process.pid}-\\d+$`));
      expect(second).not.toBe(first);
      expect(readdirSync(parent).sort()).toEqual([`${gone}-x`, `${process.ppid}-1`, 'notes'].sort());
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('two processes spilling at once under the same temp folder: each instance spills into its own, both results exact', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'strata-spill-shared-'));
    const barrier = await mkdtemp(join(tmpdir(), 'strata-spill-barrier-'));
    // Each sorts 300,000 rows of 64 hex digits into a table within 32 MB: the table's blocks stay in its spill files.
    // In turn: a builds its table, then b builds its own, then each sums its table: a reads its spilled blocks back
    // after b spilled (in one shared folder, b's spill files are a's, reopened). The same in memory is the check.
    const sql = (seed: number) => `CREATE TABLE t AS SELECT i, md5((i + ${seed})::VARCHAR) || md5((i + ${seed} + 1)::VARCHAR) AS s FROM range(300000) r(i) ORDER BY s`;
    const summary = 'SELECT count(*)::VARCHAR AS n, sum(i)::VARCHAR AS total, sum(hash(s) % 1000003)::VARCHAR AS h FROM t';
    const child = `import { existsSync, writeFileSync } from 'node:fs';
import { Duck } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'runtime/engine/duckdb.ts')).href)};
const [temp, create, summary, me, other, barrier] = process.argv.slice(1);
const turn = async (name) => { for (const t0 = Date.now(); !existsSync(barrier + '/' + name);) { if (Date.now() - t0 > 60000) throw new Error('no ' + name); await new Promise((r) => setTimeout(r, 5)); } };
const db = await Duck.open({ memoryLimit: '32MB', threads: 1, tempDirectory: temp });
if (me === 'b') await turn('a');
await db.run(create);
const spilled = (await db.all("SELECT count(*)::INT AS n FROM duckdb_temporary_files()"))[0].n;
writeFileSync(barrier + '/' + me, '');
if (me === 'a') await turn('b');
const [row] = await db.all(summary);
db.close();
process.stdout.write(JSON.stringify({ ...row, spilled }));`;
    try {
      const run = promisify(execFile);
      const roles = [['a', 'b', 0], ['b', 'a', 7]] as const;
      const outs = await Promise.all(roles.map(([me, other, seed]) => run(process.execPath, ['--input-type=module', '-e', child, parent, sql(seed), summary, me, other, barrier])));
      for (const [k, out] of outs.entries()) {
        const seed = roles[k]![2];
        const expected = await withDuck(async (db) => { await db.run(sql(seed)); return (await db.all(summary))[0]; }, { memoryLimit: '1GB' });
        expect(JSON.parse(out.stdout)).toEqual({ ...expected, n: '300000', total: '44999850000', spilled: expect.any(Number) });
        expect(JSON.parse(out.stdout).spilled).toBeGreaterThan(0);
      }
      // Each instance's folder went with it; the shared parent stays.
      expect(existsSync(parent) && readdirSync(parent)).toEqual([]);
    } finally {
      await rm(parent, { recursive: true, force: true });
      await rm(barrier, { recursive: true, force: true });
    }
  });
});

describe('quotas in a local execution', () => {
  it('a step result over 256 KiB stops the execution in that state with States.DataLimitExceeded: no retry, no RecordFailure', async () => {
    const lake = await makeLake({ orders: ordersSchema() });
    try {
      const events: ExecutionEvent[] = [];
      // No recorder runs, so the run has no record, as in AWS: the local ingest raises that, naming the quota.
      await expect(lake.ingest('orders', await lake.file('a.csv', orders), {
        retryIntervalMs: 0,
        onEvent: (e) => events.push(e),
        wrap: (step, fn) => (step !== 'commit' ? fn : async (input) => ({ ...(await fn(input) as object), listing: 'p'.repeat(300_000) })),
      })).rejects.toThrow(/^run \S+ of orders stopped in state CommitSilver: state CommitSilver: the task result is 300,\d{3} bytes, over the quota of 262,144 bytes\. Step Functions fails such a state with States\.DataLimitExceeded, which no Catch matches, so in AWS the run would leave no record$/);
      expect(events.filter((e) => e.type === 'ExecutionFailed').map((e) => e.error)).toEqual(['States.DataLimitExceeded']);
      expect(events.filter((e) => e.type === 'StateEntered').at(-1)?.state).toBe('CommitSilver');
      expect(events.filter((e) => e.type === 'StateEntered').map((e) => e.state)).not.toContain('RecordFailure');
      expect(events.filter((e) => e.type === 'StateRetried')).toEqual([]);
      // As in AWS, silver committed before the state failed, and nothing after it ran: no catalog registration, no record.
      const manifest = JSON.parse((await lake.storage.readText('silver/orders/_strata/manifest.json'))!) as { partitions: Record<string, { rows: number }> };
      expect(Object.values(manifest.partitions).map((p) => p.rows)).toEqual([1, 1]);
      expect(await lake.query(`SELECT count(*) AS n FROM duckdb_views() WHERE schema_name = 'silver'`)).toEqual([{ n: 0 }]);
      expect(await lake.storage.list('_strata/runs/orders/')).toEqual([]);
    } finally {
      await lake.cleanup();
    }
  });

  it('a file over the largest the stage step\'s /tmp takes is refused before any work: FAILED, not retried, nothing read or staged', async () => {
    const lake = await makeLake({ orders: ordersSchema({ extra: 'lambda: { ephemeralStorageMb: 512 }\n' }) });
    try {
      // An object of 256 MiB + 1 byte in bronze (sparse: its size is all that may be looked at).
      const key = 'bronze/orders/big.csv';
      await mkdir(join(lake.root, 'lake', 'bronze', 'orders'), { recursive: true });
      await writeFile(join(lake.root, 'lake', key), `${ORDERS_HEADER}\n`);
      await truncate(join(lake.root, 'lake', key), 268_435_457);
      const events: ExecutionEvent[] = [];
      const { record, execution } = await ingestKey(lake, 'orders', key, { retryIntervalMs: 0, onEvent: (e) => events.push(e) });
      expect(execution.path).toEqual(['Stage', 'RecordFailure', 'Failed']);
      expect(events.filter((e) => e.type === 'StateRetried')).toEqual([]);
      expect(record).toMatchObject({ status: 'FAILED', rowsIn: 0, rowsValid: 0, rowsQuarantined: 0, partitions: [] });
      expect(record.error).toEqual({ name: 'Strata.InvalidInput', message: expect.stringMatching(/^bronze\/orders\/big\.csv is 268,435,457 bytes \(256 MB\), over the largest file orders takes, 268,435,456 bytes \(256 MB\): .* Fix: raise lambda\.ephemeralStorageMb in \S*schemas\/orders\.yaml \(now 512, at most 10240: files up to 5,120 MB\), or split the file into smaller ones, then upload again\.$/) });
      expect(await lake.storage.list('staging/')).toEqual([]);
    } finally {
      await lake.cleanup();
    }
  });

  it('a key value of 300,000 characters repeated in an append table: its rows are quarantined, the message and the state payload stay small', async () => {
    const lake = await makeLake({ pk: `dataset: pk
source: { format: csv }
columns:
  - { name: id, type: string, required: true }
  - { name: n, type: int }
primaryKey: [id]
mode: append
rejects: { maxRatio: 1 }
` });
    try {
      const v = 'x'.repeat(300_000);
      const { record, execution } = await lake.ingest('pk', await lake.file('dup.csv', `id,n\n${v},1\n${v},2\n`));
      // Before: the stage's result listed the whole key in its top reasons, 300,638 bytes: States.DataLimitExceeded in
      // Stage, no record.
      expect(execution.path).not.toContain('RecordFailure');
      expect(record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 2, rowsValid: 1, rowsQuarantined: 1 });
      const [q] = await lake.query<{ message: string }>(`SELECT reasons[1].message AS message FROM quarantine.pk`);
      expect(q!.message).toBe(`primary key id=${'x'.repeat(200)} repeats record 1`);
    } finally {
      await lake.cleanup();
    }
  });

  it('property: a value of any length failing any rule, or a header naming long fields, ends in a run record; the payload\'s messages are cut, saying so', async () => {
    // Each rule's message quotes the value its own way (min and max whole, before 0b2658f's sibling fix at the payload);
    // the stage's result must stay under 256 KiB whatever the value's length.
    const lake = await makeLake({ r: `dataset: r
source: { format: csv }
columns:
  - { name: id, type: string, required: true }
  - { name: n, type: int, min: 10, max: 99 }
  - { name: s, type: string, allowed: [a, b], pattern: "[ab]", maxLength: 5 }
  - { name: d, type: date }
${Array.from({ length: 21 }, (_, i) => `  - { name: w${i}, type: string, from: "${'F'.repeat(12_000)}${i}" }`).join('\n')}
primaryKey: [id]
mode: append
rejects: { maxRatio: 1 }
` });
    try {
      const cases = fc.record({
        rule: fc.constantFrom('min', 'max', 'allowed', 'maxLength', 'type', 'primaryKey'),
        length: fc.integer({ min: 250_000, max: 400_000 }),
      });
      let run = 0;
      await fc.assert(fc.asyncProperty(cases, async ({ rule, length }) => {
        run += 1;
        const big = { min: `${'0'.repeat(length)}5`, max: `${'0'.repeat(length)}100`, allowed: 'c'.repeat(length), maxLength: 'a'.repeat(length),
          type: `2025-01-01${'x'.repeat(length)}`, primaryKey: '7' }[rule];
        const id = rule === 'primaryKey' ? 'k'.repeat(length) : `id${run}`;
        const row = (i: string, n: string, s: string, d: string) => `${i},${n},${s},${d}`;
        const text = `id,n,s,d\n${row(id, rule === 'min' || rule === 'max' ? big : '50', rule === 'allowed' || rule === 'maxLength' ? big : 'a', rule === 'type' ? big : '2025-01-01')}\n`
          + (rule === 'primaryKey' ? `${row(id, '50', 'a', '2025-01-01')}\n` : '');
        const { record, execution } = await lake.ingest('r', await lake.file(`f${run}.csv`, text));
        expect(execution.path).toContain('RecordRun');
        expect(record.rowsIn).toBe(record.rowsValid + record.rowsQuarantined);
        expect(record.rowsQuarantined).toBeGreaterThan(0);
        for (const m of [...record.reasons.map((r) => r.message), ...record.warnings]) {
          expect(m.length).toBeLessThan(PAYLOAD_MESSAGE_CHARS + 40);
          if (m.length > PAYLOAD_MESSAGE_CHARS) expect(m).toMatch(/… \(\d+ more characters\)$/);
        }
      }), { seed: 42, numRuns: 8 });
    } finally {
      await lake.cleanup();
    }
  }, 60_000);

  it('DuckDB out of memory while reading the file is reported as the memory limit with its setting, not as a damaged file', async () => {
    // 500 string columns at lambda.memory 128 (DuckDB 64 MB): "Out of Memory Error: failed to allocate data of size
    // 32.0 KiB", which the file's read error used to show without its class, so no limit was named.
    const cols = Array.from({ length: 500 }, (_, i) => `c${i}`);
    const lake = await makeLake({ many: `dataset: many\nsource: { format: csv }\ncolumns:\n${cols.map((c) => `  - { name: ${c}, type: string }\n`).join('')}lambda: { memory: 128, ephemeralStorageMb: 512 }\n` });
    try {
      const rows = Array.from({ length: 50 }, (_, r) => cols.map((_, i) => `v${r}_${i}`).join(','));
      const { record } = await lake.ingest('many', await lake.file('many.csv', `${cols.join(',')}\n${rows.join('\n')}\n`));
      expect(record.status).toBe('FAILED');
      // Named for the limit, not as a damaged file (it was Strata.UnreadableFile, the limit explained after).
      expect(record.error?.name).toBe('Strata.LimitExceeded');
      expect(record.error?.message).toMatch(/many\.csv: reading it as csv hit a limit of its step: Out of Memory Error: /);
      expect(record.error?.message).toMatch(/Out of Memory Error: [^]*a step ran out of memory [^]*Fix: raise lambda\.memory in \S*schemas\/many\.yaml \(now 128/);
      expect(limitHit(record.error!.name, record.error!.message)).toBe('memory');
      // DuckDB's advice to its own users (SET threads, SET memory_limit) is not a run's way out.
      expect(explainLimit({ dataset: 'many', lambda: {} } as never, 'Strata.LimitExceeded', 'stage: Out of Memory Error: could not allocate block of size 14.3 MiB (744.9 MiB/759.1 MiB used)\n\nPossible solutions:\n'
        + '* Reducing the number of threads (SET threads=X)\n* Increasing the memory limit (SET memory_limit=\'...GB\')\n\nSee also https://duckdb.org/docs/stable/guides/performance/how_to_tune_workloads'))
        .toMatch(/^stage: Out of Memory Error: could not allocate block of size 14\.3 MiB \(744\.9 MiB\/759\.1 MiB used\)\nmany: a step ran out of memory /);
      expect(record.error?.message).not.toContain('SET threads');
      // 500 columns: the memory goes to the columns whatever the rows, so splitting the file is not the way out given.
      expect(record.error?.message).toMatch(/Fix: raise lambda\.memory in \S*schemas\/many\.yaml \(now 128, at most 10240\) \(each of its 500 columns takes memory whatever the number of rows: a smaller file may not fit either\), then upload/);
      expect(record.error?.message).not.toContain('split the file');
      // DuckDB 1.5's words for a full spill (memory_limit 2MB, max_temp_directory_size 0KiB), and its SQL's LINE 1: only
      // their first line is the run's; its advice (PRAGMA max_temp_directory_size, SET memory_limit) is not.
      const spill = 'Out of Memory Error: failed to offload data block of size 96.0 KiB (0 bytes/0 bytes used).\nThis limit was set by the \'max_temp_directory_size\' setting.\n'
        + 'By default, this setting utilizes the available disk space on the drive where the \'temp_directory\' is located.\nYou can adjust this setting, by using (for example) PRAGMA max_temp_directory_size=\'10GiB\'\n\n'
        + 'Possible solutions:\n* Reducing the number of threads (SET threads=X)\n* Disabling insertion-order preservation (SET preserve_insertion_order=false)\n* Increasing the memory limit (SET memory_limit=\'...GB\')\n\nSee also https://duckdb.org/docs/stable/guides/performance/how_to_tune_workloads';
      for (const said of [`stage: ${spill}`, `stage: ${spill.split('\n')[0]}\n\nLINE 1: COPY (SELECT …\n        ^`]) {
        expect(explainLimit({ dataset: 'many', lambda: {} } as never, 'Strata.LimitExceeded', said))
          .toMatch(/^stage: Out of Memory Error: failed to offload data block of size 96\.0 KiB \(0 bytes\/0 bytes used\)\.\nmany: a step filled its \/tmp [^\n]*Fix: raise lambda\.ephemeralStorageMb in \S*schemas\/many\.yaml \(now \d+, at most 10240\), or split the file into smaller ones, then upload the file again\.$/);
      }
      // After the run's commit stood the file is the table's (uploaded again, SKIPPED): the fix stops at the setting
      // (an attack, stop 58); the record says what brings gold and the catalog up to date.
      expect(explainLimit({ dataset: 'many', lambda: {} } as never, 'Strata.LimitExceeded', `gold: ${spill.split('\n')[0]}`, true))
        .toMatch(/Fix: raise lambda\.ephemeralStorageMb in \S*schemas\/many\.yaml \(now \d+, at most 10240\), or split the file into smaller ones\.$/);
      // Memory full and the spill at its quota (a 1.2 GB CSV gzipped to 1.9 MB, lambda.ephemeralStorageMb 512): /tmp.
      expect(limitHit('Strata.UnreadableFile', 'bronze/env/bomb.csv.gz: cannot be read as csv: Out of Memory Error: failed to offload data block of size 256.0 KiB (244.0 MiB/244.1 MiB used)')).toBe('tmp');
      expect(await lake.storage.list('staging/')).toEqual([]);
    } finally {
      await lake.cleanup();
    }
  });

  it('a run that fails after its commit records the partitions the commit made visible, read back from the manifest', async () => {
    const lake = await makeLake({ orders: ordersSchema() });
    try {
      // The commit's result only counts them (2); RegisterSilver, after it, fails permanently.
      const { record, execution } = await lake.ingest('orders', await lake.file('a.csv', orders), {
        retryIntervalMs: 0,
        wrap: (step, fn) => (step !== 'register' ? fn : async () => { throw Object.assign(new Error('injected'), { name: 'Strata.Internal' }); }),
      });
      expect(execution.path.slice(-3)).toEqual(['RegisterSilver', 'RecordFailure', 'Failed']);
      expect(record).toMatchObject({ status: 'FAILED', partitions: ['dt=2025-06-12', 'dt=2025-06-13'] });
    } finally {
      await lake.cleanup();
    }
  });

  it('a gate of 1,000 rules passes through the real ASL, committed or halted: the state holds a pointer, the record every result', async () => {
    // 1,000 rules whose results (rule, metrics, message: about 300 bytes each) add up to more than 256 KiB: a state
    // that carried them would stop with States.DataLimitExceeded. Halt rules "amount <= 0.01 … 5.00" fail on 10.00
    // and 20.00 (2 rows, none complies); warn rules "amount between -i and 100" pass.
    const where = ` where "status <> 'CANCELLED'"`;
    const halt = Array.from({ length: 500 }, (_, i) => `ColumnValues "amount" <= ${((i + 1) / 100).toFixed(2)}${where}`);
    const warn = Array.from({ length: 500 }, (_, i) => `ColumnValues "amount" between -${i + 1} and 100${where} with threshold > 0.5`);
    const schema = (h: string[]) => ordersSchema({ extra: `quality:\n  silver:\n    halt: ${JSON.stringify(h)}\n    warn: ${JSON.stringify(warn)}\n` });
    for (const [h, status, path] of [
      [halt, 'HALTED', ['Stage', 'Route', 'SilverQuality', 'QualityGate', 'HaltBatch', 'Halted']],
      [halt.map((r) => r.replace('<=', '>=')), 'SUCCEEDED', ['Stage', 'Route', 'SilverQuality', 'QualityGate', 'CommitSilver', 'RegisterSilver', 'Gold', 'RecordRun', 'Finish', 'Succeeded']],
    ] as const) {
      const lake = await makeLake({ orders: schema([...h]) });
      try {
        const { record, execution } = await lake.ingest('orders', await lake.file('a.csv', orders));
        expect(execution.error?.name).not.toBe('States.DataLimitExceeded');
        expect(execution.path).toEqual(path);
        expect(record.status).toBe(status);
        const q = record.quality as { halted: boolean; passed: number; failed: number; results: Array<{ rule: string; severity: string; outcome: string }> };
        expect(q.results).toHaveLength(1000);
        expect(payloadBytes(q.results)).toBeGreaterThan(STATE_PAYLOAD_BYTES);
        expect(q.results[0]).toMatchObject({ rule: h[0], severity: 'halt', outcome: status === 'HALTED' ? 'FAIL' : 'PASS' });
        expect(q.results[999]).toMatchObject({ rule: warn[499], severity: 'warn', outcome: 'PASS' });
        expect([q.halted, q.passed, q.failed]).toEqual(status === 'HALTED' ? [true, 500, 500] : [false, 1000, 0]);
        if (status === 'HALTED') {
          expect(record.error?.message).toContain(`${h[0]} → FAIL`);
          expect(record.error?.message).toContain('; and 495 more');
          // Each held row names the failing halt rules it fails (all 500 of them).
          const held = await lake.query<{ n: number }>(`SELECT max(len(reasons))::INT AS n FROM quarantine.orders WHERE run_id = '${record.runId}'`);
          expect(held).toEqual([{ n: 501 }]);
        }
      } finally {
        await lake.cleanup();
      }
    }
  }, 120_000);

  it('a file touching partitions whose paths add up to more than 256 KiB passes through the real ASL: payloads count, storage lists', async () => {
    const lake = await makeLake({
      wide: `dataset: wide
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: a, type: string, required: true }
  - { name: b, type: string, required: true }
partitionBy:
  - { name: pa, column: a }
  - { name: pb, column: b }
`,
    });
    try {
      // 560 partitions, each path "pa=<240 bytes>/pb=<240 bytes>" (487 bytes): 560 × 487 = 272,720 bytes of paths
      // alone, over the quota in any payload that listed them.
      const n = 560;
      const v = (c: string, i: number) => `${c.repeat(235)}${String(i).padStart(5, '0')}`;
      const rows = Array.from({ length: n }, (_, i) => `${i},${v('a', i)},${v('b', i)}`);
      const { record, execution } = await lake.ingest('wide', await lake.file('wide.csv', `id,a,b\n${rows.join('\n')}\n`));
      expect(execution.error).toBeUndefined();
      expect(record).toMatchObject({ status: 'SUCCEEDED', rowsIn: n, rowsValid: n });
      expect(record.partitions).toHaveLength(n);
      expect(record.partitions[0]).toBe(`pa=${v('a', 0)}/pb=${v('b', 0)}`);
      expect(record.partitions.reduce((a, p) => a + p.length, 0)).toBe(n * 487);
      expect(await lake.query('SELECT count(*) AS n, count(DISTINCT pa) AS pa FROM silver.wide')).toEqual([{ n, pa: n }]);
    } finally {
      await lake.cleanup();
    }
  }, 120_000);

  it('a compaction returns counts and the key of its whole result, never its partitions: the same few hundred bytes for 4 partitions as for 40', async () => {
    const sizes: number[] = [];
    for (const days of [4, 40]) {
      const lake = await makeLake({ events: EVENTS() });
      try {
        for (const b of [0, 1]) {
          expect((await lake.ingest('events', await lake.file(`b${b}.jsonl`, daily(b * days, days)), { compact: false })).record.status).toBe('SUCCEEDED');
        }
        const [run] = await compactLocal(lake, ['events'], { minFiles: 2 });
        expect(run!.execution.error).toBeUndefined();
        const carried = JSON.stringify(run!.execution.output);
        expect(carried).not.toContain('dt=');
        expect((run!.execution.output as { compaction: { tables: unknown } }).compaction.tables).toEqual([{ layer: 'silver', table: 'events', status: 'compacted', partitions: { compacted: days } }]);
        const { compaction } = run!.execution.output as { compaction: { ms: number } };
        sizes.push(payloadBytes({ ...compaction, ms: 0 }));
        // The whole result, read back from storage: every partition.
        expect(run!.output!.tables[0]!.partitions.map((p) => p.outcome)).toEqual(Array(days).fill('compacted'));
      } finally {
        await lake.cleanup();
      }
    }
    // Only the count's digits differ (4 and 40; the time taken set to 0).
    expect(sizes[1]! - sizes[0]!).toBe(1);
    expect(sizes[0]!).toBeLessThan(1000);
  }, 120_000);
});

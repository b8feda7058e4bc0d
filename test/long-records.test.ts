// Records longer than the 16 MiB a record may be (runtime/ingest/source-relation.ts MAX_LINE_BYTES). DuckDB 1.5
// rejects one that spans two of its buffers (quarantined: "record longer than 16 MB") and drops one that spans three
// with no word: a 32 MiB CSV record, a 50 MiB JSON line (gzip too) were in neither silver nor quarantine, and the run's
// count left them out (an attack, stop 58). Now the file's longest lines are measured beside the pass
// (file-head.ts overlongLine); a record so dropped makes the count exact and the file fails naming its line, nothing
// committed. overlongLine itself is searched over generated layouts below.
import { gzipSync } from 'node:zlib';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overlongLine } from '../runtime/ingest/file-head.ts';
import { scanRecordLines } from '../runtime/ingest/record-lines.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

const MIB = 1 << 20;
const columns = `rejects: { maxRatio: 1 }
columns:
  - { name: id, type: bigint, required: true }
  - { name: name, type: string }
`;

let l: TestLake;
beforeAll(async () => {
  l = await makeLake({ u: `dataset: u\nsource: { format: csv }\n${columns}`, j: `dataset: j\nsource: { format: jsonl }\n${columns}` });
});
afterAll(() => l?.cleanup());

describe('a record longer than 16 MiB', () => {
  it('spanning two of DuckDB\'s buffers is quarantined; spanning three fails the file naming its line, nothing committed; the next file ingests', async () => {
    const quarantined = (await l.ingest('u', await l.file('q.csv', `id,name\n1,a\n2,${'y'.repeat(20 * MIB)}\n3,c\n`))).record;
    expect(quarantined).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });
    const dropped = (await l.ingest('u', await l.file('d.csv', `id,name\n4,a\n5,${'y'.repeat(32 * MIB)}\n6,c\n`))).record;
    expect(dropped).toMatchObject({ status: 'FAILED', error: { name: 'Strata.UnreadableFile' } });
    expect(dropped.error!.message).toMatch(/d\.csv:3: a line of 32\.0 MiB, past the 16 MiB a record may be: DuckDB read 2 records where strata counts 3, so nothing of the file was committed/);
    expect((await l.ingest('u', await l.file('ok.csv', 'id,name\n7,g\n'))).record).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1 });
    expect((await l.query<{ id: unknown }>('SELECT id FROM silver.u ORDER BY id')).map((r) => Number(r.id))).toEqual([1, 3, 7]);
  }, 120_000);

  it('gzip-compressed, one of 33 MiB is quarantined for its length alone (DuckDB also said "too many fields", first)', async () => {
    const path = join(l.root, 'in', 'q.csv.gz');
    await writeFile(path, gzipSync(`id,name\n8,a\n9,${'y'.repeat(33 * MIB)}\n10,c\n`, { level: 1 }));
    const r = (await l.ingest('u', path)).record;
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });
    const q = await l.query<{ reasons: Array<{ message: string }> }>(`SELECT reasons FROM quarantine.u WHERE run_id = '${r.runId}'`);
    expect(q.map((x) => x.reasons.map((y) => y.message))).toEqual([['record longer than 16 MB']]);
  }, 120_000);

  it('a JSON line of 33 MiB, gzip-compressed, fails its file naming the line', async () => {
    const text = `{"id":1}\n{"id":2,"name":"${'y'.repeat(33 * MIB)}"}\n{"id":3}\n`;
    const path = join(l.root, 'in', 'big.jsonl.gz');
    await writeFile(path, gzipSync(text, { level: 1 }));
    const r = (await l.ingest('j', path)).record;
    expect(r).toMatchObject({ status: 'FAILED', error: { name: 'Strata.UnreadableFile' } });
    expect(r.error!.message).toMatch(/big\.jsonl\.gz:2: a line of 33\.0 MiB, past the 16 MiB/);
  }, 120_000);
});

describe('an element of a JSON array past 32 MiB', () => {
  it('fails its file in strata\'s words, naming no local path (it gave DuckDB\'s, with the lake\'s folder: an attack, stop 58)', async () => {
    const k = await makeLake({ a: `dataset: a\nsource: { format: json }\n${columns}` });
    try {
      const r = (await k.ingest('a', await k.file('arr.json', `[{"id":1},{"id":2,"name":"${'y'.repeat(33 * MIB)}"},{"id":3}]`))).record;
      expect(r).toMatchObject({ status: 'FAILED', error: { name: 'Strata.UnreadableFile' } });
      expect(r.error!.message).toMatch(/arr\.json: an element of the JSON array is larger than the 16 MiB a record may be, which DuckDB does not read: nothing of it was committed\./);
      expect(r.error!.message).not.toContain(k.root);
    } finally {
      await k.cleanup();
    }
  }, 120_000);
});

describe('overlongLine', () => {
  it('property: finds the first line longer than the limit, its offset, length and line number, or none', async () => {
    // Decoded gzip comes in blocks of 16 KiB, below a limit of 64 KiB: the search's rule (a limit of at least a block).
    const limit = 64 * 1024;
    const lengths = fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: limit - 2, max: limit + 2 }), fc.integer({ min: limit, max: 3 * limit })), { minLength: 1, maxLength: 12 });
    const path = join(l.root, 'in', 'lines.gz');
    // Line ends of one kind per file: LF, CRLF or CR alone (a CR file was said to be long at its line 1: stop 58).
    await fc.assert(fc.asyncProperty(lengths, fc.boolean(), fc.constantFrom('\n', '\r\n', '\r'), async (ls, endsWithEnd, end) => {
      const lines = ls.map((n, i) => String(i % 10).repeat(n));
      const text = lines.join(end) + (endsWithEnd ? end : '');
      await writeFile(path, gzipSync(text));
      const at = ls.findIndex((n) => n > limit);
      const expected = at < 0 ? undefined : { offset: ls.slice(0, at).reduce((a, n) => a + n + end.length, 0), bytes: ls[at]!, line: at + 1 };
      expect(await overlongLine(path, 'gzip', limit)).toEqual(expected);
    }), { numRuns: 80 });
  });
});

describe('the longest record of a scan', () => {
  it('property: its index, first line and bytes, for records of quoted line ends as for plain ones (a record of many short lines is longer than any line: an attack, stop 58)', async () => {
    const field = fc.oneof(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.array(fc.stringMatching(/^[a-z ,]{0,30}$/), { minLength: 1, maxLength: 6 }).map((ls) => `"${ls.join('\n')}"`));
    const records = fc.array(fc.array(field, { minLength: 1, maxLength: 4 }).map((fs) => fs.join(',')), { minLength: 1, maxLength: 20 });
    const path = join(l.root, 'in', 'records.csv');
    await fc.assert(fc.asyncProperty(records, async (rs) => {
      await writeFile(path, rs.map((r) => `${r}\n`).join(''));
      const bytes = rs.map((r) => Buffer.byteLength(r) + 1);
      const k = bytes.indexOf(Math.max(...bytes));
      const line = 1 + rs.slice(0, k).reduce((a, r) => a + r.split('\n').length, 0);
      const scan = await scanRecordLines(path, 'none', { delimiter: ',', quote: '"', escape: '"', skipRows: 0 });
      expect(scan.longest).toEqual({ k, line, bytes: bytes[k] });
    }), { numRuns: 100 });
  });
});

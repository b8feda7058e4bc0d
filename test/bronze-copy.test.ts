// `strata ingest <file>` puts the user's file into local bronze: a separate copy (a copy-on-write clone where the file
// system has them), hashed from that copy. Expected ids are computed here with node:crypto over the bytes the test
// wrote, independently of the storage's chunked reader.
import { createHash } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../runtime/storage/local.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex').slice(0, 32);
const CHUNK = 8 << 20; // the storage reads in 8 MiB chunks: sizes around it cross the boundary

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-bronze-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('bronze copy', () => {
  it('holds exactly the file\'s bytes, with its mtime, under the SHA-256 content id, and leaves no temp file', async () => {
    const storage = new LocalStorage(join(dir, 'lake'));
    // Sizes around the reader's chunk boundary, and small ones, filled with a pseudo-random block (fixed seed) of a
    // prime length, so no chunk starts like another.
    let seed = 12345;
    const block = Buffer.alloc(4093);
    for (let i = 0; i < block.length; i++) block[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const sizes = [0, 1, 2, 255, 4096, 65_537, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7];
    for (const [n, size] of sizes.entries()) {
      const bytes = Buffer.alloc(size, block);
      const src = join(dir, `in-${n}.bin`);
      await writeFile(src, bytes);
      await utimes(src, new Date('2025-06-01T00:00:00Z'), new Date('2025-06-02T03:04:05Z'));
      const key = `bronze/orders/f-${n}.bin`;
      const { contentId, info } = await storage.putFileHashed(key, src);
      expect(contentId, `size ${size}`).toBe(sha(bytes));
      expect(Buffer.compare(await readFile(storage.path(key)), bytes), `size ${size}`).toBe(0);
      expect(await storage.contentId(key)).toBe(contentId);
      expect(info).toMatchObject({ key, size, lastModified: new Date('2025-06-02T03:04:05Z') });
    }
    expect((await readdir(storage.path('bronze/orders/'))).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('is not the user\'s file: an in-place edit or an append to it after the ingest leaves bronze and its id as ingested', async () => {
    const lake: TestLake = await makeLake({ orders: ordersSchema() });
    try {
      const original = `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n`;
      const file = await lake.file('orders.csv', original);
      const { record } = await lake.ingest('orders', file);
      expect(record.status).toBe('SUCCEEDED');
      expect(record.source.etag).toBe(sha(original));
      const key = record.source.key;

      // Edit the user's file through the same inode (as `>>` or an editor saving in place does).
      const before = await stat(file);
      const h = await open(file, 'r+');
      await h.write('9', original.indexOf('\n1,') + 1);
      await h.close();
      await writeFile(file, '2,Bob,NEW,5.50,Jun 13 2025,2025-06-13T11:00:00Z\n', { flag: 'a' });
      expect((await stat(file)).ino).toBe(before.ino);

      expect(await readFile(lake.storage.path(key), 'utf8')).toBe(original);
      expect(await lake.storage.contentId(key)).toBe(record.source.etag);
      expect((await stat(lake.storage.path(key))).ino).not.toBe(before.ino);
      expect((await stat(file)).nlink).toBe(1);
    } finally {
      await lake.cleanup();
    }
  });
});

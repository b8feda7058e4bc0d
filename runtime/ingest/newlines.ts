// Rewrites a file with CRLF line ends as LF (decompressing it on the way), for the rare file that mixes both.
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Compression } from '../../core/schema/model.ts';
import { codecOf, openDecoded } from './file-head.ts';

export async function normalizeNewlines(path: string, compression: Compression): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-nl-'));
  const out = join(dir, 'normalized');
  let pendingCr = false;
  const crlf = new Transform({
    transform(chunk: Buffer, _enc, done) {
      let b = pendingCr ? Buffer.concat([Buffer.from([13]), chunk]) : chunk;
      pendingCr = b.length > 0 && b[b.length - 1] === 13;
      if (pendingCr) b = b.subarray(0, b.length - 1);
      const parts: Buffer[] = [];
      let start = 0;
      for (let i = b.indexOf(13); i !== -1; i = b.indexOf(13, i + 1)) {
        if (b[i + 1] === 10) { parts.push(b.subarray(start, i)); start = i + 1; }
      }
      parts.push(b.subarray(start));
      done(null, Buffer.concat(parts));
    },
    flush(done) { done(null, pendingCr ? Buffer.from([13]) : Buffer.alloc(0)); },
  });
  await pipeline(openDecoded(path, codecOf(path, compression)), crlf, createWriteStream(out));
  return out;
}

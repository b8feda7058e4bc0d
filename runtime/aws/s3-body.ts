// GetObject bodies: streamed to disk (objects can be gigabytes; a Lambda has little memory) or read as text
// (manifests, stage results: small). The SDK hands a Node Readable with transformToString mixed in; the helpers
// also take a web stream or bytes so they never depend on which HTTP handler produced the body.
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/**
 * Stream a body to a file; every chunk also goes to `onChunk` on its way (a hash computed in the same read).
 * Returns the bytes written.
 */
export async function bodyToFile(body: unknown, path: string, onChunk?: (chunk: Buffer) => void): Promise<number> {
  if (body === undefined || body === null) body = new Uint8Array();
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = Buffer.from(body as string | Uint8Array);
    onChunk?.(bytes);
    await writeFile(path, bytes);
    return bytes.length;
  }
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += b.length;
      onChunk?.(b);
      done(null, b);
    },
  });
  await pipeline(toReadable(body), tap, createWriteStream(path));
  return size;
}

/** Read a body to its end without keeping it, each chunk to `onChunk` (hashing an object). Returns its size. */
export async function consumeBody(body: unknown, onChunk: (chunk: Buffer) => void): Promise<number> {
  if (body === undefined || body === null) return 0;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = Buffer.from(body as string | Uint8Array);
    onChunk(bytes);
    return bytes.length;
  }
  let size = 0;
  for await (const chunk of toReadable(body)) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += b.length;
    onChunk(b);
  }
  return size;
}

export async function bodyToText(body: unknown): Promise<string> {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const mixed = body as { transformToString?: (encoding?: string) => Promise<string> };
  if (typeof mixed.transformToString === 'function') return mixed.transformToString('utf8');
  const parts: Buffer[] = [];
  for await (const chunk of toReadable(body)) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts).toString('utf8');
}

function toReadable(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (typeof (body as { getReader?: unknown }).getReader === 'function') return Readable.fromWeb(body as WebReadableStream);
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return Readable.from(body as AsyncIterable<unknown>);
  throw new TypeError('unsupported S3 object body');
}

// GetObject bodies: streamed to disk (objects can be gigabytes; a Lambda has little memory) or read as text
// (manifests, stage results: small). The SDK hands a Node Readable with transformToString mixed in; the helpers
// also take a web stream or bytes so they never depend on which HTTP handler produced the body.
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export async function bodyToFile(body: unknown, path: string): Promise<void> {
  if (body === undefined || body === null) { await writeFile(path, ''); return; }
  if (typeof body === 'string' || body instanceof Uint8Array) { await writeFile(path, body); return; }
  await pipeline(toReadable(body), createWriteStream(path));
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

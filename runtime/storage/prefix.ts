// Whole-prefix operations on any storage.
import type { Storage } from './port.ts';

export async function removePrefix(storage: Storage, prefix: string): Promise<void> {
  await storage.deletePrefix(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

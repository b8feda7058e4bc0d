// Staging folders and their records (core/plan/layout.ts stagingRecord): a step records a staging folder before it
// writes the folder's first object, and deletes the record after the folder. gc deletes a staging folder only when
// its record is there (runtime/table/gc.ts gcStaging), so what someone else put under staging/ is never deleted.
import type { Storage } from '../storage/port.ts';
import { removePrefix } from '../storage/prefix.ts';
import { layout } from '../../core/plan/layout.ts';
import { mapLimit } from '../util/limit.ts';
import { fault } from '../util/fault.ts';

/**
 * Record that strata writes the staging folder `prefix` (staging/<dataset>/<rest>/), before its first object. `at`:
 * an ISO time, kept in the record for people reading it (gc goes by the record's modification time, as for objects).
 * Writing it again (a retried step) changes nothing that matters.
 */
export async function recordStaging(storage: Storage, prefix: string, at = new Date().toISOString()): Promise<void> {
  await storage.writeText(layout.stagingRecord(prefix), JSON.stringify({ folder: prefix, at }));
}

/**
 * Whether the record at `key` is one recordStaging wrote (it names the folder its key stands for): a file someone
 * saved under staging/<dataset>/_strata/ is none. false for a key that is missing or no record's.
 */
export async function isStagingRecord(storage: Storage, key: string): Promise<boolean> {
  return (await readStagingRecord(storage, key)) !== undefined;
}

/**
 * The record at `key` when recordStaging wrote it (isStagingRecord), with the time it was written (ms; its `at`, or
 * undefined when that does not parse). The record's own time, not the listing's: a local listing dates a file by its
 * folder too, and every run's record is written and deleted in the same folder (an attack: a killed run's record never
 * aged while other runs ingested, so gc never removed its staging).
 */
export async function readStagingRecord(storage: Storage, key: string): Promise<{ folder: string; at?: number } | undefined> {
  const folder = layout.stagingOfRecord(key);
  if (!folder || !isRunFolder(folder)) return undefined;
  const text = await storage.readText(key).catch(() => undefined);
  try {
    const r = JSON.parse(text ?? '') as { folder?: unknown; at?: unknown };
    if (r.folder !== folder) return undefined;
    const at = typeof r.at === 'string' ? Date.parse(r.at) : NaN;
    return Number.isFinite(at) ? { folder, at } : { folder };
  } catch {
    return undefined;
  }
}

/** Whether `prefix` may be a staging folder of strata's: staging/<dataset>/<run>/…, a run id never beginning with "_". */
export const isRunFolder = (prefix: string) => /^staging\/[^/]+\/[^/_][^/]*\//.test(prefix);

/**
 * Remove the staging folder `prefix`, then its record and the records of folders inside it (a gold refresh's in a
 * run's folder; only what isStagingRecord accepts). In that order: a removal killed part-way leaves the record, and gc
 * finishes it a day later. A prefix no run's folder can be (staging/<dataset>/_…/: the records' own folder, a user's)
 * is left alone. `recordedOnly`: remove the folder only while its record is there (a run that failed may have failed
 * before its Stage step recorded anything: a folder of that name is then not strata's). Rejects as
 * Storage.deletePrefix does; nothing is removed after a rejection.
 */
export async function removeStaging(storage: Storage, prefix: string, opts: { recordedOnly?: boolean } = {}): Promise<void> {
  if (!isRunFolder(prefix)) return;
  const record = layout.stagingRecord(prefix);
  if (opts.recordedOnly && !(await isStagingRecord(storage, record))) return;
  await removePrefix(storage, prefix);
  fault('staging.removed');
  const under = `${record.slice(0, -'.json'.length)}/`;
  const keys = storage.listKeys ? await storage.listKeys(under) : (await storage.list(under)).map((o) => o.key);
  const inside = keys.filter((k) => layout.stagingOfRecord(k)?.startsWith(prefix));
  const records = (await mapLimit(inside, 8, async (k) => ((await isStagingRecord(storage, k)) ? k : undefined))).filter((k) => k !== undefined);
  await storage.delete([record, ...records]);
}

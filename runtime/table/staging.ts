// Staging folders and their records (core/plan/layout.ts stagingRecord): a step records a staging folder before it
// writes the folder's first object, and deletes the record after the folder. gc deletes a staging folder only when
// its record is there (runtime/table/gc.ts gcStaging), so what someone else put under staging/ is never deleted.
import type { Storage } from '../storage/port.ts';
import { removePrefix } from '../storage/prefix.ts';
import { layout } from '../../core/plan/layout.ts';
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
 * Remove the staging folder `prefix`, then its record and the records of folders inside it (a gold refresh's in a
 * run's folder). In that order: a removal killed part-way leaves the record, and gc finishes the removal a day later.
 * Rejects as Storage.deletePrefix does; nothing is removed after a rejection.
 */
export async function removeStaging(storage: Storage, prefix: string): Promise<void> {
  await removePrefix(storage, prefix);
  fault('staging.removed');
  const record = layout.stagingRecord(prefix);
  await Promise.all([storage.delete([record]), removePrefix(storage, record.slice(0, -'.json'.length))]);
}

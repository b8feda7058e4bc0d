// Reading run records back: every record under _strata/runs/ (or one dataset's), through the storage port, so the
// same code reads a local lake and a lake bucket in S3. What `strata runs` lists and `strata docs` renders.
import { ERRORS, StrataError } from '../../core/errors.ts';
import { layout } from '../../core/plan/layout.ts';
import type { Storage } from '../storage/port.ts';
import { mapLimit } from '../util/limit.ts';
import type { RunRecord } from './record.ts';

/** Parallel reads (S3: one GetObject per record). */
const READS = 16;

/**
 * Every run record (of one dataset, when given), newest first: by startedAt, then by run id (ids sort by time).
 * A record that is not valid JSON is an error naming its key: a damaged record is never skipped silently.
 */
export async function readRunRecords(storage: Storage, dataset?: string): Promise<RunRecord[]> {
  const keys = (await storage.list(dataset ? layout.runs(dataset) : '_strata/runs/')).map((o) => o.key).filter((k) => k.endsWith('.json'));
  const records = await mapLimit(keys, READS, async (key) => {
    const text = await storage.readText(key);
    if (text === undefined) return undefined; // removed between list and read
    try {
      return JSON.parse(text) as RunRecord;
    } catch (e) {
      throw new StrataError(ERRORS.UnreadableFile, `run record ${storage.uri(key)} is not valid JSON (${(e as Error).message}); move it aside to read the others`);
    }
  });
  return records.filter((r): r is RunRecord => r !== undefined)
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : b.runId.localeCompare(a.runId)));
}

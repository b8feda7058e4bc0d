// Roll a table back to the state a run left it in: one more commit (kind "rollback") that points every partition
// the later runs changed back at the version it had then. Versions are reused, not copied; they must still be
// within the retention window (garbage collection removes older ones).
import { ERRORS, StrataError } from '../../core/errors.ts';
import type { Storage } from '../storage/port.ts';
import { stateAfterRun, type Change, type PartitionVersion } from './manifest.ts';
import type { TableShape } from '../../core/plan/table-shape.ts';
import { commitTable, readManifest } from './store.ts';

export interface RollbackResult {
  version: number;
  changes: Change[];
  /** Source objects whose data the rollback removed: they can be ingested again. */
  forgotten: string[];
}

export async function rollbackTable(storage: Storage, root: string, shape: TableShape, toRun: string, runId: string): Promise<RollbackResult> {
  const { manifest } = await readManifest(storage, root, shape);
  const found = stateAfterRun(manifest, toRun);
  if ('error' in found) throw new StrataError(ERRORS.InvalidInput, found.error);
  const target = found.state;
  const paths = [...new Set([...Object.keys(manifest.partitions), ...Object.keys(target)])]
    .filter((p) => manifest.partitions[p]?.location !== target[p]?.location).sort();
  const after = manifest.history.find((h) => h.runId === toRun)!.version;
  // Already there (a rollback to the current run, or twice to the same one): no new version, nothing to undo.
  if (!paths.length) return { version: manifest.version, changes: [], forgotten: [] };
  const laterRuns = new Set(manifest.history.filter((h) => h.version > after).map((h) => h.runId));
  let forgotten: string[] = [];
  const result = await commitTable(storage, {
    root, shape, runId, at: new Date().toISOString(), kind: 'rollback', paths, rollbackTo: toRun,
    build: async (path): Promise<PartitionVersion | null> => target[path] ?? null,
    forgetSources: (m) => (forgotten = Object.entries(m.sources).filter(([, s]) => laterRuns.has(s.runId)).map(([id]) => id)),
  });
  return { version: result.manifest.version, changes: result.changes, forgotten };
}

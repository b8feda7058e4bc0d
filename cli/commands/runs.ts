// strata runs [<id>]: run history from the run records in the lake, or one run in detail with its execution path.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { closest } from '../../core/schema/diagnostics.ts';
import type { RunRecord } from '../../runtime/runs/record.ts';
import { summarizeEvents } from '../../runtime/runs/events.ts';
import { readRunRecords } from '../../runtime/runs/read.ts';
import { LocalCatalog } from '../../runtime/catalog/local.ts';
import { LocalStorage } from '../../runtime/storage/local.ts';
import { defaultLakeDir } from '../../workflows/lake.ts';
import type { Command } from '../command.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { out, table, UsageError } from '../output.ts';
import { describeRun } from '../run-summary.ts';
import { requireLake } from '../lake-options.ts';

export const runs: Command = {
  usage: 'strata runs [<run id>] [--dataset d] [--limit n] [--json]',
  options: {
    dataset: { type: 'string', description: 'only this dataset' },
    limit: { type: 'string', description: 'at most n runs (default 20)' },
  },
  async run({ positionals, values, global }) {
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number of runs ≥ 1, not "${String(values.limit)}"`);
    requireLake(global, 'list');
    const lakeDir = defaultLakeDir(global.lake);
    const storage = new LocalStorage(lakeDir);
    const dataset = values.dataset as string | undefined;
    const undo = await rollbacks(new LocalCatalog(lakeDir), dataset);
    // --json: the run records, each a run undid with rolledBackBy (the rollback's run id).
    const all: Array<RunRecord & { rolledBackBy?: string }> = (await readRunRecords(storage, dataset)).map((r) => (undo.undone.has(r.runId) ? { ...r, rolledBackBy: undo.undone.get(r.runId)! } : r));
    const id = positionals[0];
    if (id) {
      const r = all.find((x) => x.runId === id) ?? all.find((x) => x.runId.startsWith(id));
      // A rollback is listed as a row of its own, and shown so: it has no run record (newcomer's trial, stop 48: "no run").
      const b = r ? undefined : undo.rollbacks.find((x) => x.runId === id) ?? undo.rollbacks.find((x) => x.runId.startsWith(id));
      if (b) {
        const undid = [...undo.undone].filter(([, by]) => by === b.runId).map(([run]) => run);
        const text = `ROLLBACK ${b.runId} of ${b.table} to run ${b.to ?? '?'} at ${b.at}: ${b.partitionsChanged} partition${b.partitionsChanged === 1 ? '' : 's'} changed`
          + (undid.length ? `; it undid run${undid.length === 1 ? '' : 's'} ${undid.join(', ')}` : '');
        out.result(text, { ...b, undid });
        return 0;
      }
      if (!r) throw new StrataError(ERRORS.InvalidInput, `no run ${id} in this lake (strata runs lists them)`);
      out.result(showRun(r, global.lake), r);
      return 0;
    }
    // A dataset no run was recorded for: said so, with the ones that have runs (it printed no rows and exited 0:
    // newcomer's trial, stop 49).
    if (dataset && !all.length && !undo.rollbacks.length) {
      const known = (await readdir(join(lakeDir, '_strata', 'runs')).catch(() => [] as string[])).sort();
      const guess = closest(dataset, known);
      throw new StrataError(ERRORS.InvalidInput, `no run of dataset ${dataset} is recorded in this lake${guess ? `: did you mean ${guess}?` : ''}`
        + (known.length ? ` (datasets with runs: ${known.slice(0, 20).join(', ')})` : ' (it has no runs yet: strata ingest <dataset> <file>)'));
    }
    const shown = all.slice(0, limit);
    // Runs and rollbacks, newest first: a rollback is a row of its own, and a run it undid says so.
    const rows = [
      ...shown.map((r) => ({ at: r.startedAt, row: {
        run: r.runId, dataset: r.dataset, status: r.rolledBackBy ? `${r.status}, rolled back` : r.status, source: r.source.key.split('/').pop(),
        // A skipped run read nothing: blank, not 0.
        ...(r.status === 'SKIPPED' ? { rows_in: '', valid: '', quarantined: '', partitions: '' }
          : { rows_in: r.rowsIn, valid: r.rowsValid, quarantined: r.rowsQuarantined, partitions: r.partitions.length }),
        seconds: (r.durationMs / 1000).toFixed(1), error: r.error?.name ?? '',
      } })),
      ...undo.rollbacks.filter((b) => !shown.length || b.at >= shown[shown.length - 1]!.startedAt).map((b) => ({ at: b.at, row: {
        run: b.runId, dataset: b.table, status: 'ROLLBACK', source: `to run ${b.to ?? '?'}`, rows_in: '', valid: '', quarantined: '',
        partitions: b.partitionsChanged, seconds: '', error: '',
      } })),
    ].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit).map((x) => x.row);
    out.result(table(rows), shown);
    return 0;
  },
};

/**
 * The rollbacks of the lake's tables (only silver.<dataset>'s with --dataset), from the catalog's history,
 * and the runs each undid: those that changed a silver table after the run it returned to and before the rollback.
 * A gold table's rollback undoes what those runs published to it, not the runs: their rows stay in silver (newcomer's
 * trial, stop 48: runs showed "rolled back" with their rows in silver).
 */
async function rollbacks(catalog: LocalCatalog, dataset?: string): Promise<{ rollbacks: Array<{ runId: string; table: string; at: string; to?: string; partitionsChanged: number }>; undone: Map<string, string> }> {
  const found: Array<{ runId: string; table: string; at: string; to?: string; partitionsChanged: number }> = [];
  const undone = new Map<string, string>();
  for (const t of await catalog.histories().catch(() => [])) {
    if (dataset && !(t.layer === 'silver' && t.name === dataset)) continue;
    if (t.damaged) out.error(`warning: ${t.layer}.${t.name}: only its recent rollbacks are shown: ${t.damaged}`);
    // The runs undone as of each version: a rollback to run T undoes what T's state had undone and every run after T;
    // a later rollback to a run after an earlier rollback's target brings those runs back (an attack, stop 48: they
    // stayed marked with their rows in silver).
    const undoneAt = new Map<number, Map<string, string>>();
    let now = new Map<string, string>();
    for (const h of [...t.history].sort((a, b) => a.version - b.version)) {
      if (h.kind === 'rollback') {
        found.push({ runId: h.runId, table: `${t.layer}.${t.name}`, at: h.at, ...(h.to ? { to: h.to } : {}), partitionsChanged: h.partitionsChanged });
        const from = t.history.find((x) => x.runId === h.to && x.version < h.version)?.version;
        if (from !== undefined && t.layer === 'silver') {
          now = new Map(undoneAt.get(from) ?? []);
          for (const x of t.history) if (x.version > from && x.version < h.version && x.kind !== 'rollback' && !now.has(x.runId)) now.set(x.runId, h.runId);
        }
      }
      undoneAt.set(h.version, now);
    }
    for (const [run, by] of now) undone.set(run, by);
  }
  return { rollbacks: found, undone };
}

function showRun(r: RunRecord, lake: string | undefined): string {
  const lines = [describeRun(r, { verbose: true, lake }), ''];
  if (r.execution?.events?.length) {
    lines.push(`execution ${r.execution.name} (${r.execution.engine}): ${r.execution.path?.join(' → ') ?? ''}`, '');
    lines.push(table(summarizeEvents(r.execution.events).map((s) => ({ state: s.state, ms: s.ms, retries: s.retries, error: s.error ?? '' }))));
  }
  return lines.join('\n');
}

// strata runs [<id>]: run history from the run records in the lake, or one run in detail with its execution path.
import type { RunRecord } from '../../runtime/runs/record.ts';
import { summarizeEvents } from '../../runtime/runs/events.ts';
import { readRunRecords } from '../../runtime/runs/read.ts';
import { LocalStorage } from '../../runtime/storage/local.ts';
import { defaultLakeDir } from '../../workflows/lake.ts';
import type { Command } from '../command.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { out, table, UsageError } from '../output.ts';
import { describeRun } from '../run-summary.ts';

export const runs: Command = {
  summary: 'list runs (newest first), or show one run: path taken, time per state, retries, errors',
  usage: 'strata runs [<run id>] [--dataset d] [--limit n] [--json]',
  options: {
    dataset: { type: 'string', description: 'only this dataset' },
    limit: { type: 'string', description: 'at most n runs (default 20)' },
  },
  async run({ positionals, values, global }) {
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number of runs ≥ 1, not "${String(values.limit)}"`);
    const storage = new LocalStorage(defaultLakeDir(global.lake));
    const all = await readRunRecords(storage, values.dataset as string | undefined);
    const id = positionals[0];
    if (id) {
      const r = all.find((x) => x.runId === id) ?? all.find((x) => x.runId.startsWith(id));
      if (!r) throw new StrataError(ERRORS.InvalidInput, `no run ${id} in this lake (strata runs lists them)`);
      out.result(showRun(r), r);
      return 0;
    }
    const shown = all.slice(0, limit);
    out.result(table(shown.map((r) => ({
      run: r.runId, dataset: r.dataset, status: r.status, source: r.source.key.split('/').pop(),
      rows_in: r.rowsIn, valid: r.rowsValid, quarantined: r.rowsQuarantined, partitions: r.partitions.length,
      seconds: (r.durationMs / 1000).toFixed(1), error: r.error?.name ?? '',
    }))), shown);
    return 0;
  },
};

function showRun(r: RunRecord): string {
  const lines = [describeRun(r, { verbose: true }), ''];
  if (r.execution?.events?.length) {
    lines.push(`execution ${r.execution.name} (${r.execution.engine}): ${r.execution.path?.join(' → ') ?? ''}`, '');
    lines.push(table(summarizeEvents(r.execution.events).map((s) => ({ state: s.state, ms: s.ms, retries: s.retries, error: s.error ?? '' }))));
  }
  return lines.join('\n');
}

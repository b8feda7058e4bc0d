// strata ingest <dataset> <file>...: copy each file into local bronze and run the dataset's state machine on it.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../../runtime/runs/record.ts';
import { ingestFile } from '../../workflows/ingest-local.ts';
import { openLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { NOW_OPTION, nowOf } from '../now-option.ts';
import { out, Progress, UsageError } from '../output.ts';
import { describeCompaction } from '../compaction-summary.ts';
import { describeRun } from '../run-summary.ts';

export const ingest: Command = {
  usage: 'strata ingest <dataset> <file>... [--now <ISO time>] [--json]',
  options: NOW_OPTION,
  async run({ positionals, values, global }) {
    const [dataset, ...files] = positionals;
    if (!dataset || !files.length) {
      throw new UsageError('usage: strata ingest <dataset> <file>...');
    }
    const now = nowOf(values);
    for (const f of files) {
      if (!existsSync(f)) throw new UsageError(`${f}: no such file`);
      if (statSync(f).isDirectory()) throw new UsageError(`${f} is a folder: strata ingest takes files (e.g. ${join(f, '*')}), each one a run`);
      if (!statSync(f).isFile()) throw new UsageError(`${f} is not a file`);
    }
    const lake = await openLake(global, dataset);
    lake.ctx.plans.get(dataset);
    const progress = new Progress();
    const records: RunRecord[] = [];
    for (const [i, file] of files.entries()) {
      const label = `[${i + 1}/${files.length}] ${dataset} ← ${file}`;
      progress.update(`${label} …`);
      const { record, compactions } = await ingestFile(lake, dataset, file, {
        ...(now ? { now } : {}),
        onEvent: (e) => { if (e.type === 'StateEntered' && e.state) progress.update(`${label} · ${e.state}`); },
      });
      progress.done();
      records.push(record);
      if (!global.json) out.info(describeRun(record, { lake: global.lake }));
      if (!global.json) for (const c of compactions ?? []) out.info(describeCompaction(c));
    }
    out.result('', records);
    return records.every((r) => r.status === 'SUCCEEDED' || r.status === 'SKIPPED') ? 0 : 1;
  },
};

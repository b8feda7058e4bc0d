// strata put <dataset> [file|-]: JSON records (one per line) from a file or stdin into a streamed dataset, buffered
// into bronze objects as Kinesis Data Firehose would buffer them, each run through the pipeline before put returns.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { putRecords } from '../../workflows/put-local.ts';
import { describeCompaction } from '../compaction-summary.ts';
import { openLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { NOW_OPTION, nowOf } from '../now-option.ts';
import { out, plural, Progress, UsageError } from '../output.ts';
import { describeRun } from '../run-summary.ts';

export const put: Command = {
  usage: 'strata put <dataset> [file|-] [--now <ISO time>] [--json]',
  options: NOW_OPTION,
  async run({ positionals, values, global }) {
    const [dataset, source = '-', ...extra] = positionals;
    if (!dataset || extra.length) throw new UsageError('usage: strata put <dataset> [file|-]');
    if (source !== '-' && !existsSync(source)) throw new UsageError(`${source}: no such file`);
    if (source !== '-' && !statSync(source).isFile()) throw new UsageError(`${source} is not a file: strata put reads one file of JSON records (or stdin)`);
    const now = nowOf(values);
    const lake = await openLake(global, dataset);
    lake.ctx.plans.get(dataset);
    const progress = new Progress();
    // SIGINT (Ctrl-C) and SIGTERM stop the reading; what was read is written and ingested before put exits, as at the
    // end of its input. A second signal exits at once, saying what may be lost.
    const stop = new AbortController();
    let signalled: string | undefined;
    // The object in bronze whose run has not ended: a second signal leaves it unread (strata doctor finds it too).
    let running: string | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        out.error(`${signal} again: exiting now; records read since the last object written to bronze/${dataset}/ are not written`
          + (running ? `, and ${running} is in bronze but not ingested: strata ingest ${dataset} ${join(lake.dir, running)}` : ''));
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      signalled = signal;
      progress.done();
      out.info(`${signal}: stopped reading; writing the records read so far (${signal} again to exit at once)`);
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const objects = await putRecords(lake, dataset, source === '-' ? process.stdin : createReadStream(source), {
      signal: stop.signal,
      source: source === '-' ? 'stdin' : source,
      ...(now ? { ingest: { now } } : {}),
      written: (key, bytes) => { running = key; progress.update(`${key} (${(bytes / 1e6).toFixed(1)} MB) …`); },
      ingested: ({ record, compactions }) => {
        running = undefined;
        progress.done();
        if (global.json) return;
        out.info(describeRun(record, { lake: global.lake }));
        for (const c of compactions ?? []) out.info(describeCompaction(c));
      },
    });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!objects.length && !global.json) out.info(`no records read from ${source === '-' ? 'stdin' : source}${signalled ? ` before ${signalled}` : ''}: nothing written`);
    else if (!global.json) {
      // Each run's outcome is printed above; the summary does not call a failed, halted or rejected run ingested.
      const landed = objects.filter((o) => ['SUCCEEDED', 'SKIPPED'].includes(o.result.record.status)).length;
      out.info(`${plural(objects.length, 'object')} written to bronze/${dataset}/; ${landed === objects.length ? (objects.length === 1 ? 'ingested' : 'all ingested')
        : `${plural(objects.length - landed, 'run')} did not succeed (see above), ${landed} ingested`}`);
    }
    out.result('', objects.map((o) => ({ key: o.key, bytes: o.bytes, run: o.result.record, ...(o.result.compactions ? { compactions: o.result.compactions.map((c) => c.output ?? c.execution.error) } : {}) })));
    return objects.every((o) => o.result.record.status === 'SUCCEEDED' || o.result.record.status === 'SKIPPED') ? 0 : 1;
  },
};

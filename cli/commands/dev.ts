// strata dev: watch the local bronze folder and run each new file through its state machine, like S3 events do.
import { join } from 'node:path';
import { BronzeWatcher } from '../../workflows/watch.ts';
import { openLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { out, plural } from '../output.ts';
import { describeCompaction } from '../compaction-summary.ts';
import { describeRun } from '../run-summary.ts';

export const dev: Command = {
  usage: 'strata dev [--concurrency n]',
  options: {
    concurrency: { type: 'string', description: 'executions at once (default 2)' },
  },
  async run({ values, global }) {
    const lake = await openLake(global);
    const concurrency = Number(values.concurrency ?? 2);
    const watcher = new BronzeWatcher(lake, {
      started: (key) => out.info(`→ ${key}`),
      finished: (r) => out.info(describeRun(r, { lake: global.lake })),
      compacted: (c) => out.info(describeCompaction(c)),
      ignored: (key, why) => out.info(`· ${key}: ${why}`),
      error: (key, e) => out.error(`✗ ${key}: ${e.message}`),
    }, { concurrency: Number.isFinite(concurrency) && concurrency > 0 ? concurrency : 2 });
    await watcher.start();
    // The handlers go in before the line that says Ctrl-C stops: until a process has a SIGINT listener the signal's
    // default action (terminate, no waiting for executions) applies, so a Ctrl-C right after that line must find it.
    const stopped = new Promise<void>((resolve) => {
      let stopping = false;
      const stop = () => {
        if (stopping) { out.error('forced exit'); process.exit(130); }
        stopping = true;
        out.info(watcher.busy ? `stopping: waiting for ${plural(watcher.busy, 'running execution')} to finish (Ctrl-C again to force)` : 'stopped');
        void watcher.stop().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    out.info(`watching ${join(lake.dir, 'bronze')}/<dataset>/ for ${lake.plans.map((p) => p.dataset).join(', ')} (Ctrl-C to stop)`);
    await stopped;
    return 0;
  },
};

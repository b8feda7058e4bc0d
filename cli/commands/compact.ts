// strata compact [<table>…]: rewrite partitions holding many small files into files near the target size.
import { compactLocal } from '../../workflows/compact-local.ts';
import { describeCompaction } from '../compaction-summary.ts';
import { openLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { out, UsageError } from '../output.ts';

export const compact: Command = {
  usage: 'strata compact [<dataset|gold table>...] [--target-mb n] [--min-files n]',
  options: {
    'target-mb': { type: 'string', description: 'size of the written files in MiB (default: the table\'s compaction.targetMb, else 128)' },
    'min-files': { type: 'string', description: 'compact partitions with at least this many files (default: compaction.minFiles, else 2)' },
  },
  async run({ positionals, values, global }) {
    const number = (flag: string, min: number): number | undefined => {
      const v = values[flag];
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be a whole number ≥ ${min}`);
      return n;
    };
    const targetMb = number('target-mb', 1);
    const minFiles = number('min-files', 2);
    const lake = await openLake(global);
    const runs = await compactLocal(lake, positionals, { ...(targetMb ? { targetMb } : {}), ...(minFiles ? { minFiles } : {}) });
    const behind = runs.find((r) => r.catalogBehind)?.catalogBehind;
    out.result([...runs.map(describeCompaction), ...(behind ? [`warning: ${behind}`] : [])].join('\n'),
      runs.map((r) => ({ dataset: r.dataset, runId: r.runId, status: r.execution.status, ...(r.output ? { output: r.output } : { error: r.execution.error }), ...(r.catalogBehind ? { catalogBehind: r.catalogBehind } : {}) })));
    return runs.every((r) => r.execution.status === 'SUCCEEDED') ? 0 : 1;
  },
};

// strata refresh <gold table>: recompute a gold table from silver (all partitions), write–audit–publish.
import { refresh as refreshLake } from '../../workflows/maintenance.ts';
import { openLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { out, plural, UsageError } from '../output.ts';

export const refresh: Command = {
  usage: 'strata refresh <gold table>',
  async run({ positionals, global }) {
    const table = positionals[0];
    if (!table) {
      throw new UsageError('usage: strata refresh <gold table>');
    }
    const lake = await openLake(global, table);
    const r = await refreshLake(lake, table, true);
    out.result(`gold.${r.table}: ${r.status}, ${plural(r.partitions.length, 'partition')}, ${plural(r.rows, 'row')}, ${r.removed.length} removed (${r.ms} ms)`, r);
    return r.status === 'halted' ? 1 : 0;
  },
};

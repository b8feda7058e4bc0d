// strata rollback <dataset|gold table> --to <run id>
import { rollback as rollbackLake } from '../../workflows/maintenance.ts';
import { openLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { out, plural, UsageError } from '../output.ts';

export const rollback: Command = {
  usage: 'strata rollback <dataset|gold table> --to <run id>',
  options: { to: { type: 'string', description: 'the run whose result to return to' } },
  async run({ positionals, values, global }) {
    const name = positionals[0];
    const to = values.to as string | undefined;
    if (!name || !to) {
      throw new UsageError('usage: strata rollback <dataset|gold table> --to <run id>');
    }
    const lake = await openLake(global, name);
    const r = await rollbackLake(lake, name, to);
    const human = [
      r.changes.length
        ? `rolled ${r.layer}.${r.table} back to run ${to}: ${plural(r.changes.length, 'partition')} switched (version ${r.version}, run ${r.runId})`
        : `${r.layer}.${r.table} already shows what run ${to} left: nothing changed (still version ${r.version})`,
      // A gold table is computed from silver: rolled back alone, it shows its old result until it is recomputed.
      ...(r.layer === 'gold' && r.changes.length ? [`gold.${r.table} now shows what run ${to} left, which may disagree with silver today; strata refresh ${r.table} recomputes it from silver (so does the next run of a dataset it reads)`] : []),
      ...(r.forgotten.length === 1 ? ['the source object committed after that run can be ingested again (the table no longer holds it)'] : []),
      ...(r.forgotten.length > 1 ? [`the ${plural(r.forgotten.length, 'source object')} committed after that run can be ingested again (the table no longer holds them)`] : []),
      ...(r.restored.length ? [`${plural(r.restored.length, 'source object')} a later rollback had undone ${r.restored.length === 1 ? 'is' : 'are'} held again (ingesting ${r.restored.length === 1 ? 'it' : 'them'} again is SKIPPED)`] : []),
      ...r.refreshed.map((g) => g.status === 'halted'
        ? `gold.${g.table} was NOT recomputed: its quality gate halted the publish (it still shows the data before the rollback; see strata.quality_metrics)`
        : `recomputed gold.${g.table} (${plural(g.partitions.length, 'partition')})`),
      ...(r.catalogBehind ? [`warning: ${r.catalogBehind}`] : []),
    ].join('\n');
    out.result(human, r);
    return r.refreshed.some((g) => g.status === 'halted') ? 1 : 0;
  },
};

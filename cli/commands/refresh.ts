// strata refresh <gold table>: recompute a gold table from silver (all partitions), write–audit–publish; then the
// gold tables that read it.
import { refresh as refreshLake } from '../../workflows/maintenance.ts';
import { openLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { out, plural, UsageError } from '../output.ts';
import { describeGate, type GateView } from '../run-summary.ts';

export const refresh: Command = {
  usage: 'strata refresh <gold table>',
  async run({ positionals, global }) {
    const table = positionals[0];
    if (!table) {
      throw new UsageError('usage: strata refresh <gold table>');
    }
    const lake = await openLake(global, table);
    const r = await refreshLake(lake, table, true);
    // Halted: what the gate found, as strata ingest shows it (it printed "halted, 0 partitions, 16 rows" and no rule).
    const gate = r.quality as GateView | undefined;
    /** What a refresh that was not halted did. */
    const done = (o: typeof r | (typeof r.dependents)[number]) => `${o.status}, ${plural(o.partitions.length, 'partition')}, ${plural(o.rows, 'row')}, ${o.removed.length} removed (${o.ms} ms)`;
    const head = r.status === 'halted'
      ? `gold.${r.table}: halted by its quality gate: nothing was published (${plural(r.rows, 'row')} computed and held back; ${r.ms} ms). `
        + `The way back: fix the rows the failing rule names (strata query) or the rule, then strata refresh ${r.table} again; strata.quality_metrics holds every rule's outcome`
      : `gold.${r.table}: ${done(r)}`;
    // Then the gold tables reading this one, recomputed from what it holds now.
    const dependents = r.dependents.flatMap((d) => {
      const g = d.quality as GateView | undefined;
      const reads = `reads ${d.reads.map((x) => `gold.${x}`).join(', ')}`;
      return [d.status === 'halted'
        ? `then gold.${d.table} (${reads}): halted by its quality gate: nothing was published (it still shows the data before this refresh)`
        : `then gold.${d.table} (${reads}): ${done(d)}`,
      ...(g?.results ? describeGate(`gold.${d.table}`, g, global.verbose) : [])];
    });
    out.result([head, ...(gate?.results ? describeGate(`gold.${r.table}`, gate, global.verbose) : []), ...dependents, ...(r.catalogBehind ? [`warning: ${r.catalogBehind}`] : [])].join('\n'), r);
    return r.status === 'halted' || r.dependents.some((d) => d.status === 'halted') ? 1 : 0;
  },
};

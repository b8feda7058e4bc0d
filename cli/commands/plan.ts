// strata plan <dataset>: what the schema compiles to — the plan, its validation SQL, or (--asl) the state machine.
import { exactPercent } from '../../core/text.ts';
import { renderAsl } from '../../workflows/asl.ts';
import { goldTablesFor } from '../../workflows/gold-order.ts';
import { openLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { out, UsageError } from '../output.ts';

export const plan: Command = {
  usage: 'strata plan <dataset> [--asl | --sql] [--json]',
  options: {
    asl: { type: 'boolean', description: 'print the state machine definition (Amazon States Language, JSON)' },
    sql: { type: 'boolean', description: 'print the validation SQL' },
  },
  async run({ positionals, values, global }) {
    const dataset = positionals[0];
    if (!dataset) {
      throw new UsageError('usage: strata plan <dataset> [--asl | --sql] [--json]');
    }
    const lake = await openLake(global, dataset);
    const p = lake.ctx.plans.get(dataset);
    if (values.asl) {
      process.stdout.write(`${JSON.stringify(renderAsl(p, { goldTables: goldTablesFor(lake.gold, dataset) }), null, 2)}\n`);
      return 0;
    }
    if (values.sql) {
      const { typedSql, reasonsSql, silverSelect } = p.validation;
      out.result(`-- typed rows (one pass over the source relation __src)\n${typedSql}\n\n-- reasons of a failing row\n${reasonsSql}\n\n-- silver columns\nSELECT ${silverSelect}\n`,
        { dataset: p.dataset, typedSql, reasonsSql, silverSelect: `SELECT ${silverSelect}` });
      return 0;
    }
    const human = [
      `dataset ${p.dataset} (schema ${p.schemaHash}), ${p.source.format} source, mode ${p.mode}${p.primaryKey.length ? ` on (${p.primaryKey.join(', ')})` : ''}`,
      `silver columns: ${p.columns.map((c) => `${c.name} ${c.glueType}${c.required ? ' not null' : ''}`).join(', ')}`,
      `partitions: ${p.partitions.length ? p.partitions.map((x) => `${x.name}=${x.transform}(${x.column}) ${x.glueType}`).join(', ') : 'none'}`,
      `rejects: a file with more than ${exactPercent(p.maxRejectRatio)} bad rows is rejected`,
      `prefixes: ${Object.entries(p.prefixes).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `(--json for the whole plan, --sql for the validation SQL, --asl for the state machine)`,
    ].join('\n');
    out.result(human, p);
    return 0;
  },
};

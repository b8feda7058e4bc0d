// strata doctor on a local lake: the runtime's checks (runtime/doctor/) with the lake's tables and the repairs'
// means (registering a table, refreshing gold) bound to it.
import { goldShape } from '../core/gold/analyze.ts';
import { examineLake, repairLake, type DoctorReport } from '../runtime/doctor/doctor.ts';
import type { TableRef } from '../runtime/doctor/findings.ts';
import type { DoctorEnv } from '../runtime/doctor/tables.ts';
import { registerQuarantine, syncToLatest } from '../runtime/pipeline/register.ts';
import { shapeOf } from '../runtime/table/store.ts';
import type { LocalLake } from './lake.ts';
import { refresh } from './maintenance.ts';

export function doctorEnv(lake: LocalLake): DoctorEnv {
  const tables: TableRef[] = [
    ...lake.plans.map((d) => ({ layer: 'silver' as const, name: d.dataset, root: d.prefixes.silver, shape: shapeOf(d), glue: d.tables.silver })),
    ...lake.gold.map((g) => ({ layer: 'gold' as const, name: g.table, root: g.prefix, shape: goldShape(g), glue: g.glue })),
  ];
  return {
    lakeDir: lake.dir, storage: lake.storage, catalog: lake.catalog, plans: lake.ctx.plans, gold: lake.ctx.gold, tables,
    // (A silver table through its dataset's plan: registering refuses a schema file the table cannot evolve to, as
    // ingest does; through its shape it registered the refused types over the old files: an attack, stop 47.)
    sync: async (t) => { await syncToLatest(lake.ctx, t.root, t.layer === 'silver' ? lake.ctx.plans.get(t.name) : t.shape, { layer: t.layer, name: t.name, glue: t.glue }); },
    syncQuarantine: (dataset) => registerQuarantine(lake.ctx, lake.ctx.plans.get(dataset), { settle: true }),
    refresh: (table, full) => refresh(lake, table, full),
    partialProject: lake.excluded.length > 0,
    ...(lake.ctx.duck ? { duck: lake.ctx.duck } : {}),
  };
}

/** What is wrong with the lake, per table, with the way back. */
export function examine(lake: LocalLake): Promise<DoctorReport> {
  return examineLake(doctorEnv(lake));
}

/** Repair what is derivable (losing nothing), then what is still wrong. */
export function repair(lake: LocalLake): Promise<{ actions: string[]; notRepaired: string[]; report: DoctorReport }> {
  return repairLake(doctorEnv(lake));
}

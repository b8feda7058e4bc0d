// The Glue catalog: a database per layer (silver, gold, quarantine, and strata for run records) and a table for
// every silver, quarantine and gold table — created from the very TableInput the register step writes at run time
// (core/plan/glue-table.ts), with the lake-relative location turned into the s3:// URI.
//
// After creation the register step owns a table's definition: it points tables at their current versions and adds
// columns as schemas evolve, from the manifests only it can read. A deploy therefore creates and deletes tables
// but never rewrites one (ignoreChanges), or it would reset a location the runtime had moved on.
import type { GoldPlan } from '../core/gold/analyze.ts';
import type { DatasetPlan } from '../core/plan/compile.ts';
import type { GlueTableInput } from '../core/plan/glue-table.ts';
import type { LakeModel } from './model.ts';
import { DATABASES, datasetNames, goldTableName, type LakeRefs } from './refs.ts';
import { resource, type ResourceSpec } from './resource.ts';

/** What the runtime owns once a table exists (see above). */
export const RUNTIME_OWNED = ['storageDescriptor', 'parameters', 'partitionKeys', 'description', 'owner'];

export function lakeUri(refs: LakeRefs, key: string): string {
  return `s3://${refs.bucket.lake}/${refs.prefix.lake}${key}`;
}

/**
 * Where an unpartitioned table points until its first register: the folder the Glue adapter uses for "no data"
 * (EMPTY_FOLDER in runtime/catalog/glue.ts; a test keeps them equal). Not the table root, whose version folders Athena
 * would all read. A partitioned table's location is its root (partitions carry the versions).
 */
export const EMPTY_FOLDER = '_empty/';

export function initialLocation(refs: LakeRefs, t: GlueTableInput): string {
  const root = t.StorageDescriptor.Location;
  return lakeUri(refs, t.PartitionKeys.length ? root : `${root}${EMPTY_FOLDER}`);
}

export function databaseResources(refs: LakeRefs): ResourceSpec[] {
  const about = {
    silver: 'validated, typed, partitioned tables, one per dataset',
    gold: 'tables computed from silver by SQL',
    quarantine: 'rows that failed validation, with every reason',
    strata: 'run records of every pipeline execution',
  } as const;
  return (Object.keys(DATABASES) as Array<keyof typeof DATABASES>).map((layer) =>
    resource('aws.glue.CatalogDatabase', DATABASES[layer], {
      name: refs.names.database(layer),
      description: `strata ${refs.cfg.app}/${refs.cfg.stage}: ${about[layer]}`,
    }));
}

/** Pulumi arguments of a Glue table from its TableInput. */
export function tableArgs(t: GlueTableInput, databaseName: string, location: string) {
  return {
    databaseName,
    name: t.Name,
    ...(t.Description ? { description: t.Description } : {}),
    ...(t.Owner ? { owner: t.Owner } : {}),
    tableType: t.TableType,
    parameters: t.Parameters,
    partitionKeys: t.PartitionKeys.map((c) => ({ name: c.Name, type: c.Type, ...(c.Comment ? { comment: c.Comment } : {}) })),
    storageDescriptor: {
      location,
      inputFormat: t.StorageDescriptor.InputFormat,
      outputFormat: t.StorageDescriptor.OutputFormat,
      compressed: t.StorageDescriptor.Compressed,
      storedAsSubDirectories: t.StorageDescriptor.StoredAsSubDirectories,
      columns: t.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type, ...(c.Comment ? { comment: c.Comment } : {}) })),
      serDeInfo: { serializationLibrary: t.StorageDescriptor.SerdeInfo.SerializationLibrary, parameters: t.StorageDescriptor.SerdeInfo.Parameters },
    },
  };
}

export function datasetTables(refs: LakeRefs, plan: DatasetPlan): ResourceSpec[] {
  const n = datasetNames(plan.dataset);
  const { silver, quarantine } = plan.tables;
  return [
    resource('aws.glue.CatalogTable', n.silverTable, tableArgs(silver, refs.database.silver, initialLocation(refs, silver)), { ignoreChanges: RUNTIME_OWNED }),
    // Quarantine is plain files in one folder, read whole (the adapter's syncFiles points it at its root).
    resource('aws.glue.CatalogTable', n.quarantineTable, tableArgs(quarantine, refs.database.quarantine, lakeUri(refs, quarantine.StorageDescriptor.Location)), { ignoreChanges: RUNTIME_OWNED }),
  ];
}

export function goldTable(refs: LakeRefs, g: GoldPlan): ResourceSpec {
  return resource('aws.glue.CatalogTable', goldTableName(g.table), tableArgs(g.glue, refs.database.gold, initialLocation(refs, g.glue)), {
    dataset: g.owner, ignoreChanges: RUNTIME_OWNED,
  });
}

/**
 * strata.runs over _strata/runs/<dataset>/<run>.json, exactly as the Glue adapter defines it (runsTableInput in
 * runtime/catalog/glue.ts, carried in the model). Static: the deploy owns it, no run ever registers anything in it.
 */
export function runsTable(refs: LakeRefs, model: LakeModel): ResourceSpec {
  const t = model.runsTable;
  return resource('aws.glue.CatalogTable', 'RunsTable', tableArgs(t, refs.database.strata, lakeUri(refs, t.StorageDescriptor.Location)));
}

/** strata.quality_metrics over _strata/metrics/: static like strata.runs. */
export function metricsTable(refs: LakeRefs, model: LakeModel): ResourceSpec {
  const t = model.metricsTable;
  return resource('aws.glue.CatalogTable', 'QualityMetricsTable', tableArgs(t, refs.database.strata, lakeUri(refs, t.StorageDescriptor.Location)));
}

export function catalogResources(refs: LakeRefs, model: LakeModel): ResourceSpec[] {
  return [
    ...databaseResources(refs),
    ...model.plans.flatMap((p) => datasetTables(refs, p).map((s) => ({ ...s, dataset: p.dataset }))),
    ...model.gold.map((g) => goldTable(refs, g)),
    runsTable(refs, model),
    metricsTable(refs, model),
  ];
}

// Where everything lives, as keys relative to the lake root (a folder locally, buckets/prefixes in AWS).
// One place, so the runtime, the catalog and the IAM policies can never disagree about a prefix.

/** The folder of a local dataset's bronze objects (hidden: Hive and Athena skip names starting with "_"). */
export const BRONZE_OBJECTS = '_objects';

/** The folder of a dataset's staging records, staging/<dataset>/_strata/ (layout.stagingRecord). */
export const STAGING_RECORDS = '_strata';
const RECORD_KEY = new RegExp(`^staging/([^/]+)/${STAGING_RECORDS}/(.+)\\.json$`);

export const layout = {
  bronze: (dataset: string) => `bronze/${dataset}/`,
  /**
   * Local lakes only: where bronze keeps an object it was given, named by its content id (SHA-256, 32 hex digits).
   * A local folder holds one file per name where S3 keeps every version of a key: content-addressed keys keep every
   * object (x1/part.csv and x2/part.csv, or a fixed file sent again under its name, are two objects), and the same
   * bytes under the same name are one object (re-ingesting it changes nothing). `name` may hold folders.
   */
  bronzeObject: (dataset: string, contentId: string, name: string) => `bronze/${dataset}/${BRONZE_OBJECTS}/${contentId}/${name}`,
  staging: (dataset: string, runId: string) => `staging/${dataset}/${runId}/`,
  /**
   * The record that strata is writing a staging folder (`prefix`: staging/<dataset>/<rest>/, a run's folder or a gold
   * refresh's inside it), written before the folder's first object and deleted after the folder: <rest>.json in the
   * dataset's staging/<dataset>/_strata/. gc deletes only staging folders such a record names (runtime/table/gc.ts
   * gcStaging): never what strata did not create. Inside the dataset's staging prefix, so the steps that write and
   * delete its staging hold the grants for it (core/plan/access.ts). Run ids never begin with "_" (stage refuses one).
   */
  stagingRecord: (prefix: string) => {
    const [, dataset, rest] = /^staging\/([^/]+)\/(.+)\/$/.exec(prefix) ?? [];
    if (!dataset || !rest) throw new Error(`not a staging folder: ${prefix}`);
    return `staging/${dataset}/${STAGING_RECORDS}/${rest}.json`;
  },
  /** The folder whose record is `key` (layout.stagingRecord's inverse); undefined for a key that is no such record. */
  stagingOfRecord: (key: string): string | undefined => {
    const m = RECORD_KEY.exec(key);
    return m ? `staging/${m[1]}/${m[2]}/` : undefined;
  },
  silver: (dataset: string) => `silver/${dataset}/`,
  quarantine: (dataset: string) => `quarantine/${dataset}/`,
  gold: (table: string) => `gold/${table}/`,
  /** The table's current state: partitions → version locations, committed sources, history. */
  manifest: (tableRoot: string) => `${tableRoot}_strata/manifest.json`,
  /** A copy of every committed manifest version (<10-digit version>.json): what a lost or damaged manifest is restored from. */
  manifestHistory: (tableRoot: string) => `${tableRoot}_strata/history/`,
  /**
   * The markers of a committed source that gc moved out of the manifest (runtime/table/manifest.ts collectGarbage),
   * one per gc pass that moved it (<pass>.json: the source's entry, written once). A marker counts only while the
   * manifest lists its pass (TableManifest.sourceArchives; runtime/table/store.ts committedSource). Outside the
   * table's folder, so that gc's listing of the table (for orphaned version folders) does not grow with them.
   */
  sourceMarkers: (tableRoot: string, sourceId: string) => `_strata/sources/${tableRoot}${sourceId}/`,
  sourceMarker: (tableRoot: string, sourceId: string, pass: string) => `_strata/sources/${tableRoot}${sourceId}/${pass}.json`,
  /** The same markers by the content id of the source's bytes (<source id>.<pass>.json), for "sent twice under two names". */
  contentMarkers: (tableRoot: string, contentId: string) => `_strata/contents/${tableRoot}${contentId}/`,
  /** Every marker of a table, by source id and by content id (what the stage and commit steps may read). */
  markersOf: (tableRoot: string) => [`_strata/sources/${tableRoot}`, `_strata/contents/${tableRoot}`],
  contentMarker: (tableRoot: string, contentId: string, sourceId: string, pass: string) => `_strata/contents/${tableRoot}${contentId}/${sourceId}.${pass}.json`,
  /** Collected history entries gc moved out of the manifest (TableManifest.historyArchives): immutable JSON arrays. */
  historyArchive: (tableRoot: string, name: string) => `${tableRoot}_strata/archive/${name}`,
  /**
   * What a writer records before it writes a table's version folders (runtime/table/store.ts commitTable; Athena's
   * batch folders, runtime/gold/refresh-athena.ts): one object per run, <runId>.json. gc deletes a version folder no
   * manifest names only when such a record names its run (runtime/table/gc.ts writtenByRun): a v- folder strata did
   * not write is never deleted, whatever it holds (an attack, stop 47: part files a user copied to dt=…/v-backup/).
   */
  writeIntents: (tableRoot: string) => `${tableRoot}_strata/writes/`,
  writeIntent: (tableRoot: string, runId: string) => `${tableRoot}_strata/writes/${runId}.json`,
  runs: (dataset: string) => `_strata/runs/${dataset}/`,
  run: (dataset: string, runId: string) => `_strata/runs/${dataset}/${runId}.json`,
  /** Quality metrics of a dataset's silver gate, one JSON-lines file per evaluation (history for dynamic rules). */
  metrics: (dataset: string) => `_strata/metrics/silver/${dataset}/`,
  /** Quality metrics of a gold table's gate. */
  goldMetrics: (table: string) => `_strata/metrics/gold/${table}/`,
  /**
   * Each gate evaluation's results (every rule: outcome, metrics, message), one JSON file per evaluation, named like
   * its metrics file. The state machine carries the key, not the results (a state may hold 256 KiB); the run record
   * reads them back. Apart from _strata/metrics/, which the strata.quality_metrics table reads whole.
   */
  qualityResults: (layer: 'silver' | 'gold', name: string) => `_strata/quality/${layer}/${name}/`,
  schemas: (dataset: string) => `_strata/schemas/${dataset}/`,
  /**
   * Each compaction execution's whole result (every table's partitions: outcome, files and bytes before and after),
   * one JSON file per execution, <runId>.json. The state machine carries its key and counts, not the partitions (a
   * state holds at most 256 KiB: a compaction of 2,000 partitions returned 272,169 bytes); `strata compact` reads it back.
   */
  compactions: (dataset: string) => `_strata/compactions/${dataset}/`,
  /** Where every dataset's compaction results are (compactions). */
  compactionsRoot: '_strata/compactions/',
} as const;

/**
 * Days a compaction's result (layout.compactions) is kept: read back only by its own execution's retried attempts and
 * `strata compact`. strata gc deletes it then (runtime/table/gc.ts), the lake bucket's lifecycle rule in AWS
 * (stacks/storage.ts LIFECYCLE.compactionResults).
 */
export const COMPACTION_RESULT_DAYS = 7;

/** Layers in the order data flows through them. */
export const LAYERS = ['bronze', 'staging', 'silver', 'quarantine', 'gold', '_strata'] as const;
export type Layer = (typeof LAYERS)[number];

export function layerOf(key: string): Layer {
  const first = key.split('/')[0] as Layer;
  if (!LAYERS.includes(first)) throw new Error(`key outside the lake layout: ${key}`);
  return first;
}

/** A partition version folder: silver/orders/dt=2025-06-15/v-<runId>/ */
export function versionPrefix(tableRoot: string, partitionPath: string, runId: string): string {
  return `${tableRoot}${partitionPath ? partitionPath + '/' : ''}v-${runId}/`;
}

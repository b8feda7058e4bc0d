// The catalog in AWS: Glue tables and partitions that Athena reads. Like the local catalog it only mirrors the
// manifests, so every call is idempotent and safe to repeat after a crash or alongside a concurrent register.
//
// A partition's version switch is one Glue partition update (BatchUpdatePartition repoints its location to the
// new version folder): a reader sees the old folder or the new one, never a mix. Unpartitioned tables switch by
// repointing the table itself. Glue throttles and reports concurrent edits under parallel runs; those calls are
// retried here with backoff and jitter, then surface unchanged so the step is retried as transient.
import {
  BatchCreatePartitionCommand, BatchDeletePartitionCommand, BatchUpdatePartitionCommand,
  CreateTableCommand, GetPartitionsCommand, GetTableCommand, UpdateTableCommand,
  type CreateTableCommandInput, type GlueClient, type PartitionInput, type Table, type TableInput,
} from '@aws-sdk/client-glue';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { tableInput } from '../../core/plan/glue-table.ts';
import type { RunRecord } from '../runs/record.ts';
import { runOfVersion, type TableManifest } from '../table/manifest.ts';
import { batchFailure, sendBatch, type EntryFailure } from '../aws/batch-errors.ts';
import { chunks } from '../aws/chunks.ts';
import { manifestPartitions, planPartitionSync, valuesKey, type GluePartitionRef } from '../aws/glue-partitions.ts';
import { diffTable, mergedTableInput, partitionDescriptor, sdkTableInput } from '../aws/glue-tables.ts';
import { errorName, withRetry, type RetryOptions } from '../aws/retry.ts';
import type { Catalog, CatalogLayer, CatalogTable, SyncSummary } from './port.ts';

export interface GlueCatalogOptions {
  client: GlueClient;
  databases: Record<CatalogLayer, string>;
  /** Lake-relative key → s3:// URI (S3Storage#uri). */
  locationOf: (key: string) => string;
  catalogId?: string;
  retry?: RetryOptions;
}

/** Glue API limits per call. */
export const GLUE_LIMITS = { create: 100, update: 100, delete: 25 } as const;

/**
 * Table parameters recording which manifest the table mirrors. A register holding an older manifest than the one
 * already mirrored (concurrent runs finish in any order) leaves the table alone, as the local catalog does; the
 * lineage (the manifest's first run) tells a recreated lake, whose versions start again at 1, from a stale one.
 */
export const MANIFEST_VERSION = 'strata.manifest_version';
export const MANIFEST_LINEAGE = 'strata.manifest_lineage';
/**
 * The runs of the newest versions the table mirrors ("12:<run> 13:<run>", at most RUNS_KEPT): a register of a version
 * the table mirrors by another run is not a stale one. The version was lost (a manifest restored from an older copy,
 * e.g. an S3 object version put back) and a later commit reused its number, so it is registered.
 */
export const MANIFEST_RUNS = 'strata.manifest_runs';
const RUNS_KEPT = 16;
/**
 * The schema hash the table's partitions carry (each partition has a storage descriptor of its own): set once every
 * partition was given the table's columns. A sync interrupted after UpdateTable and before the partitions (a Lambda
 * timeout) saw no schema change when retried, and the partitions kept the old columns for good (an attack, stop 49).
 */
export const PARTITIONS_SCHEMA = 'strata.partitions_schema_hash';

/** Where an unpartitioned table with no data points: a folder nothing is written to (not the table root, whose
 *  version folders Athena would all read). */
export const EMPTY_FOLDER = '_empty/';

const NOTHING: SyncSummary = { created: 0, updated: 0, deleted: 0 };

export class GlueCatalog implements Catalog {
  readonly kind = 'glue' as const;
  private readonly client: GlueClient;
  private readonly databases: Record<CatalogLayer, string>;
  private readonly locationOf: (key: string) => string;
  private readonly catalog: { CatalogId?: string };
  private readonly retry: RetryOptions;

  constructor(opts: GlueCatalogOptions) {
    this.client = opts.client;
    this.databases = opts.databases;
    this.locationOf = opts.locationOf;
    this.catalog = opts.catalogId ? { CatalogId: opts.catalogId } : {};
    this.retry = opts.retry ?? {};
  }

  async syncTable(table: CatalogTable, m: TableManifest): Promise<SyncSummary> {
    const db = this.databases[table.layer];
    const existing = await this.getTable(db, table.glue.Name);
    const lineage = m.lineage ?? m.history[0]?.runId ?? '';
    const held = existing?.Parameters ?? {};
    const mine = runOfVersion(m, m.version);
    const theirs = new Map((held[MANIFEST_RUNS] ?? '').split(' ').filter(Boolean).map((e) => [Number(e.slice(0, e.indexOf(':'))), e.slice(e.indexOf(':') + 1)]));
    // A version older than the runs the table keeps: not known to be stale, so registered (syncToLatest's re-read then
    // registers the newest manifest if this one was stale after all).
    const lost = mine !== undefined && (theirs.has(m.version) ? theirs.get(m.version) !== mine : theirs.size > 0 && m.version < Math.min(...theirs.keys()));
    if (held[MANIFEST_LINEAGE] === lineage && Number(held[MANIFEST_VERSION]) > m.version && !lost) return NOTHING;

    const root = table.glue.StorageDescriptor.Location;
    const partitioned = table.glue.PartitionKeys.length > 0;
    const only = partitioned ? undefined : Object.values(m.partitions)[0];
    const location = this.locationOf(partitioned ? root : only ? only.location : `${root}${EMPTY_FOLDER}`);
    // Always written (empty when gc archived the whole history): a table keeps parameters strata does not set.
    const runs = m.history.slice(-RUNS_KEPT).map((h) => `${h.version}:${h.runId}`).join(' ');
    const params = { [MANIFEST_VERSION]: String(m.version), [MANIFEST_LINEAGE]: lineage, [MANIFEST_RUNS]: runs };
    // Which schema the partitions carry: the table's own unless its columns change now (then what they carried, until
    // this sync has given them the new ones), or an earlier sync changed them and stopped before its partitions did.
    const hash = table.glue.Parameters['strata.schema_hash'] ?? '';
    const input = (carries?: string) => sdkTableInput(table.glue, location, carries === undefined ? params : { ...params, [PARTITIONS_SCHEMA]: carries });
    const carried = !partitioned ? undefined
      : !existing ? hash
      : diffTable(existing, input()).schemaChanged ? held[PARTITIONS_SCHEMA] ?? 'unknown'
      : held[PARTITIONS_SCHEMA] ?? hash;
    const desired = input(carried);
    const t = await this.ensureTable(db, desired, { table: existing });

    if (!partitioned) {
      const empty = this.locationOf(`${root}${EMPTY_FOLDER}`);
      const was = t.previous?.StorageDescriptor?.Location;
      const had = was !== undefined && was !== empty;
      const has = only !== undefined;
      return { created: !had && has ? 1 : 0, updated: had && has && was !== location ? 1 : 0, deleted: had && !has ? 1 : 0 };
    }
    const current = t.created ? [] : await this.getPartitions(db, desired.Name!);
    const behind = carried !== hash;
    const plan = planPartitionSync(current, manifestPartitions(m, this.locationOf), { schemaChanged: t.schemaChanged || behind });
    // New partitions first, then switches, then removals: a reader never finds a partition missing mid-sync.
    const exists = await this.createPartitions(db, desired, plan.create);
    const missing = await this.updatePartitions(db, desired, [...plan.update, ...plan.refresh, ...exists]);
    const stillMissing = await this.createPartitions(db, desired, missing);
    if (stillMissing.length) throw batchFailure(`creating partitions of ${db}.${desired.Name}`, stillMissing.map((item) => ({ item, code: 'AlreadyExistsException', message: 'partition appeared and vanished during sync' })), describe);
    await this.deletePartitions(db, desired.Name!, plan.delete);
    // Every partition has the table's columns now: said so last (a retry after a failure above refreshes them again).
    if (behind) await this.ensureTable(db, input(hash));
    return { created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length };
  }

  /** Quarantine: plain Parquet files in one folder, read whole; the table only has to exist and point there. */
  async syncFiles(table: CatalogTable, _files: readonly string[]): Promise<void> {
    const db = this.databases[table.layer];
    await this.ensureTable(db, sdkTableInput(table.glue, this.locationOf(table.glue.StorageDescriptor.Location)));
  }

  /** Run records are JSON files under _strata/runs/, read through a static table (runsTableInput) the stacks create. */
  async putRun(_run: RunRecord): Promise<void> {}

  private async getTable(db: string, name: string): Promise<Table | undefined> {
    try {
      const r = await withRetry(() => this.client.send(new GetTableCommand({ ...this.catalog, DatabaseName: db, Name: name })), this.retry);
      return r.Table;
    } catch (e) {
      if (errorName(e) === 'EntityNotFoundException') return undefined; // the table, or its whole database
      throw e;
    }
  }

  /** Create the table, or bring it in line with `desired`. */
  private async ensureTable(db: string, desired: TableInput, known?: { table: Table | undefined }): Promise<{ created: boolean; previous?: Table; schemaChanged: boolean }> {
    let existing = known ? known.table : await this.getTable(db, desired.Name!);
    if (!existing) {
      if (await this.createTable(db, desired)) return { created: true, schemaChanged: false };
      existing = await this.getTable(db, desired.Name!); // another register created it meanwhile
      if (!existing) throw new Error(`Glue table ${db}.${desired.Name} was reported to exist but cannot be read`);
    }
    const diff = diffTable(existing, desired);
    if (diff.changed) {
      await withRetry(() => this.client.send(new UpdateTableCommand({
        ...this.catalog, DatabaseName: db, TableInput: mergedTableInput(existing, desired),
        // A schema change is worth a table version to look back at; a version switch happens every commit and
        // would only fill the per-table version quota.
        SkipArchive: !diff.schemaChanged,
      })), this.retry);
    }
    return { created: false, previous: existing, schemaChanged: diff.schemaChanged };
  }

  /**
   * False when the table already exists (a concurrent creator won). A missing database is an error: the stage's
   * deploy creates the databases, and no runtime role may create one (least privilege, core/plan/access.ts).
   */
  private async createTable(db: string, input: TableInput): Promise<boolean> {
    try {
      await withRetry(() => this.client.send(new CreateTableCommand({ ...this.catalog, DatabaseName: db, TableInput: input })), this.retry);
      return true;
    } catch (e) {
      if (errorName(e) === 'AlreadyExistsException') return false;
      if (errorName(e) === 'EntityNotFoundException') {
        throw new StrataError(ERRORS.Internal, `Glue database ${db} does not exist, so table ${input.Name} cannot be created: the stage's deploy creates its databases (npx sst deploy --stage <stage>); was it deleted by hand?`);
      }
      throw e;
    }
  }

  private async getPartitions(db: string, table: string): Promise<GluePartitionRef[]> {
    const out: GluePartitionRef[] = [];
    let token: string | undefined;
    do {
      const r = await withRetry(() => this.client.send(new GetPartitionsCommand({
        ...this.catalog, DatabaseName: db, TableName: table, ExcludeColumnSchema: true, ...(token ? { NextToken: token } : {}),
      })), this.retry);
      for (const p of r.Partitions ?? []) out.push({ values: p.Values ?? [], location: p.StorageDescriptor?.Location ?? '' });
      token = r.NextToken;
    } while (token);
    return out;
  }

  /** Returns the partitions that turned out to exist already (to be updated instead). */
  private async createPartitions(db: string, table: TableInput, parts: GluePartitionRef[]): Promise<GluePartitionRef[]> {
    const exists: GluePartitionRef[] = [];
    for (const batch of chunks(parts, GLUE_LIMITS.create)) {
      const failed = await sendBatch(batch, async (items) => {
        const r = await withRetry(() => this.client.send(new BatchCreatePartitionCommand({
          ...this.catalog, DatabaseName: db, TableName: table.Name, PartitionInputList: items.map((p) => partitionInput(table, p)),
        })), this.retry);
        return failures(items, (r.Errors ?? []).map((e) => ({ values: e.PartitionValues, detail: e.ErrorDetail })));
      }, this.retry);
      exists.push(...failed.filter((f) => f.code === 'AlreadyExistsException').map((f) => f.item));
      const bad = failed.filter((f) => f.code !== 'AlreadyExistsException');
      if (bad.length) throw batchFailure(`creating partitions of ${db}.${table.Name}`, bad, describe);
    }
    return exists;
  }

  /** Returns the partitions that turned out not to exist (to be created instead). */
  private async updatePartitions(db: string, table: TableInput, parts: GluePartitionRef[]): Promise<GluePartitionRef[]> {
    const missing: GluePartitionRef[] = [];
    for (const batch of chunks(parts, GLUE_LIMITS.update)) {
      const failed = await sendBatch(batch, async (items) => {
        const r = await withRetry(() => this.client.send(new BatchUpdatePartitionCommand({
          ...this.catalog, DatabaseName: db, TableName: table.Name,
          Entries: items.map((p) => ({ PartitionValueList: p.values, PartitionInput: partitionInput(table, p) })),
        })), this.retry);
        return failures(items, (r.Errors ?? []).map((e) => ({ values: e.PartitionValueList, detail: e.ErrorDetail })));
      }, this.retry);
      missing.push(...failed.filter((f) => f.code === 'EntityNotFoundException').map((f) => f.item));
      const bad = failed.filter((f) => f.code !== 'EntityNotFoundException');
      if (bad.length) throw batchFailure(`updating partitions of ${db}.${table.Name}`, bad, describe);
    }
    return missing;
  }

  private async deletePartitions(db: string, table: string, parts: GluePartitionRef[]): Promise<void> {
    for (const batch of chunks(parts, GLUE_LIMITS.delete)) {
      const failed = await sendBatch(batch, async (items) => {
        const r = await withRetry(() => this.client.send(new BatchDeletePartitionCommand({
          ...this.catalog, DatabaseName: db, TableName: table, PartitionsToDelete: items.map((p) => ({ Values: p.values })),
        })), this.retry);
        return failures(items, (r.Errors ?? []).map((e) => ({ values: e.PartitionValues, detail: e.ErrorDetail })));
      }, this.retry);
      // Already gone (a concurrent register removed it): that is the state we want.
      const bad = failed.filter((f) => f.code !== 'EntityNotFoundException');
      if (bad.length) throw batchFailure(`deleting partitions of ${db}.${table}`, bad, describe);
    }
  }
}

function partitionInput(table: TableInput, p: GluePartitionRef): PartitionInput {
  return { Values: p.values, StorageDescriptor: partitionDescriptor(table, p.location) };
}

/** Batch Errors name the partition by its values: map them back to what was sent. */
function failures(
  sent: GluePartitionRef[], errors: Array<{ values: string[] | undefined; detail: { ErrorCode?: string; ErrorMessage?: string } | undefined }>,
): Array<EntryFailure<GluePartitionRef>> {
  const byValues = new Map(sent.map((p) => [valuesKey(p.values), p]));
  return errors.map((e) => ({
    item: byValues.get(valuesKey(e.values ?? [])) ?? { values: e.values ?? [], location: '' },
    code: e.detail?.ErrorCode ?? 'Unknown',
    message: e.detail?.ErrorMessage ?? '',
  }));
}

function describe(p: GluePartitionRef): string {
  return `partition (${p.values.join(', ')})`;
}

/**
 * The strata.runs table for Athena: the run records (runtime/runs/record.ts), one JSON object per file under
 * _strata/runs/<dataset>/<runId>.json, read recursively from _strata/runs/. Columns are snake_case like the local
 * strata.runs view; the OpenX SerDe maps them to the records' camelCase keys. Timestamps stay ISO text
 * (from_iso8601_timestamp(started_at) in queries); open-ended objects (quality, gold) are JSON text.
 * The stacks create it once: `new CreateTableCommand(runsTableInput(db, storage.uri.bind(storage)))`.
 */
export function runsTableInput(database: string, locationOf: (key: string) => string): CreateTableCommandInput {
  const columns: Array<[name: string, key: string, type: string, comment: string]> = [
    ['run_id', 'runId', 'string', 'execution name; the run id in every key the run wrote'],
    ['dataset', 'dataset', 'string', ''],
    ['status', 'status', 'string', 'SUCCEEDED, REJECTED, HALTED, FAILED or SKIPPED'],
    ['source', 'source', 'struct<key:string,etag:string,size:bigint,sourceid:string>', 'the bronze object'],
    ['started_at', 'startedAt', 'string', 'ISO 8601'],
    ['finished_at', 'finishedAt', 'string', 'ISO 8601'],
    ['duration_ms', 'durationMs', 'bigint', ''],
    ['rows_in', 'rowsIn', 'bigint', 'rows_in = rows_valid + rows_quarantined'],
    ['rows_valid', 'rowsValid', 'bigint', ''],
    ['rows_quarantined', 'rowsQuarantined', 'bigint', ''],
    ['rows_superseded', 'rowsSuperseded', 'bigint', 'upsert: replaced by a later row with the same key in the file'],
    ['partitions', 'partitions', 'array<string>', 'partition paths whose new versions the run committed'],
    ['timings', 'timings', 'array<struct<step:string,ms:bigint>>', ''],
    ['warnings', 'warnings', 'array<string>', ''],
    ['reasons', 'reasons', 'array<struct<column:string,rule:string,count:bigint,line:bigint,record:bigint,message:string>>', 'quarantine reasons'],
    ['committed_by', 'committedBy', 'string', 'SKIPPED: the run that committed the object before'],
    ['error', 'error', 'struct<name:string,message:string>', ''],
    ['quality', 'quality', 'string', 'JSON'],
    ['gold', 'gold', 'string', 'JSON'],
    ['execution', 'execution', 'struct<engine:string,name:string,path:array<string>,events:array<struct<type:string,state:string,at:string,error:string,cause:string,attempt:int>>>', ''],
  ];
  const t = tableInput({
    name: 'runs',
    description: 'One row per pipeline run (strata run records)',
    columns: columns.map(([Name, , Type, Comment]) => ({ Name, Type, ...(Comment ? { Comment } : {}) })),
    partitionKeys: [],
    location: '_strata/runs/',
    parameters: { 'strata.layer': 'strata', 'strata.table': 'runs' },
    format: 'json',
  });
  t.StorageDescriptor.SerdeInfo.Parameters = Object.fromEntries(
    columns.filter(([name, key]) => name !== key).map(([name, key]) => [`mapping.${name}`, key]));
  return { DatabaseName: database, TableInput: sdkTableInput(t, locationOf(t.StorageDescriptor.Location)) };
}

// The catalog port: what readers (DuckDB locally, Athena in AWS) see by name. It always mirrors the manifests,
// never the other way round, so registering is idempotent and can be repeated after any crash.
import type { GlueTableInput } from '../../core/plan/glue-table.ts';
import type { RunRecord } from '../runs/record.ts';
import type { TableManifest } from '../table/manifest.ts';

/** What brings catalog.duckdb up to date when a run or a command could not (its work standing in the lake). */
export const CATALOG_WAY_BACK = 'the next read (strata query) or strata doctor --repair brings catalog.duckdb up to date';

export type CatalogLayer = 'silver' | 'gold' | 'quarantine';

export interface CatalogTable {
  layer: CatalogLayer;
  name: string;
  glue: GlueTableInput;
}

export interface SyncSummary {
  created: number;
  updated: number;
  deleted: number;
}

export interface Catalog {
  readonly kind: 'local' | 'glue';
  /** Make the table (schema and partitions) match the manifest. */
  syncTable(table: CatalogTable, manifest: TableManifest): Promise<SyncSummary>;
  /** An unpartitioned table over a list of files (quarantine). */
  syncFiles(table: CatalogTable, files: readonly string[]): Promise<void>;
  putRun(run: RunRecord): Promise<void>;
}

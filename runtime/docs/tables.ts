// A table's state for the docs, from its manifest: partitions with their files, bytes and rows; the schema versions
// it was written with and what each changed; the history of commits and publishes.
import type { ColumnSpec } from '../../core/schema/model.ts';
import { compareSchemas } from '../../core/schema/evolution.ts';
import { historyCounts, type TableManifest } from '../table/manifest.ts';
import type { ColumnDoc, SchemaVersion, TableState } from './model.ts';

/** History entries shown per table (the manifest keeps them all until gc compacts them). */
const CHANGES_SHOWN = 50;

export function tableState(m: TableManifest): TableState {
  const partitions = Object.values(m.partitions)
    .map((p) => ({ path: p.path, files: p.files.length, bytes: p.bytes, rows: p.rows, runId: p.runId, committedAt: p.committedAt }))
    .sort((a, b) => (a.committedAt < b.committedAt ? 1 : a.committedAt > b.committedAt ? -1 : a.path.localeCompare(b.path)));
  const sum = (f: (p: (typeof partitions)[number]) => number) => partitions.reduce((a, p) => a + f(p), 0);
  return {
    version: m.version,
    updatedAt: m.updatedAt,
    partitionKeys: m.partitionKeys,
    partitions,
    totals: { partitions: partitions.length, files: sum((p) => p.files), bytes: sum((p) => p.bytes), rows: sum((p) => p.rows) },
    schemaHistory: schemaVersions(m),
    changes: [...m.history].reverse().slice(0, CHANGES_SHOWN).map((h) => ({ version: h.version, runId: h.runId, at: h.at, kind: h.kind, ...historyCounts(h) })),
  };
}

function schemaVersions(m: TableManifest): SchemaVersion[] {
  const history = m.schemaHistory ?? [];
  return history.map((v, i) => {
    const prev = history[i - 1];
    return {
      hash: v.hash, appliedAt: v.appliedAt, runId: v.runId, columns: v.columns, partitionKeys: v.partitionKeys,
      changes: prev ? compareSchemas({ hash: prev.hash, columns: prev.columns, partitionKeys: prev.partitionKeys }, v).map((c) => c.message) : [],
    };
  });
}

/** A schema column with its checks written as the schema file writes them. */
export function columnDoc(c: ColumnSpec, primaryKey: readonly string[]): ColumnDoc {
  const list = (v: ReadonlyArray<string | number | boolean>) => v.map((x) => JSON.stringify(x)).join(', ');
  const checks = [
    ...(primaryKey.includes(c.name) ? ['primary key'] : []),
    ...(c.required ? ['required'] : []),
    ...(c.allowed ? [`allowed [${list(c.allowed)}]`] : []),
    ...(c.min !== undefined ? [`min ${c.min}`] : []),
    ...(c.max !== undefined ? [`max ${c.max}`] : []),
    ...(c.pattern !== undefined ? [`pattern ${c.pattern}`] : []),
    ...(c.maxLength !== undefined ? [`maxLength ${c.maxLength}`] : []),
    ...(c.format ? [`format ${c.format.join(' | ')}`] : []),
    ...(c.nullValues ? [`nullValues [${list(c.nullValues)}]`] : []),
  ];
  return { name: c.name, type: c.typeText, ...(c.description ? { description: c.description } : {}), ...(c.from !== c.name ? { from: c.from } : {}), checks };
}

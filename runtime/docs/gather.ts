// What the data docs read from a lake, through the storage port only: run records (_strata/runs/), quality metrics
// (_strata/metrics/), and each table's manifest. A local folder and a lake bucket in S3 give the same facts; nothing
// is written. In S3 that is one ListObjectsV2 per prefix (paged) and one GetObject per file.
import { ERRORS, StrataError } from '../../core/errors.ts';
import { layout } from '../../core/plan/layout.ts';
import { parseMetricLines, type MetricLine } from '../quality/metrics.ts';
import { readRunRecords } from '../runs/read.ts';
import type { RunRecord } from '../runs/record.ts';
import type { Storage } from '../storage/port.ts';
import { MANIFEST_FORMAT, newerFormat, type TableManifest } from '../table/manifest.ts';
import { fullHistory } from '../table/store.ts';
import { mapLimit } from '../util/limit.ts';

export interface LakeFacts {
  lake: { kind: 'local' | 's3'; uri: string };
  /** Newest first. */
  runs: RunRecord[];
  /** "silver:<dataset>" / "gold:<table>" → manifest; absent while nothing was committed. */
  manifests: Record<string, TableManifest>;
  /** Every metric line of every gate evaluation. */
  metrics: MetricLine[];
  /** Where each dataset's uploads go (bronze prefix URI). */
  bronze: Record<string, string>;
}

const READS = 16;

export async function gatherLake(storage: Storage, tables: { datasets: readonly string[]; gold: readonly string[] }): Promise<LakeFacts> {
  const wanted = [
    ...tables.datasets.map((d) => ({ id: `silver:${d}`, root: layout.silver(d) })),
    ...tables.gold.map((g) => ({ id: `gold:${g}`, root: layout.gold(g) })),
  ].map((w) => ({ ...w, key: layout.manifest(w.root) }));
  const [runs, manifests, metrics] = await Promise.all([
    readRunRecords(storage),
    mapLimit(wanted, READS, async (w) => ({ id: w.id, manifest: await withArchives(storage, w.root, ofThisFormat(storage, w.key, parseJson<TableManifest>(storage, w.key, await storage.readText(w.key)))) })),
    readAllMetrics(storage),
  ]);
  return {
    lake: { kind: storage.kind, uri: lakeUri(storage) },
    runs,
    manifests: Object.fromEntries(manifests.filter((m) => m.manifest).map((m) => [m.id, m.manifest!])),
    metrics,
    bronze: Object.fromEntries(tables.datasets.map((d) => [d, storage.uri(layout.bronze(d))])),
  };
}

async function readAllMetrics(storage: Storage): Promise<MetricLine[]> {
  const keys = (await storage.list('_strata/metrics/')).map((o) => o.key).filter((k) => k.endsWith('.jsonl'));
  const files = await mapLimit(keys, READS, async (key) => {
    const text = await storage.readText(key);
    try {
      return text === undefined ? [] : parseMetricLines(text);
    } catch (e) {
      throw new StrataError(ERRORS.UnreadableFile, `metrics file ${storage.uri(key)} is not JSON lines (${(e as Error).message}); move it aside to build the docs`);
    }
  });
  return files.flat();
}

function parseJson<T>(storage: Storage, key: string, text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new StrataError(ERRORS.UnreadableFile, `${storage.uri(key)} is not valid JSON (${(e as Error).message})`);
  }
}

/** A manifest this strata reads; one of a later format (written by a newer strata) stops the build, as a damaged one does. */
function ofThisFormat(storage: Storage, key: string, m: TableManifest | undefined): TableManifest | undefined {
  if (m && newerFormat(m)) {
    throw new StrataError(ERRORS.UnreadableFile, `${storage.uri(key)} is in format ${m.formatVersion}, written by a newer strata; this one reads formats up to `
      + `${MANIFEST_FORMAT}: build the docs with the strata that wrote it`);
  }
  return m;
}

/** A manifest with its whole history (the entries gc moved into archives first: runtime/table/store.ts fullHistory). */
async function withArchives(storage: Storage, root: string, m: TableManifest | undefined): Promise<TableManifest | undefined> {
  if (!m?.historyArchives?.length) return m;
  return { ...m, history: await fullHistory(storage, root, m) };
}

/** The lake's root as a URI (file:///…/lake/ or s3://bucket/prefix/): the storage names keys, not the root itself. */
function lakeUri(storage: Storage): string {
  const probe = '_strata/';
  return storage.uri(probe).slice(0, -probe.length);
}

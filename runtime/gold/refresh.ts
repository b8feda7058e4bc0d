// Step: refresh one gold table after a silver commit — write, audit, publish.
//   write:   the new partition versions go to run-specific folders (gold/<table>/<p>=<v>/v-<runId>/), unseen;
//   audit:   the table's quality gate runs on exactly those rows;
//   publish: one compare-and-swap of the gold manifest, then the catalog. A halt publishes nothing.
// Incremental refresh recomputes only the gold partitions fed by the silver partitions changed since the versions
// the gold table was derived from: their values come from partition metadata, and only the silver partitions
// feeding them are read.
import { join } from 'node:path';
import { withDuck, withDuckSession, withUserSqlSession, pathLit, statementBudgetMs, type Duck } from '../engine/duckdb.ts';
import { damagedFileMessage, damagedFileNamedBy, firstDamaged, type DamagedFile } from '../table/damaged-file.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { userSqlMessage } from '../../core/sql/engine-message.ts';
import { subquery } from '../../core/sql/sandbox.ts';
import { createView } from '../engine/views.ts';
import { layout } from '../../core/plan/layout.ts';
import { stepSizing } from '../../core/plan/sizing.ts';
import { goldReadOverEnvelope } from '../pipeline/limits.ts';
import { DRIVER_FILTER_MAX, driverFilter } from '../../core/gold/athena.ts';
import { folderValueProblem, partitionPath } from '../../core/plan/partitioning.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { syncToLatest } from '../pipeline/register.ts';
import { ident, str } from '../../core/sql/quote.ts';
import { removePrefix } from '../storage/prefix.ts';
import { recordStaging, removeStaging } from '../table/staging.ts';
import { changesBy, changeSummary, onlyCompactionsBetween, refuseUnevolvable, runOfVersion, type DerivedRun, type PartitionVersion, type TableManifest } from '../table/manifest.ts';
import { commitTable, createManifest, fullHistory, readManifest } from '../table/store.ts';
import type { Storage } from '../storage/port.ts';
import { mapLimit } from '../util/limit.ts';
import { PARQUET_CODEC } from '../ingest/validate-file.ts';
import { auditGold } from '../quality/gold-audit.ts';
import { hasRules } from '../../core/schema/model.ts';
import { duckRuleRunner } from '../quality/evaluate-rules.ts';
import { goldShape, vetGoldPlan, type GoldPlan, type Incremental } from '../../core/gold/analyze.ts';
import { fault } from '../util/fault.ts';
import { writeOnAthena } from './refresh-athena.ts';
import type { AuditTarget, GateOutcome, GoldAudit, GoldInput, GoldOutput, Written } from './types.ts';

export interface RefreshOptions {
  /** Default: the table's DQDL gate. */
  audit?: GoldAudit;
  /** Recompute every partition even when the table refreshes incrementally (strata refresh, which is always full; the bench). */
  full?: boolean;
}

/** Publishes that lose the compare-and-swap are computed again from what the winner saw; give up after this many. */
const MAX_ATTEMPTS = 30;

/**
 * Refresh one gold table: bring it up to its SQL over the current versions of what it reads, and publish it.
 *
 * Which partitions to recompute comes from the gold manifest's `derivedFrom` (the input versions its partitions
 * reflect) and the driver's history: every silver partition changed since then (and `input.partitions`). So a run
 * whose silver commit was not followed by its gold refresh (a crash, a killed rollback) is caught up by the next
 * run of the dataset, SKIPPED runs included. A publish that loses the compare-and-swap to another refresh is not
 * rebuilt on top of the winner (its rows were computed from older inputs): it starts again from the winner's state,
 * and finds it `unchanged` when the winner already covered its inputs.
 */
export async function refreshGold(ctx: PipelineContext, input: GoldInput, opts: RefreshOptions = {}): Promise<GoldOutput> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const out = await refreshOnce(ctx, input, opts, started);
    if (out !== 'lost') return out;
    if (attempt >= MAX_ATTEMPTS) {
      throw new StrataError(ERRORS.CommitConflict, `could not publish gold.${input.table} after ${MAX_ATTEMPTS} attempts: too many concurrent refreshes`);
    }
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 20 * 2 ** attempt)));
  }
}

/** The work of one refresh: every input's version, and which partitions to recompute (none, some, all). */
export interface Scope {
  /** Version of each input read ("silver.orders", "gold.daily_revenue"): what the publish records as derivedFrom. */
  versions: Record<string, number>;
  /** The run of each of those versions, where known: what the publish records as derivedFromRuns. */
  runs: Record<string, DerivedRun>;
  /** Inputs whose version the gold table reflects by number, committed by another run (it went back and reused it). */
  reused: string[];
  /** Inputs with versions the gold table does not reflect yet. */
  behind: string[];
  /** Silver partitions of the incremental driver to recompute from; undefined: everything (a full refresh). */
  paths: Set<string> | undefined;
}

/**
 * What a refresh of `plan` has to do, given the gold manifest and its inputs' manifests (pure). `archived`: the run of
 * an input's reflected version where gc moved it out of the input's history (reflectedRunsArchived).
 */
export function refreshScope(plan: GoldPlan, gold: { manifest: TableManifest; exists: boolean }, inputs: Map<string, TableManifest>, requested: string[], full: boolean,
  archived: ReadonlyMap<string, string> = new Map()): Scope {
  const versions = Object.fromEntries([...inputs].map(([k, m]) => [k, m.version]));
  // No manifest yet, or an empty one: derived from nothing. A gold rollback or an older strata: unknown.
  const done = !gold.exists || gold.manifest.version === 0 ? {} : gold.manifest.derivedFrom;
  const doneRuns = reflectedRuns(gold.exists ? gold.manifest : undefined);
  // The run of each input's version, from its history; or as recorded, for a version gold reflects already (an input
  // whose history gc archived whole).
  const runs = Object.fromEntries([...inputs].flatMap(([k, m]) => {
    const runId = runOfVersion(m, m.version) ?? (doneRuns[k]?.version === m.version ? doneRuns[k].runId : undefined);
    return runId ? [[k, { version: m.version, runId }]] : [];
  }));
  // A version reflected by number whose run the input's history names otherwise: the input went back (a manifest
  // restored from an older copy) and a later commit reused the number. What gold reflects is gone: a full refresh.
  const reused = done ? Object.keys(versions).filter((k) => {
    const was = doneRuns[k];
    const now = was === undefined ? undefined : runOfVersion(inputs.get(k)!, was.version) ?? archived.get(k);
    return was !== undefined && now !== undefined && was.runId !== now;
  }) : [];
  const behind = Object.keys(versions).filter((k) => reused.includes(k) || moved(inputs.get(k)!, done?.[k] ?? 0));
  if (reused.length) return { versions, runs, reused, behind, paths: undefined };
  // A changed gold SQL (its columns, types or text: GoldPlan.schemaHash) rewrites every partition: a table never mixes
  // two shapes or two SQLs.
  const reshaped = gold.manifest.schema !== undefined && gold.manifest.schema.hash !== plan.schemaHash;
  const inc = plan.refresh === 'incremental' ? plan.incremental : undefined;
  const key = inc ? `silver.${inc.driver}` : '';
  // A full refresh unless only the driver moved, forward, with its history of changes intact and no partition removed.
  // The first build is a full one too: the SQL's rows as they are, whatever partitions the driver has (an incremental
  // first build kept only rows whose partition some driver partition names: an attack, stop 45).
  const first = !done || Object.keys(done).length === 0;
  if (full || reshaped || first || !inc || behind.some((k) => k !== key || (done[k] ?? 0) > versions[k]!)) {
    return { versions, runs, reused, behind: full || reshaped || first ? Object.keys(versions) : behind, paths: undefined };
  }
  const paths = new Set(requested);
  const from = done[key] ?? 0;
  // Entries gc moved into an archive hold no changes: a refresh from before the oldest entry kept is full, unless
  // every archived version since is a compaction's.
  const driver = inputs.get(key)!;
  const kept = driver.history[0]?.version ?? driver.version + 1;
  if (from < driver.version && kept > from + 1 && !onlyCompactionsBetween(driver, from, kept - 1)) return { versions, runs, reused, behind, paths: undefined };
  for (const h of driver.history) {
    if (h.version <= from || h.kind === 'compact') continue; // a compaction rewrites files, not rows
    if (h.collected || h.changes.some((c) => !c.to)) return { versions, runs, reused, behind, paths: undefined };
    for (const c of h.changes) paths.add(c.path);
  }
  return { versions, runs, reused, behind, paths };
}

/** A gold manifest's recorded runs that still name the version derivedFrom says it reflects (TableManifest.derivedFromRuns). */
function reflectedRuns(gold: TableManifest | undefined): Record<string, DerivedRun> {
  const out: Record<string, DerivedRun> = {};
  for (const [k, r] of Object.entries(gold?.derivedFromRuns ?? {})) {
    if (typeof r === 'object' && r !== null && r.version === gold?.derivedFrom?.[k]) out[k] = r;
  }
  return out;
}

/**
 * The run of each reflected input version that gc moved out of the input's history into its archives (read only for
 * those: refreshScope compares it with the recorded one). An archive that cannot be read leaves that input out.
 */
export async function reflectedRunsArchived(storage: Storage, gold: TableManifest, inputs: ReadonlyMap<string, TableManifest>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [k, was] of Object.entries(reflectedRuns(gold))) {
    const m = inputs.get(k);
    if (!m?.historyArchives?.length || runOfVersion(m, was.version) !== undefined) continue;
    const [layer, name] = [k.slice(0, k.indexOf('.')), k.slice(k.indexOf('.') + 1)];
    const root = layer === 'gold' ? layout.gold(name) : layout.silver(name);
    const runId = await fullHistory(storage, root, m).then((history) => runOfVersion({ history }, was.version), () => undefined);
    if (runId) out.set(k, runId);
  }
  return out;
}

/**
 * Whether an input changed since version `from`: a version that only compactions wrote since (same rows, fewer files)
 * changes nothing a gold table computes. When neither the history nor gc's archives show every version since as a
 * compaction, it did change.
 */
function moved(input: TableManifest, from: number): boolean {
  return from !== input.version && (from > input.version || !onlyCompactionsBetween(input, from, input.version));
}

/** The SQL text of each plan this process vetted and found clean (refusals are not kept: they throw every time). */
const vetted = new WeakMap<GoldPlan, string>();

async function refreshOnce(ctx: PipelineContext, input: GoldInput, opts: RefreshOptions, started: number): Promise<GoldOutput | 'lost'> {
  const audit = opts.audit ?? auditGold;
  const plan = ctx.gold.get(input.table);
  const { storage } = ctx;
  // The check analyzeGold made, made again before anything else (whether or not the SQL will run), once per plan and
  // SQL text in this process (a warm Lambda, or a lake's runs, refresh the same plan object again and again).
  if (vetted.get(plan) !== plan.sql) {
    await withDuckSession(async (db) => {
      const refused = await vetGoldPlan(db, plan);
      if (refused.length) throw new StrataError(ERRORS.InvalidInput, `gold table ${plan.table}: its SQL is refused: ${refused.map((f) => f.message).join('; ')}`);
    }, ctx.duck);
    vetted.set(plan, plan.sql);
  }
  let read = await readManifest(storage, plan.prefix, goldShape(plan));
  if (read.etag === undefined) {
    // Nothing of a table is written before its manifest exists (the Athena writer stages under the table's folder).
    await createManifest(storage, plan.prefix, goldShape(plan), read.manifest);
    read = await readManifest(storage, plan.prefix, goldShape(plan));
  }
  const current = read.manifest;

  const silver = new Map<string, TableManifest>();
  for (const ds of plan.reads.silver) silver.set(ds, (await readManifest(storage, layout.silver(ds), ctx.plans.get(ds))).manifest);
  // Silver is read through its schema file's types: never one its table cannot evolve to, as ingest and the catalog
  // refuse it (a refresh read decimal(10,2) files as decimal(10,1), 10.25 as 10.3, and published: an attack, stop 47).
  for (const [ds, m] of silver) refuseUnevolvable(m, ctx.plans.get(ds));
  const gold = new Map<string, TableManifest>();
  for (const g of plan.reads.gold) gold.set(g, (await readManifest(storage, layout.gold(g), goldShape(ctx.gold.get(g)))).manifest);
  const inputs = new Map([...[...silver].map(([k, m]) => [`silver.${k}`, m] as const), ...[...gold].map(([k, m]) => [`gold.${k}`, m] as const)]);
  const archived = read.etag === undefined ? new Map<string, string>() : await reflectedRunsArchived(storage, current, inputs);
  const scope = refreshScope(plan, { manifest: current, exists: read.etag !== undefined }, inputs, input.partitions ?? [], opts.full === true, archived);
  let inc = scope.paths ? plan.incremental! : undefined;
  let mode: 'incremental' | 'full' = inc ? 'incremental' : 'full';
  const driverParts = inc ? silver.get(inc.driver)!.partitions : {};
  const touched = [...(scope.paths ?? [])].filter((p) => driverParts[p]);
  const stagingPrefix = `${layout.staging(input.dataset, input.runId)}gold/${plan.table}/`;
  if (!opts.full && !scope.behind.length && !touched.length) {
    // An earlier attempt of this step published for this run, then failed before its catalog followed (a throttled
    // Glue sync, a lost connection) and was retried: what it published is this run's, and the catalog follows now. It
    // returned "unchanged" and left the catalog and its staging as they were: the table was missing from the catalog
    // (Athena reading stale gold), its record said unchanged (an attack, stop 57).
    const earlier = changesBy(current, input.runId, 'publish');
    if (earlier) {
      await Promise.all([
        removeStaging(storage, stagingPrefix),
        syncToLatest(ctx, plan.prefix, goldShape(plan), { layer: 'gold', name: plan.table, glue: plan.glue }, { manifest: current, etag: read.etag! }),
      ]);
      const { partitions, removed, rows } = changeSummary(earlier);
      return { table: plan.table, mode, status: 'published', partitions: partitions.sort(), removed: removed.sort(), rows, read: 0, version: current.version, ms: Date.now() - started };
    }
    return { table: plan.table, mode, status: 'unchanged', partitions: [], removed: [], rows: 0, read: 0, ms: Date.now() - started };
  }
  await removePrefix(storage, stagingPrefix); // an earlier attempt's files
  await recordStaging(storage, stagingPrefix);
  let targets: Set<string | null> | undefined;
  let othersRemain = false;
  const parts = new Map<string, PartitionVersion[]>();
  // Silver read whole by this refresh (everything but the driver of an incremental one): what gold gates may reference.
  let whole = plan.reads.silver.filter((ds) => ds !== inc?.driver);
  // A session on the process's shared instance plans the refresh (partition values not computed before in this
  // process; opening an instance costs 10–20 ms, a session about 1 ms) and parses the SQL for Athena; the SQL itself
  // runs in a locked session (computeOnDuckDB), or in Athena.
  const planning = <T>(fn: (db: Duck) => Promise<T>) => withDuckSession(fn, ctx.duck);
  // Which driver partitions to read, and which gold partition values they feed (from partition values alone).
  for (const [ds, m] of silver) parts.set(ds, Object.values(m.partitions));
  if (inc) {
    const { driver, partition } = inc;
    const all = Object.values(driverParts);
    const changed = new Set(touched);
    const valueOf = await goldValues(planning, inc, ctx.plans.get(driver).partitions.findIndex((p) => p.name === partition), all);
    targets = new Set(all.filter((p) => changed.has(p.path)).map((p) => valueOf.get(p.path) ?? null));
    parts.set(driver, all.filter((p) => targets!.has(valueOf.get(p.path) ?? null)));
    othersRemain = Object.values(current.partitions).some((p) => p.rows > 0 && !targets!.has(p.values[0] ?? null));
    // On Athena every query of the refresh names the driver's partitions (driverFilter): past DRIVER_FILTER_MAX (a
    // backfill of some 4,700 days) the queries would pass Athena's query string quota, and every retry fail the same.
    // The table is recomputed whole instead: the same rows. Decided by the engine the table names, so a local run
    // (on DuckDB) refreshes it as AWS does.
    const driven = parts.get(driver)!;
    if (plan.engine === 'athena' && Buffer.byteLength(driverFilter(ctx.plans.get(driver), driven.map((p) => p.path), new Map(driven.map((p) => [p.path, p.values])), partition)) > DRIVER_FILTER_MAX) {
      parts.set(driver, all);
      inc = undefined;
      mode = 'full';
      targets = undefined;
      othersRemain = false;
      whole = [...plan.reads.silver];
    }
  }
  const out: Written = await (plan.engine === 'athena' && ctx.athena
    ? planning((db) => writeOnAthena(ctx, ctx.athena!, plan, input, { inc, targets, driverParts: inc ? parts.get(inc.driver)! : [], audit, whole, db, othersRemain }))
    : computeOnDuckDB()).catch(async (e: unknown) => {
    // What the failed SQL left in this refresh's staging (the folder it was to write into) goes with it, on either
    // engine: a retry starts from nothing anyway.
    await removeStaging(storage, stagingPrefix).catch(() => undefined);
    throw e;
  });
  if (out.quality?.halted) {
    await removeStaging(storage, stagingPrefix);
    await Promise.all(out.cleanup.map((p) => removePrefix(storage, p)));
    return { table: plan.table, mode, status: 'halted', partitions: [], removed: [], rows: out.rows, read: countRead(parts), quality: out.quality, ms: Date.now() - started };
  }

  /** The first damaged silver file this refresh reads (damaged-file.ts firstDamaged), by dataset. */
  async function firstSilverDamaged(db: Duck, pathOf: ReadonlyMap<string, string>): Promise<DamagedFile | undefined> {
    for (const [ds, ps] of parts) {
      const d = ctx.plans.get(ds);
      const files = ps.flatMap((p) => p.files.map((key) => ({ key, path: pathOf.get(key)! })));
      const bad = await firstDamaged(db, [...d.columns, ...d.partitions], files, ps.every((p) => p.schemaHash === d.schemaHash));
      if (bad) return bad;
    }
    return undefined;
  }

  // The gold SQL and its gate run in a locked session: on the shared instance locked to the folder holding the files
  // the refresh reads and the staging folder it writes (the lake locally, the download folder in AWS), one SELECT at
  // a time under a time budget; only strata's own CREATE and COPY write, into the staging folder.
  async function computeOnDuckDB(): Promise<Written> {
    const keys = [...[...parts.values()].flat().flatMap((p) => p.files), ...[...gold.values()].flatMap((m) => Object.values(m.partitions).flatMap((p) => p.files))];
    // In Lambda the files are downloaded into the step's /tmp: inputs that cannot fit there are refused before any
    // work, locally too (a table with engine: athena reads in Athena in AWS, and only locally here).
    const bytes = [...parts.values()].flat().reduce((a, p) => a + p.bytes, 0) + [...gold.values()].reduce((a, m) => a + Object.values(m.partitions).reduce((b, p) => b + p.bytes, 0), 0);
    const over = plan.engine === 'athena' ? undefined : goldReadOverEnvelope(ctx.plans.get(input.dataset), plan.table, bytes);
    if (over) throw new StrataError(ERRORS.LimitExceeded, over);
    const computed = await storage.withLocalFiles(keys, (paths) => {
      const pathOf = new Map(keys.map((k, i) => [k, paths[i]!]));
      // A file it read that is damaged is named with the way back; the SQL is not blamed for it (an attack, stop 55:
      // a damaged data page in silver made every refresh say "its SQL failed … Fix the SQL").
      const damaged = async (e: unknown): Promise<never> => {
        const keyOf = new Map(keys.map((k, i) => [paths[i]!, k]));
        const engine = engineErrorOf.get(e as object) ?? e;
        const bad = await withDuck(async (db) => (await damagedFileNamedBy(db, engine, (p) => keyOf.get(p)))
          // A value of a silver file that does not cast to its column's type: the engine names the column, not the
          // file (a file replaced by another of other types), so the silver files read are checked, one at a time.
          ?? (/when casting from source column|schema mismatch|could not be found in file/i.test(String((engine as Error)?.message ?? engine))
            ? await firstSilverDamaged(db, pathOf) : undefined), ctx.duck).catch(() => undefined);
        if (!bad) throw e;
        const [layer = '', table = ''] = bad.key.split('/');
        const history = (layer === 'silver' ? silver.get(table) : gold.get(table))?.history;
        throw new StrataError(ERRORS.UnreadableFile, `gold table ${plan.table} could not be computed: ${damagedFileMessage(layer, table, bad, history)}`);
      };
      return storage.writeTree(stagingPrefix, (dir) => withUserSqlSession([...paths, dir], async (db) => {
        await db.run('CREATE SCHEMA silver; CREATE SCHEMA gold');
        for (const [ds, ps] of parts) {
          const d = ctx.plans.get(ds);
          await createView(db, 'silver', ds, d.tables.silver, ps.flatMap((p) => p.files.map((f) => pathOf.get(f)!)), ps.every((p) => p.schemaHash === d.schemaHash));
        }
        for (const [g, m] of gold) {
          const gp = ctx.gold.get(g);
          const ps = Object.values(m.partitions);
          await createView(db, 'gold', g, gp.glue, ps.flatMap((p) => p.files.map((f) => pathOf.get(f)!)), ps.every((p) => p.schemaHash === gp.schemaHash));
        }
        await db.lockdown({ readable: paths, writable: [dir], timeoutMs: statementBudgetMs(ctx.duck, stepSizing(ctx.plans.get(input.dataset), 'gold').timeoutSeconds), memoryMb: stepSizing(ctx.plans.get(input.dataset), 'gold').memoryMb });
        const on: AuditTarget = { run: duckRuleRunner(db), dialect: 'duckdb', batch: 'gold_batch', reference: (ds) => (whole.includes(ds) ? `silver.${ident(ds)}` : undefined), parser: db, othersRemain };
        return writeGold(db, plan, dir, targets, (p, i) => audit(ctx, p, i, on), input, opts.audit !== undefined || hasRules(plan.quality));
      }, ctx.duck), { list: false, bytes: (w) => w.files.reduce((a, f) => a + f.bytes, 0) }).catch(damaged);
    });
    const w = computed.result;
    return { ...w, files: w.files.map((f) => ({ ...f, key: `${stagingPrefix}${f.file}` })), cleanup: [] };
  }

  // Partitions to publish, and those left without rows.
  const names = plan.partitionBy;
  const written = new Map<string, typeof out.files>();
  for (const f of out.files) {
    const path = partitionPath(names, f.values);
    written.set(path, [...(written.get(path) ?? []), f]);
  }
  const within = targets ? [...targets].map((v) => partitionPath(names, names.length ? [v] : [])) : Object.keys(current.partitions);
  const removed = within.filter((p) => current.partitions[p] && !written.has(p));
  const paths = [...written.keys(), ...removed].sort();
  fault('gold.computed');
  const result = await commitTable(storage, {
    root: plan.prefix, shape: goldShape(plan), runId: input.runId, at: new Date().toISOString(), kind: 'publish', paths, schema: plan.applied, read,
    derivedFrom: scope.versions, derivedFromRuns: scope.runs, rebase: false, deferHistoryCopy: true,
    build: async (path, _base, prefix) => {
      const files = written.get(path);
      if (!files) return null;
      const keysOut = await mapLimit(files, 8, async (f, i) => {
        const to = `${prefix}part-${input.runId}-${i}.parquet`;
        await storage.copy(f.key, to);
        return to;
      });
      return {
        path, values: files[0]!.values, location: prefix, files: keysOut, rows: files.reduce((a, f) => a + f.rows, 0),
        bytes: files.reduce((a, f) => a + f.bytes, 0), runId: input.runId, committedAt: new Date().toISOString(), schemaHash: plan.schemaHash,
      };
    },
  });
  if (result.status === 'lost') {
    await removeStaging(storage, stagingPrefix);
    await Promise.all(out.cleanup.map((p) => removePrefix(storage, p)));
    return 'lost';
  }
  fault('gold.published');
  // Independent of each other, so at once: the staging's removal, the manifest history's copy, the registration.
  await Promise.all([
    removeStaging(storage, stagingPrefix), ...out.cleanup.map((p) => removePrefix(storage, p)), result.historyCopied,
    syncToLatest(ctx, plan.prefix, goldShape(plan), { layer: 'gold', name: plan.table, glue: plan.glue }, { manifest: result.manifest, etag: result.etag }),
  ]);
  return {
    table: plan.table, mode, status: 'published', partitions: [...written.keys()].sort(), removed, rows: out.rows,
    read: countRead(parts), version: result.manifest.version, ...(out.quality ? { quality: out.quality } : {}), ms: Date.now() - started,
  };
}

function countRead(parts: Map<string, PartitionVersion[]>): number {
  return [...parts.values()].reduce((a, ps) => a + ps.length, 0);
}

/**
 * The gold partition value each driver partition path fed, per incremental plan: a function of the path (its values)
 * and the plan alone, so each path is computed once per process (a year of daily partitions: one statement per run
 * becomes one per new day).
 */
const fedValues = new WeakMap<Incremental, Map<string, string | null>>();

/**
 * The gold partition value (as text) each driver partition feeds, computed from partition values alone, in a session
 * `planning` opens only for those not computed before in this process.
 */
async function goldValues(planning: <T>(fn: (db: Duck) => Promise<T>) => Promise<T>, inc: Incremental, key: number, parts: PartitionVersion[]): Promise<Map<string, string | null>> {
  if (key < 0) throw new Error(`the incremental plan names partition ${inc.partition} that silver.${inc.driver} does not have`);
  const known = fedValues.get(inc) ?? new Map<string, string | null>();
  fedValues.set(inc, known);
  const todo = parts.filter((p) => !known.has(p.path));
  if (todo.length) for (const [path, g] of await planning((db) => computeGoldValues(db, inc, key, todo))) known.set(path, g);
  return new Map(parts.map((p) => [p.path, known.get(p.path) ?? null]));
}

/** `key`: the index of inc.partition among the driver's partition keys (PartitionVersion.values follows them). */
async function computeGoldValues(db: Duck, inc: Incremental, key: number, parts: PartitionVersion[]): Promise<Map<string, string | null>> {
  if (!parts.length) return new Map();
  // Each partition's representative value as text: the partition value, or the start of a transform's period.
  const transform = inc.rep.kind === 'source' ? inc.rep.transform : 'identity';
  const asIs = transform === 'identity';
  const text = (p: PartitionVersion): string | null => {
    const v = p.values[key] ?? null;
    if (v === null || asIs) return v;
    return transform === 'day' ? `${v} 00:00:00`
      : transform === 'month' ? `${v}-01 00:00:00`
      : transform === 'year' ? `${v}-01-01 00:00:00`
      : transform === 'hour' ? `${v.slice(0, 10)} ${v.slice(11, 13)}:00:00`
      : v;
  };
  const typed = asIs ? `CAST(__text AS ${inc.rep.type})` : `CAST(CAST(__text AS TIMESTAMP) AS ${inc.rep.type})`;
  const list = (xs: Array<string | null>) => `[${xs.map((x) => (x === null ? 'NULL' : str(x))).join(', ')}]::VARCHAR[]`;
  // Two lists unnested side by side: one expression bound once, not one per partition (366 of them in a year).
  const rows = await db.all<{ path: string; g: string | null }>(`SELECT path, CAST(${inc.partitionExpr} AS VARCHAR) AS g FROM (
    SELECT path, ${typed} AS __rep FROM (SELECT unnest(${list(parts.map((p) => p.path))}) AS path, unnest(${list(parts.map(text))}) AS __text))`);
  return new Map(rows.map((r) => [r.path, r.g]));
}

/**
 * A gold column as stored. A timestamp is stored to the millisecond (TIMESTAMP_MS: Athena reads Hive tables'
 * timestamps as milliseconds, core/schema/types.ts); one with microseconds fails the refresh naming the column and
 * the fix, instead of losing them in the cast.
 */
function storedAs(plan: GoldPlan, name: string, type: string): string {
  const col = ident(name);
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (decimal) {
    // DuckDB's SUM (and SUM OVER) of a decimal is a DECIMAL(38,s) it does not check: a total of more integer digits
    // than 38 − s was written into a column of that type, a value no reader of the type holds; Athena fails such a
    // sum (an attack, stop 57: 6e19 + 6e19 in decimal(38,18)). Checked on the value's text, for the values a double
    // says are within a hair of the limit or past it.
    const [precision, scale] = [Number(decimal[1]), Number(decimal[2])];
    const digits = precision - scale;
    const why = `column ${name}: `;
    // (Fewer fraction digits give a total room only when it has some: of a decimal(38,0) total, no decimal holds it.)
    const fix = ` has more than ${digits} integer digits, more than its type decimal(${precision},${scale}) holds. Fix: ${scale > 0
      ? `sum with fewer fraction digits, e.g. SUM(CAST(x AS DECIMAL(38, ${Math.max(0, scale - 4)})))`
      : 'no decimal holds it (38 digits at most): sum as a double, SUM(CAST(x AS DOUBLE)), if an approximation will do, or over fewer rows'}`;
    const over = `abs(CAST(${col} AS DOUBLE)) >= ${`1e${digits}`} * 0.999999 AND length(ltrim(split_part(ltrim(CAST(${col} AS VARCHAR), '-'), '.', 1), '0')) > ${digits}`;
    return `CASE WHEN ${over} THEN error(${str(why)} || CAST(${col} AS VARCHAR) || ${str(fix)}) ELSE CAST(${col} AS ${type}) END`;
  }
  if (type !== 'TIMESTAMP_MS') return `CAST(${col} AS ${type})`;
  const why = `column ${name} holds a timestamp with microseconds; gold stores timestamps to the millisecond, as Athena reads them. Fix: round it in the SQL of gold table ${plan.table}, date_trunc('millisecond', …)`;
  return `CASE WHEN epoch_us(${col}) % 1000 <> 0 THEN error(${str(why)}) ELSE CAST(${col} AS TIMESTAMP_MS) END`;
}

/**
 * The rows of an incremental refresh's gold partitions: those whose partition column `name` has one of `targets` (its
 * values as text, CAST(… AS VARCHAR) of the gold partition expression: NULL for Hive's default partition).
 * Compared as values of the column's stored type `type` (core/gold/analyze.ts storageType) where the text of a value
 * is one to one with the value (a string, integer, decimal, date or boolean reads back as the value it was printed
 * from, and no two equal values print differently), so DuckDB filters on the value without printing each row's: on a
 * day of 100,000 rows the text comparison cost 3.3 of an 8.6 ms query (2026-12-07). A float (0.0 and -0.0 are equal,
 * printed apart), a timestamp (stored as TIMESTAMP_MS whether the SQL gives it with a time zone or not, which print
 * apart) and any other type are compared as text.
 */
export function partitionFilter(name: string, type: string | undefined, targets: ReadonlySet<string | null>): string {
  const col = ident(name);
  const values = [...targets].filter((v): v is string => v !== null);
  const exact = type !== undefined && /^(VARCHAR|BOOLEAN|INTEGER|BIGINT|DATE|DECIMAL\(\d+,\d+\))$/.test(type);
  const listed = !values.length ? 'false'
    : exact ? `${col} IN (${values.map((v) => `CAST(${str(v)} AS ${type})`).join(', ')})`
      : `CAST(${col} AS VARCHAR) IN (${values.map(str).join(', ')})`;
  return targets.has(null) ? `(${listed} OR ${col} IS NULL)` : listed;
}

interface WrittenFiles {
  files: Array<{ file: string; rows: number; bytes: number; values: Array<string | null> }>;
  rows: number;
  quality?: GateOutcome;
}

type BoundAudit = (plan: GoldPlan, input: GoldInput) => Promise<GateOutcome | undefined>;

/** The engine's own error behind a "its SQL failed" error (whose words leave out the paths and values it quoted). */
const engineErrorOf = new WeakMap<object, unknown>();

/**
 * Compute the gold rows and write them as Parquet under `dir`/data. `audits`: a gate (or a caller's audit) reads the
 * rows first, so they are kept in a table, gold_batch, as is a string partition column's values (checked as folder
 * names before anything is written); otherwise the SQL runs inside the COPY that writes them (2 of a 10 ms refresh of
 * one day's partition went to the table, 2026-12-07).
 */
async function writeGold(db: Duck, plan: GoldPlan, dir: string, targets: Set<string | null> | undefined, audit: BoundAudit, input: GoldInput, audits: boolean): Promise<WrittenFiles> {
  const cols = plan.columns.map((c) => `${storedAs(plan, c.name, c.duckdbType)} AS ${ident(c.name)}`).join(', ');
  const p = plan.partitionBy[0];
  const filter = targets && p ? ` WHERE ${partitionFilter(p, plan.columns.find((c) => c.name === p)?.duckdbType, targets)}` : '';
  const select = `SELECT ${cols} FROM ${subquery(plan.sql)} AS __gold${filter}`;
  const named = plan.partitionBy.filter((n) => plan.columns.find((c) => c.name === n)?.glueType === 'string');
  const kept = audits || named.length > 0;
  // Into the run record: the engine's message without the values it quotes. A total past a bigint's range (DuckDB's
  // SUM of BIGINT is a HUGEINT, stored as Athena's bigint) says how to keep it: the message named only a cast, and
  // strata check passes such SQL (the sum depends on the data; newcomer's trial, stop 49).
  const failed = (e: unknown, sql: string): StrataError => {
    const message = userSqlMessage(e, sql);
    // A SUM of decimals past what DuckDB's 128-bit integer holds (over 1.7e38 units of its scale; storedAs checks the
    // totals below that against their type), or decimal arithmetic past 38 digits: the decimal's way out, not the
    // bigint's (it told a decimal total to be computed as a decimal: an attack, stop 57).
    const decimal = /Overflow in HUGEINT (addition|subtraction)|Overflow in \w+ of DECIMAL|DECIMAL\(\d+,\s*\d+\)[^.]*out of range|out of range[^.]*DECIMAL/i.test(message);
    const range = decimal
      ? '. A value passed what a decimal holds (38 digits): compute it with fewer fraction digits if it has some (SUM(CAST(x AS DECIMAL(38, s))) with a smaller s), else as a double, SUM(CAST(x AS DOUBLE)), if an approximation will do'
      : /out of range for the destination type INT64|Overflow in (addition|multiplication|subtraction)/i.test(message)
        ? '. A value passed what a bigint holds (±9,223,372,036,854,775,807): compute it as a decimal, e.g. SUM(CAST(x AS DECIMAL(38, 0))), whose column is decimal(38,0)'
        : '';
    const err = new StrataError(ERRORS.InvalidInput, `gold table ${plan.table}: its SQL failed: ${message}${range}`);
    engineErrorOf.set(err, e);
    return err;
  };
  let quality: GateOutcome | undefined;
  if (kept) {
    const compute = `CREATE TEMP TABLE gold_batch AS ${select}`;
    try {
      await db.own(compute, 'CREATE');
    } catch (e) {
      throw failed(e, compute);
    }
    quality = await audit(plan, input);
    if (quality?.halted) return { files: [], rows: (await db.one<{ n: number }>('SELECT count(*) AS n FROM gold_batch')).n, quality };
    // A partition value that cannot be a folder name fails the refresh, naming it: nothing is written.
    for (const name of named) {
      const bad = await db.all<{ v: string; why: string }>(`SELECT left(CAST(to_json(${ident(name)}) AS VARCHAR), 200) AS v, ${folderValueProblem(name, ident(name))} AS why FROM gold_batch WHERE why IS NOT NULL LIMIT 1`);
      if (bad.length) throw new StrataError(ERRORS.InvalidInput, `gold table ${plan.table}: its SQL failed: it gives partition ${name} the value ${bad[0]!.v}, which cannot be a folder name (${bad[0]!.why}); nothing was published`);
    }
  }
  const parts = plan.partitionBy.map(ident);
  const target = parts.length ? join(dir, 'data') : join(dir, 'data', 'part-0.parquet');
  const opts = parts.length
    ? `FORMAT parquet, ${PARQUET_CODEC}, PARTITION_BY (${parts.join(', ')}), WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'part-{i}', RETURN_STATS true`
    : `FORMAT parquet, ${PARQUET_CODEC}, RETURN_STATS true`;
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(dir, 'data'), { recursive: true });
  const copy = `COPY ${kept ? 'gold_batch' : `(${select})`} TO ${pathLit(target)} (${opts})`;
  const stats = await db.own<{ filename: string; count: number; file_size_bytes: number; partition_keys: unknown }>(copy, 'COPY').catch((e: unknown) => {
    throw kept ? e : failed(e, copy);
  });
  const files = stats.filter((s) => Number(s.count) > 0 || !parts.length).map((s) => {
    const keys = new Map((Array.isArray(s.partition_keys) ? s.partition_keys : []).map((e: any) => [String(e.key), e.value === null || e.value === undefined ? null : String(e.value)]));
    return { file: s.filename.slice(dir.length + 1), rows: Number(s.count), bytes: Number(s.file_size_bytes), values: plan.partitionBy.map((n) => keys.get(n) ?? null) };
  });
  return { files, rows: files.reduce((a, f) => a + f.rows, 0), ...(quality ? { quality } : {}) };
}

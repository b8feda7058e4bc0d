// strata doctor, for the lake as a whole: locks and what killed processes left of them, temporary files, staging,
// quarantine entries, and catalog.duckdb (readable, and up to date with the catalog entries).
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { CATALOG_FILE } from '../catalog/local.ts';
import { pathLit, withDuck } from '../engine/duckdb.ts';
import { locksIn, ownerAlive, removeDeadLock } from '../storage/lock.ts';
import { note, problem, type Finding } from './findings.ts';
import { keepAside, type DoctorEnv } from './tables.ts';
import { plural } from '../../core/text.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { isStrataError } from '../../core/errors.ts';
import { committedSource, readManifest, shapeOf } from '../table/store.ts';
import { readStaging } from '../table/gc.ts';
import { STAGING_RECORDS } from '../../core/plan/layout.ts';
import { committingRunsOf, isQuarantineFile, pendingRun, pendingSource, quarantineKey, quarantineSourceId, settled, staleQuarantine } from '../pipeline/commit.ts';
import { sourceIdOf } from '../pipeline/stage.ts';

/** Locks (and leftovers of them) and temporary files in the folders strata keeps them in. */
export async function examineLocks(env: DoctorEnv): Promise<Finding[]> {
  // The staging records' folders too (staging/<dataset>/_strata/: runtime/table/staging.ts writes them atomically).
  const staged = (await readdir(join(env.lakeDir, 'staging')).catch(() => [] as string[])).map((d) => join(env.lakeDir, 'staging', d, STAGING_RECORDS));
  const dirs = [env.lakeDir, ...await walk(join(env.lakeDir, '_strata')), ...(await Promise.all([...env.tables.map((t) => walk(join(env.lakeDir, t.root, '_strata'))), ...staged.map(walk)])).flat()];
  const out: Finding[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const l of await locksIn(dir, names)) {
      const rel = relative(env.lakeDir, l.path);
      const who = l.owner?.pid ? `process ${l.owner.pid} on ${l.owner.host}` : 'an unknown process';
      if (l.alive) {
        out.push(note('locks', `${rel}: ${l.kind === 'lock' ? 'held' : 'being taken'} by ${who}, which is running${l.owner?.at ? ` (since ${l.owner.at})` : ''}`,
          l.kind === 'lock' ? 'it is released when that process finishes; one stopped for more than 30 s is taken over and fenced' : undefined));
        continue;
      }
      // A leftover of a taking or a release cut short blocks nobody (a note); a lock whose owner died is a problem.
      out.push((l.kind === 'lock' ? problem : note)('locks', `${rel}: ${l.kind === 'lock' ? 'lock' : 'what remains of a lock'} left by ${who}, which is no longer running`,
        'strata doctor --repair removes it (the next writer would take it over anyway; nothing is lost: its owner is gone)', {
          order: 'locks',
          run: async () => ((await removeDeadLock(l)) ? `locks: removed ${rel}` : `locks: ${rel} was taken by a running process meanwhile; left alone`),
        }));
    }
    // atomicWrite's temporary files (.tmp-<pid>-…) of processes that died before their rename: invisible to readers.
    const temps = names.filter((n) => {
      const pid = Number(/^\.tmp-(\d+)-/.exec(n)?.[1]);
      return pid > 0 && !ownerAlive({ pid, host: hostname(), token: '', at: '' });
    });
    if (temps.length) {
      const rel = relative(env.lakeDir, dir) || '.';
      out.push(note('locks', `${rel}: ${plural(temps.length, 'temporary file')} of processes that died before they finished writing (never read)`, 'strata doctor --repair removes them', {
        order: 'locks',
        run: async () => {
          await Promise.all(temps.map((n) => rm(join(dir, n), { force: true })));
          return `locks: removed ${plural(temps.length, 'dead temporary file')} in ${rel}`;
        },
      }));
    }
  }
  return out;
}

/**
 * Staging folders: runs that ended leave none; what strata recorded writing there belongs to running or killed runs
 * (strata gc removes it after a day), and what it has no record of is not its own to remove (runtime/table/gc.ts).
 */
export async function examineStaging(env: DoctorEnv): Promise<Finding[]> {
  const { folders, unrecorded } = await readStaging(env.storage);
  const runs = [...folders].filter(([, r]) => r.objects > 0).map(([f]) => f).sort();
  return [
    ...(runs.length ? [note('staging', `${plural(runs.length, 'staging folder')} of runs that are running or were killed, e.g. ${runs[0]}`, 'strata gc removes those older than a day')] : []),
    ...(unrecorded.objects ? [note('staging', `${plural(unrecorded.objects, 'file')} under staging/ that strata has no record of writing, e.g. in ${unrecorded.folders[0]}`,
      'strata did not write them, or an earlier strata that kept no staging records did: strata gc keeps them; delete them by hand once they are not wanted')] : []),
  ];
}

/**
 * Quarantine tables are plain file lists in the catalog: a damaged entry, or one naming files the folder does not
 * hold (a reader would fail on it) or leaving out some it holds, is rewritten from the quarantine folder; rows a run
 * killed after its commit left pending (runtime/pipeline/commit.ts settlePending) are published for it first.
 */
export async function examineQuarantine(env: DoctorEnv): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const plan of env.plans.list()) {
    const register = async () => {
      await env.syncQuarantine(plan.dataset);
      return `quarantine.${plan.dataset}: registered its files again, rows left pending by committed runs published first`;
    };
    try {
      await env.catalog.shown('quarantine', plan.dataset);
      const listed = await env.catalog.listedFiles('quarantine', plan.dataset) ?? [];
      const objects = await env.storage.list(plan.prefixes.quarantine);
      const keys = objects.map((o) => o.key);
      const listing = new Map(objects.map((o) => [o.key, o]));
      const hidden = `${plan.prefixes.quarantine}_strata/`;
      // Files named as strata names quarantine files that are not strata's (an attack, stop 53: a text file or a
      // silver file under such a name failed or joined quarantine.<dataset>, a copy of another object's file doubled
      // its rows): set aside under another name by --repair, kept; registration takes files by name.
      const impostors = await notQuarantineFiles(env, plan, keys);
      if (impostors.length) {
        out.push(problem(`quarantine.${plan.dataset}`, `${plural(impostors.length, 'file')} named as strata names quarantine files ${impostors.length === 1 ? 'is' : 'are'} not strata's: ${impostors[0]!.key} (${impostors[0]!.why}); registered, ${impostors.length === 1 ? 'it fails or joins' : 'they fail or join'} quarantine.${plan.dataset}`,
          'strata doctor --repair renames them (<name>.not-strata, kept) and registers the folder without them', {
            order: 'entry',
            run: async () => {
              for (const f of impostors) {
                await env.storage.copy(f.key, `${f.key}.not-strata`);
                await env.storage.delete([f.key]);
              }
              await env.syncQuarantine(plan.dataset);
              return `quarantine.${plan.dataset}: renamed ${plural(impostors.length, 'file')} strata did not write to <name>.not-strata (kept), e.g. ${impostors[0]!.key}, and registered the folder without them`;
            },
          }));
      }
      const bad = new Set(impostors.map((f) => f.key));
      const held = new Set(keys.filter((k) => isQuarantineFile(plan, k) && !bad.has(k)));
      // Files strata did not write (a user's copy, another tool's output): never shown in the table, never deleted.
      const foreign = keys.filter((k) => !k.startsWith(hidden) && !held.has(k) && !bad.has(k));
      const missing = listed.filter((k) => !listing.has(k));
      const adopted = listed.filter((k) => listing.has(k) && !held.has(k));
      const unlisted = [...held].filter((k) => !listed.includes(k));
      // The pending files of an object committed since are its committing run's marker (kept for the retention window: what its
      // quarantine file holds) and, unsettled, rows a stopped run did not publish or other runs' rows; those of the
      // other objects belong to runs still running, or that failed or were killed before their commit.
      const pending = keys.filter((k) => k.startsWith(`${hidden}pending/`));
      const bySource = Map.groupBy(pending, pendingSource);
      const sources = [...bySource.keys()];
      const manifest = sources.length ? (await readManifest(env.storage, plan.prefixes.silver, shapeOf(plan)).catch(() => undefined))?.manifest : undefined;
      const committers = manifest ? await Promise.all(sources.map(async (id) => (await committedSource(env.storage, plan.prefixes.silver, manifest, id))?.runId)) : [];
      // The runs that committed: the silver table's history archives too, when a pending file's run is not in its manifest.
      // An archive that cannot be read is the silver table's problem (its message names the archive and the way back),
      // not damage to this entry: nothing is settled, nothing set aside, until it is restored.
      const committing = manifest ? await committingRunsOf(env.storage, plan.prefixes.silver, manifest, pending).catch((e: unknown) => {
        if (!isStrataError(e)) throw e;
        out.push(problem(`quarantine.${plan.dataset}`, `which runs committed its objects cannot be told: ${e.message}`, 'restore the archive; then strata doctor --repair settles the pending rows'));
        return undefined;
      }) : new Set<string>();
      // (A committing run's marker of an object a rollback forgot is kept for a rollback that brings it back.)
      const uncommitted = committing ? sources.filter((id, i) => committers[i] === undefined && (bySource.get(id) ?? []).some((k) => !committing.has(pendingRun(k)))) : [];
      const unsettled: string[] = [];
      const stale: string[] = [];
      for (const [i, id] of committing ? sources.entries() : []) {
        const files = bySource.get(id) ?? [];
        if (committers[i] !== undefined ? !await settled(env.storage, listing, plan, id, committers[i]!, files, committing!) : await staleQuarantine(env.storage, listing, plan, id, files, committing!)) {
          (committers[i] !== undefined ? unsettled : stale).push(id);
        }
      }

      const what = [
        ...(missing.length ? [`its catalog entry names ${plural(missing.length, 'file')} the folder does not hold (${missing[0]}): reading it fails`] : []),
        ...(adopted.length ? [`its catalog entry names ${plural(adopted.length, 'file')} strata did not write (${adopted[0]}), which readers of quarantine.${plan.dataset} read as its rows`] : []),
        ...(unlisted.length ? [`the folder holds ${plural(unlisted.length, 'file')} its catalog entry does not name (${unlisted[0]})`] : []),
        ...(unsettled.length ? [`the quarantine file of ${plural(unsettled.length, 'object')} does not hold what the run that committed it quarantined, or other runs' rows wait in ${hidden}pending/ (a run stopped before it settled: ${unsettled[0]})`] : []),
        ...(stale.length ? [`the quarantine file of ${plural(stale.length, 'object')} no commit of which stands holds the rows of a commit a rollback forgot (a rollback stopped before it settled: ${stale[0]}); a row is in silver or in quarantine, and these are in bronze only`] : []),
      ];
      if (what.length) out.push(problem(`quarantine.${plan.dataset}`, what.join('; '), 'strata doctor --repair publishes them and registers the folder again', { order: 'entry', run: register }));
      if (foreign.length) {
        out.push(note(`quarantine.${plan.dataset}`, `its folder holds ${plural(foreign.length, 'file')} strata did not write (${foreign[0]}): not part of quarantine.${plan.dataset}, and left as ${foreign.length === 1 ? 'it is' : 'they are'}`,
          `move ${foreign.length === 1 ? 'it' : 'them'} out of the lake (strata writes <16 hex digits>.parquet there, and _strata/)`));
      }
      if (uncommitted.length) {
        out.push(note(`quarantine.${plan.dataset}`, `${plural(uncommitted.length, 'object')} not committed ${uncommitted.length === 1 ? 'has' : 'have'} quarantined rows waiting in ${hidden}pending/ from runs that committed nothing that stands: runs still running, runs that ended before their commit (failed, killed, refused), or runs of a table that started over since (its folder deleted)`, 'strata gc removes those older than a day'));
      }
    } catch (e) {
      const file = env.catalog.entryFile('quarantine', plan.dataset);
      out.push(problem(`quarantine.${plan.dataset}`, (e as Error).message, undefined, {
        order: 'entry',
        run: async () => {
          const kept = await keepAside(file, env.now);
          await env.syncQuarantine(plan.dataset);
          return `quarantine.${plan.dataset}: registered its files again${kept ? ` (the damaged entry is kept as ${kept})` : ''}`;
        },
      }));
    }
  }
  return out;
}

/** The source id of a bronze key that names its content id (bronze/<dataset>/_objects/<content id>/…), else undefined. */
function idOfSource(key: string): string | undefined {
  const m = /\/_objects\/([0-9a-f]{32})\//.exec(key);
  return m ? sourceIdOf(key, m[1]!) : undefined;
}

/**
 * Of the files among `keys` named as strata names quarantine files (commit.ts quarantineSourceId: <source id>.parquet),
 * those that are not: not Parquet with a quarantine table's `source` column, or holding rows of a source whose id is
 * not the file's name (checked where the source's key names its content id, bronze/<dataset>/_objects/<content id>/:
 * a local lake's objects). Each with why.
 */
async function notQuarantineFiles(env: DoctorEnv, plan: DatasetPlan, keys: readonly string[]): Promise<Array<{ key: string; why: string }>> {
  const named = keys.flatMap((key) => { const id = quarantineSourceId(plan, key); return id ? [{ key, id }] : []; });
  if (!named.length) return [];
  return env.storage.withLocalFiles(named.map((f) => f.key), (paths) => withDuck(async (db) => {
    const out: Array<{ key: string; why: string }> = [];
    for (const [i, path] of paths.entries()) {
      const { key, id } = named[i]!;
      let sources: string[];
      try {
        sources = (await db.all<{ s: string }>(`SELECT DISTINCT source AS s FROM read_parquet(${pathLit(path)}) LIMIT 2`)).map((r) => r.s);
      } catch (e) {
        out.push({ key, why: `not a quarantine file: ${(e as Error).message.split('\n')[0]}` });
        continue;
      }
      const other = sources.find((src) => (idOfSource(src) ?? id) !== id);
      if (other) out.push({ key, why: `its rows are of ${other}, whose quarantine file is ${quarantineKey(plan, idOfSource(other)!)}` });
    }
    return out;
  }, env.duck ?? {}));
}

/** catalog.duckdb opens, and shows what the catalog entries say (else the next read or --repair rebuilds it). */
export async function examineCatalogFile(env: DoctorEnv): Promise<Finding[]> {
  const file = join(env.lakeDir, CATALOG_FILE);
  const rebuild = (aside: boolean) => ({
    order: 'catalog' as const,
    run: async () => {
      const kept = aside ? await keepAside(file, env.now) : undefined;
      await env.catalog.materialize();
      return `catalog: ${aside ? 'rebuilt' : 'brought up to date'} ${CATALOG_FILE} from the catalog entries${kept ? ` (the damaged file is kept as ${kept})` : ''}`;
    },
  });
  // No file yet is not damage: the next read creates it (and the pending entries below say so).
  if (await stat(file).then(() => true, () => false)) {
    // On a leased instance, left as found (detached) so that the next unit of work may reuse it.
    let unreadable: Error | undefined;
    await withDuck(async (db) => {
      try {
        await db.run(`ATTACH ${pathLit(file)} AS lake (READ_ONLY)`);
        // Its own catalog, not strata.tables: that view reads the entries' files, whose damage is theirs (an attack,
        // stop 51: a missing partition-lines file had catalog.duckdb called unreadable and moved aside).
        await db.all(`SELECT count(*) AS n FROM duckdb_views() WHERE database_name = 'lake'`);
      } catch (e) {
        unreadable = e as Error;
      }
      await db.detach('lake').catch(() => undefined); // not attached when the ATTACH failed
    }, { memoryLimit: '256MB', threads: 1 });
    if (unreadable) {
      return [problem('catalog', `${file} cannot be read (${unreadable.message.split('\n')[0]})`,
        'strata doctor --repair rebuilds it from the catalog entries (or delete it: the next read rebuilds it)', rebuild(true))];
    }
  }
  let pending: string[];
  try {
    pending = await env.catalog.pending();
  } catch {
    return []; // a damaged entry: reported with its table
  }
  if (!pending.length) return [];
  return [problem('catalog', `${CATALOG_FILE} does not show the latest catalog entries yet: ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', …' : ''}`,
    'the next read (strata query) brings it up to date, or strata doctor --repair', rebuild(false))];
}

/** Every folder under dir (dir included), depth first; none when dir does not exist. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return [];
  const subs = entries.filter((e) => e.isDirectory() && !/\.lock(\.|$)/.test(e.name)).map((e) => join(dir, e.name));
  return [dir, ...(await Promise.all(subs.map(walk))).flat()];
}

// strata doctor, per dataset: the run records agree with the silver manifest. A run that says it committed rows
// committed them (its commit is in the table's history); a source the manifest holds was committed by one run.
import { BRONZE_OBJECTS, layout } from '../../core/plan/layout.ts';
import type { RunRecord } from '../runs/record.ts';
import { changeSummary, type CommittedRun, type HistoryEntry, type SourceEntry, type TableManifest } from '../table/manifest.ts';
import { committedSource, fullHistory } from '../table/store.ts';
import { quarantineSourceId } from '../pipeline/commit.ts';
import { note, problem, type Finding } from './findings.ts';
import type { DoctorEnv } from './tables.ts';
import { mapLimit } from '../util/limit.ts';
import { plural } from '../../core/text.ts';

export async function examineRuns(env: DoctorEnv, dataset: string, m: TableManifest | undefined): Promise<{ findings: Finding[]; count: number }> {
  const subject = `runs.${dataset}`;
  const { storage } = env;
  const keys = (await storage.list(layout.runs(dataset))).map((o) => o.key).filter((k) => k.endsWith('.json'));
  const findings: Finding[] = [];
  const records: Array<{ key: string; r: RunRecord }> = [];
  for (const key of keys) {
    try {
      const r = JSON.parse((await storage.readText(key)) ?? '') as RunRecord;
      if (typeof r?.runId !== 'string' || typeof r.status !== 'string') throw new Error('not a run record');
      records.push({ key, r });
    } catch (e) {
      findings.push(problem(subject, `the run record ${storage.uri(key)} cannot be read (${(e as Error).message}); strata.runs cannot be queried while it is there`,
        'strata doctor --repair moves it aside (kept, as .json.damaged)', {
          order: 'runs',
          run: async () => {
            await storage.copy(key, `${key}.damaged`);
            await storage.delete([key]);
            return `${subject}: moved the damaged run record aside to ${storage.uri(`${key}.damaged`)}`;
          },
        }));
    }
  }
  // The source markers of gc's passes, read once for both uses below, and only when one needs them.
  let read: Promise<SourceMarker[]> | undefined;
  const markers = () => (read ??= sourceMarkers(env, dataset, m));
  findings.push(...await unreadObjects(env, dataset, records.map((x) => x.r), m, markers));
  if (!m) return { findings, count: records.length };
  let history;
  try {
    history = await fullHistory(storage, layout.silver(dataset), m);
  } catch (e) {
    return { findings: [...findings, problem(subject, (e as Error).message)], count: records.length };
  }
  const committed = new Map(history.filter((h) => h.kind === 'commit').map((h) => [h.runId, h]));
  const byRun = new Map(records.map((x) => [x.r.runId, x]));
  // The table's line began with its first commit: a run that ended before it committed to an earlier line, whose
  // folder was deleted or moved (the way back of a table started over): not a run that committed nothing (newcomer's
  // trial, stop 48: doctor --repair relabelled such runs SKIPPED).
  const lineStart = history[0]?.version === 1 ? history[0].at : undefined;
  const earlier = new Set(records.filter(({ r }) => lineStart !== undefined && r.status === 'SUCCEEDED' && !committed.has(r.runId) && r.finishedAt < lineStart).map((x) => x.r));
  if (earlier.size) {
    findings.push(note(subject, `${plural(earlier.size, 'run')} recorded SUCCEEDED before silver.${dataset} started over at run ${history[0]!.runId} (its folder deleted or moved), e.g. ${[...earlier][0]!.runId}: `
      + 'their rows are in it only where their objects were ingested again since'));
  }
  for (const { key, r } of records) {
    const commit = committed.get(r.runId);
    if (earlier.has(r)) continue;
    if (r.status === 'SUCCEEDED' && !commit) {
      let holder: SourceEntry | undefined;
      try {
        holder = await committedSource(storage, layout.silver(dataset), m, r.source.sourceId);
      } catch (e) {
        findings.push(problem(subject, (e as Error).message)); // the marker's message names it and the way back
        continue;
      }
      if (holder) {
        // Lost the race to commit the same object: the rows are the other run's. (An older strata recorded these.)
        findings.push(problem(subject, `run ${r.runId} is recorded SUCCEEDED with ${r.rowsValid} valid rows, but run ${holder.runId} committed ${r.source.key}; this run committed nothing`,
          'strata doctor --repair records it as SKIPPED', {
            order: 'runs',
            run: async () => {
              const fixed: RunRecord = { ...r, status: 'SKIPPED', committedBy: holder.runId, rowsIn: 0, rowsValid: 0, rowsQuarantined: 0, rowsSuperseded: 0, partitions: [],
                warnings: [`recorded SUCCEEDED by an older strata; run ${holder.runId} committed this object (corrected by strata doctor)`, ...r.warnings] };
              await storage.writeText(key, JSON.stringify(fixed));
              return `${subject}: run ${r.runId} recorded as SKIPPED (run ${holder.runId} committed ${r.source.key})`;
            },
          }));
      } else if (r.partitions.length || r.rowsValid) {
        findings.push(problem(subject, `run ${r.runId} is recorded SUCCEEDED, but silver.${dataset} holds nothing of ${r.source.key}`,
          `ingest ${r.source.key} again (it is in bronze)`));
      }
    }
    if (commit && r.status !== 'SUCCEEDED' && r.status !== 'HALTED' && !r.partitions.length && commit.changes.length) {
      findings.push(problem(subject, `run ${r.runId} is recorded ${r.status}, as if nothing was committed, but its commit stands (silver.${dataset} version ${commit.version})`,
        'strata doctor --repair adds what it committed to its record', {
          order: 'runs',
          run: async () => {
            const fixed: RunRecord = { ...r, partitions: changeSummary(commit.changes).partitions,
              warnings: [`its silver commit stands (version ${commit.version}); what failed came after it (corrected by strata doctor)`, ...r.warnings] };
            await storage.writeText(key, JSON.stringify(fixed));
            return `${subject}: run ${r.runId}'s record now lists the ${plural(fixed.partitions.length, 'partition')} its commit wrote`;
          },
        }));
    }
  }
  const unrecorded = [...Object.entries(m.sources), ...archivedSources(m, await markers())].filter(([, s]) => !byRun.has(s.runId));
  // Over an hour after its commit, a run without a record has died (its process killed, its Lambda timed out): what
  // its commit kept of it (SourceEntry.run) is its record. Before, its rows were in silver and in no run of strata.runs.
  const now = (env.now ?? new Date()).getTime();
  const recordable = unrecorded.filter((u): u is [string, SourceEntry & { run: CommittedRun }] => u[1].run !== undefined && now - Date.parse(u[1].at) > UNREAD_GRACE_MS);
  if (recordable.length) {
    const [, first] = recordable[0]!;
    findings.push(problem(subject, `${plural(recordable.length, 'committed source')} without a run record, committed over an hour ago (the run died after its commit, before its record): `
      + `strata.runs counts none of its rows, e.g. ${first.key} by run ${first.runId}`,
      'strata doctor --repair records each such run from what its commit kept (SUCCEEDED: its counts, partitions and commit time)', {
        order: 'runs',
        run: async () => {
          for (const [id, s] of recordable) await storage.writeText(layout.run(dataset, s.runId), JSON.stringify(recordOfCommit(dataset, id, s, committed.get(s.runId))));
          return `${subject}: recorded ${plural(recordable.length, 'run')} from ${recordable.length === 1 ? 'its commit' : 'their commits'}, e.g. ${first.runId}`;
        },
      }));
  }
  const recorded = new Set<string>(recordable.map(([id]) => id));
  const rest = unrecorded.filter(([id]) => !recorded.has(id));
  if (rest.length) {
    const old = rest.some(([, s]) => now - Date.parse(s.at) > UNREAD_GRACE_MS);
    findings.push(note(subject, `${plural(rest.length, 'committed source')} without a run record (${old ? 'the run died after its commit' : 'committed in the last hour: the run may still be going, or died after its commit'}), e.g. ${rest[0]![1].key} by run ${rest[0]![1].runId}`,
      `their rows are in silver; ingesting them again is SKIPPED${old ? ' (committed before strata kept what a record needs with the commit: no record can be made of it)' : ''}`));
  }
  return { findings, count: records.length };
}

/** A source marker of a pass the manifest lists: its source id, and what it holds (undefined when it cannot be parsed). */
interface SourceMarker { id: string; entry: unknown }

/**
 * The markers gc moved committed sources into, of the passes the manifest lists (layout.sourceMarkers:
 * _strata/sources/<table>/<source id>/<pass>.json); none when it lists none.
 */
async function sourceMarkers(env: DoctorEnv, dataset: string, m: TableManifest | undefined): Promise<SourceMarker[]> {
  if (!m?.sourceArchives?.length) return [];
  const passes = new Set(m.sourceArchives.map((a) => a.pass));
  const root = layout.markersOf(layout.silver(dataset))[0]!;
  const keys = (await env.storage.list(root)).map((o) => o.key).filter((k) => k.endsWith('.json') && passes.has(k.slice(k.lastIndexOf('/') + 1, -'.json'.length)));
  return mapLimit(keys, 16, async (k) => ({
    id: k.slice(root.length).split('/')[0]!,
    entry: await env.storage.readText(k).then((t) => JSON.parse(t ?? '') as unknown).catch(() => undefined),
  }));
}

/**
 * The committed sources gc moved out of the manifest into markers (sourceMarkers), as [source id, entry]. A run killed
 * after its commit whose source gc had moved was no longer said to lack a record (an attack, stop 52). A marker that
 * cannot be read is left to the table's own examination.
 */
function archivedSources(m: TableManifest, markers: readonly SourceMarker[]): Array<[string, SourceEntry]> {
  const entries = markers.flatMap(({ id, entry }): Array<[string, SourceEntry]> => {
    const s = entry as Partial<SourceEntry> | undefined;
    return typeof s?.runId === 'string' && typeof s.key === 'string' && !m.sources[id] ? [[id, s as SourceEntry]] : [];
  });
  return [...new Map(entries)];
}

/**
 * The record of a run that died after committing source `sourceId` (`s`, with what its commit kept of it) and before
 * writing its record: SUCCEEDED, the counts its record would have had, the partitions its commit wrote (`commit`, its
 * history entry; none once gc collected the entry's changes), started when its run id says (newRunId: UTC to the ms)
 * and finished at its commit. A warning says where it comes from and what the run did not do.
 */
export function recordOfCommit(dataset: string, sourceId: string, s: SourceEntry & { run: CommittedRun }, commit: HistoryEntry | undefined): RunRecord {
  const t = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/.exec(s.runId);
  const started = t ? `${t[1]}-${t[2]}-${t[3]}T${t[4]}:${t[5]}:${t[6]}.${t[7]}Z` : undefined;
  const startedAt = started && !Number.isNaN(Date.parse(started)) && Date.parse(started) <= Date.parse(s.at) ? started : s.at;
  return {
    runId: s.runId,
    dataset,
    status: 'SUCCEEDED',
    source: { key: s.key, etag: s.run.etag, size: s.run.size, sourceId },
    startedAt,
    finishedAt: s.at,
    durationMs: Date.parse(s.at) - Date.parse(startedAt),
    rowsIn: s.run.rowsIn,
    rowsValid: s.run.rowsValid,
    rowsQuarantined: s.run.rowsQuarantined,
    rowsSuperseded: s.run.rowsSuperseded,
    partitions: changeSummary(commit?.changes ?? []).partitions,
    timings: [],
    warnings: [`recorded by strata doctor --repair: the run died after its silver commit (${s.at}) and before its record. Its counts and partitions are its commit's; `
      + `its quarantined rows and their reasons are in quarantine.${dataset}; its gold refreshes and catalog registration did not run in it (strata doctor brings those up to date)`],
    reasons: [],
  };
}

/**
 * Objects whose runs all ended FAILED, that no commit of the manifest names, and whose rows no quarantine file holds,
 * with the newest such run: their rows are in neither silver nor quarantine until the object is ingested again (an
 * attack, stop 53: doctor said "no problems" beside them). By key: another name of the same bytes is another source
 * (its commit does not hold this one's rows). `quarantined`: the quarantine files of the dataset's folder.
 */
function failedOnly<O extends { key: string }>(objects: readonly O[], records: readonly RunRecord[], m: TableManifest | undefined, quarantined: ReadonlySet<string>): Array<{ o: O; run: RunRecord }> {
  const runs = Map.groupBy(records.filter((r) => typeof r.source?.key === 'string'), (r) => r.source.key);
  const committed = new Set(Object.values(m?.sources ?? {}).map((s) => s.key));
  const out: Array<{ o: O; run: RunRecord }> = [];
  for (const o of objects) {
    const of = runs.get(o.key);
    if (!of?.length || committed.has(o.key) || !of.every((r) => r.status === 'FAILED')) continue;
    if (of.some((r) => r.source.sourceId && quarantined.has(r.source.sourceId))) continue;
    out.push({ o, run: of.reduce((a, b) => (b.startedAt > a.startedAt ? b : a)) });
  }
  return out;
}

/** How long an object may wait in bronze for its run's record: a run of a large file takes minutes. */
const UNREAD_GRACE_MS = 3600_000;

/**
 * Objects in the dataset's bronze folder that no run has read: no run record, nor a committed source of the manifest,
 * names them (locally, nor another object of the same content id, _objects/<id>/). A `strata put` or an upload killed
 * between writing an object and its run's start left them, and nothing would ever read them: their rows were in
 * neither silver nor quarantine while doctor said "no problems" (an attack, stop 47). A problem after an hour, a note
 * before (its run may be going). The way back: ingest the object.
 */
async function unreadObjects(env: DoctorEnv, dataset: string, records: readonly RunRecord[], m: TableManifest | undefined, markers: () => Promise<SourceMarker[]>): Promise<Finding[]> {
  const prefix = layout.bronze(dataset);
  const objects = (await env.storage.list(prefix)).filter((o) => !o.key.slice(prefix.length).split('/').some((p) => p.startsWith('.')));
  if (!objects.length) return [];
  const contentOf = (key: string) => (key.startsWith(`${prefix}${BRONZE_OBJECTS}/`) ? key.slice(0, key.indexOf('/', prefix.length + BRONZE_OBJECTS.length + 1) + 1) : undefined);
  const read = new Set<string>();
  /** Keys a run or a commit names, and their content folders (an object of the same bytes is read too). */
  const markRead = (keys: readonly unknown[]) => {
    for (const key of keys) {
      if (typeof key !== 'string') continue;
      read.add(key);
      const c = contentOf(key);
      if (c) read.add(c);
    }
  };
  const stillUnread = (os: typeof objects) => os.filter((o) => !read.has(o.key) && !read.has(contentOf(o.key) ?? o.key));
  markRead([...records.map((r) => r.source?.key), ...Object.values(m?.sources ?? {}).map((s) => s.key)]);
  let unread = stillUnread(objects);
  // Committed sources gc moved out of the manifest into markers are read too: one killed after its commit, its run
  // record never written, was said to be in neither silver nor quarantine once gc had moved it (an attack, stop 50).
  // (Read only when something looks unread, and only the markers of the passes the manifest lists.)
  if (unread.length && m?.sourceArchives?.length) {
    markRead((await markers()).map(({ entry }) => (entry as { key?: unknown } | undefined)?.key));
    unread = stillUnread(unread);
  }
  // A file dropped into bronze/<dataset>/ while strata dev watched it is read through its copy, the bronze object
  // _objects/<content id>/<name> that keeps its mtime (workflows/watch.ts): the run names the copy. Doctor said the
  // file was never read, and that ingesting it (SKIPPED) was the way back (newcomer's trial, stop 52). A file with a
  // copy of its name, size and mtime (etag) that a run read is read when its content id is that copy's.
  const objectsPrefix = `${prefix}${BRONZE_OBJECTS}/`;
  const copies = objects.filter((o) => o.key.startsWith(objectsPrefix) && (read.has(o.key) || read.has(contentOf(o.key) ?? o.key)));
  if (copies.length) {
    for (const o of unread.filter((u) => !u.key.startsWith(objectsPrefix))) {
      const name = o.key.slice(prefix.length);
      // (The etag: locally the file's own size and mtime, where lastModified is its folder's when that is younger.)
      const same = copies.filter((c) => c.key.endsWith(`/${name}`) && c.size === o.size && c.etag === o.etag);
      if (!same.length) continue;
      const id = await env.storage.contentId(o.key).catch(() => undefined);
      if (id !== undefined && same.some((c) => c.key === layout.bronzeObject(dataset, id, name))) read.add(o.key);
    }
    unread = stillUnread(unread);
  }
  const plan = env.plans.get(dataset);
  const quarantined = new Set((await env.storage.list(plan.prefixes.quarantine)).flatMap((q) => quarantineSourceId(plan, q.key) ?? []));
  let failed = failedOnly(objects.filter((o) => !unread.includes(o)), records, m, quarantined);
  if (failed.length && m?.sourceArchives?.length) {
    // A commit gc moved out of the manifest (a run that failed after its commit stood) is a commit too.
    const archived = new Set((await markers()).map(({ entry }) => (entry as { key?: unknown } | undefined)?.key).filter((k): k is string => typeof k === 'string'));
    failed = failed.filter(({ o }) => !archived.has(o.key));
  }
  // Its bytes committed under another name (the same content folder, _objects/<id>/): most likely it sent again, so
  // a note; else a problem (a test's c.csv refused, then sent as c2.csv, was a problem for good: stop 53).
  const committedContent = new Set(Object.values(m?.sources ?? {}).flatMap((x) => contentOf(x.key) ?? []));
  const twin = ({ o }: (typeof failed)[number]) => committedContent.has(contentOf(o.key) ?? '');
  const [twins, lost] = [failed.filter(twin), failed.filter((f) => !twin(f))];
  const say = (fs: typeof failed, what: string) => `${plural(fs.length, 'object')} in bronze whose every run FAILED, and none committed: ${what}, `
    + `e.g. ${env.storage.uri(fs[0]!.o.key)} (run ${fs[0]!.run.runId}: ${fs[0]!.run.error?.name ?? 'FAILED'})`;
  // And when the file is not wanted (sent by mistake, to the wrong dataset, or again under a name that reads): its
  // object may go, nothing of it being committed; doctor gave no way to end the problem but a fix of that very file
  // (newcomer's trial, stop 57: gzip named .csv, sent again as .csv.gz to no avail).
  const failedWay = (fs: typeof failed) => {
    // (The object alone, never its content folder: another object of the same bytes may be there, committed.)
    const at = env.storage.uri(fs[0]!.o.key).replace(/^file:\/\//, '');
    return `see why with strata runs ${fs[0]!.run.runId}; once that is mended, ingest ${fs.length === 1 ? 'it' : 'each'} again: strata ingest ${dataset} ${at}; `
      + `or, if ${fs.length === 1 ? 'it is' : 'they are'} not wanted (sent by mistake or to the wrong dataset), delete ${fs.length === 1 ? 'that object' : 'each object'} (nothing of it was committed): ${at}`;
  };
  const failedFinding = [
    ...(lost.length ? [problem(`runs.${dataset}`, say(lost, `${lost.length === 1 ? 'its' : 'their'} rows are in neither silver nor quarantine`), failedWay(lost))] : []),
    ...(twins.length ? [note(`runs.${dataset}`, say(twins, `${twins.length === 1 ? 'its bytes were' : 'their bytes were'} committed under another name (sent again, most likely)`), `if ${twins.length === 1 ? 'it was' : 'they were'} not sent again, ${failedWay(twins)}`)] : []),
  ];
  if (!unread.length) return failedFinding;
  const now = Date.now();
  const old = unread.filter((o) => now - o.lastModified.getTime() > UNREAD_GRACE_MS);
  const young = unread.filter((o) => now - o.lastModified.getTime() <= UNREAD_GRACE_MS);
  const subject = `runs.${dataset}`;
  const way = (o: { key: string }) => `ingest ${unread.length === 1 ? 'it' : 'each'}: strata ingest ${dataset} ${env.storage.uri(o.key).replace(/^file:\/\//, '')}${unread.length === 1 ? '' : ' (and the others alike)'}`;
  return [
    ...failedFinding,
    ...(old.length ? [problem(subject, `${plural(old.length, 'object')} in bronze that no run has read, over an hour old (a put or an upload stopped before its run started): its rows are in neither silver nor quarantine, e.g. ${env.storage.uri(old[0]!.key)}`, way(old[0]!))] : []),
    ...(young.length ? [note(subject, `${plural(young.length, 'object')} in bronze that no run has read yet (written in the last hour: a run may still be going), e.g. ${env.storage.uri(young[0]!.key)}`,
      `if no run is going, ${way(young[0]!)}`)] : []),
  ];
}

// The fault harness: a lake attacked as an operator's worst day would, with the invariants (check.ts) checked after
// every blow, strata doctor --repair expected to leave it clean, and what the kills left in staging named by staging
// records and collected by strata gc a day later.
//   kills:  an ingest (or rollback, or gc) run as its own process and killed (SIGKILL) at a named fault point
//           (runtime/util/fault.ts), then recovered the way an operator would: the same file ingested again;
//   rounds: several writer processes started at once: appends into the same partitions, upserts of overlapping
//           keys, the same object several times, files with the same base name, and appends with one killed among them.
// Used by test/fault-harness.test.ts with a sample of the kill points chosen by a seed that changes every run, and by
// `npm run soak` (soak.ts) with every fault point, more writers and bigger files.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '../../runtime/runs/record.ts';
import { readManifest } from '../../runtime/table/store.ts';
import { gcStaging, readStaging } from '../../runtime/table/gc.ts';
import { repair, examine } from '../../workflows/doctor.ts';
import { ingestFile } from '../../workflows/ingest-local.ts';
import { openLocalLake, type LocalLake } from '../../workflows/lake.ts';
import { garbageCollect } from '../../workflows/maintenance.ts';
import { checkLake, type Expected } from './check.ts';
import { accountsFile, prng, salesFile, SCHEMAS } from './data.ts';

/**
 * Every boundary between the steps of an ingest, once: before staging, staging → commit, commit → registration,
 * registration → gold, gold → recording, after recording. (step.commit.after and step.register.before are the same
 * boundary: only the interpreter runs between them.)
 */
export const STEP_BOUNDARIES = ['step.stage.before', 'step.stage.after', 'step.commit.after', 'step.register.after', 'step.gold.after', 'step.record.after'];
/** Inside the steps: the bronze copy, the table protocol (build, swap, after the swap), gold's publish, the record, the catalog. */
export const PROTOCOL_POINTS = ['bronze.copied', 'commit.built', 'cas.rename', 'commit.swapped', 'gold.computed', 'gold.published', 'record.written', 'catalog.copied', 'catalog.rename'];
/** Every fault point an ingest passes, each side of every boundary (the soak uses them all). */
export const INGEST_KILL_POINTS = [...new Set([...STEP_BOUNDARIES, ...PROTOCOL_POINTS,
  'step.commit.before', 'step.register.before', 'step.gold.before', 'step.record.before'])];
/**
 * Kills of maintenance: a rollback between its silver commit and its gold refresh; gc between writing the source
 * markers and its manifest swap, and between its manifest swap and its deletes.
 */
export const MAINTENANCE_KILL_POINTS = ['rollback.committed', 'gc.markers', 'gc.swapped'];
/** The kill points of `npm test`'s harness run (18): each step boundary, each point inside the steps, each maintenance kill. */
export const KILL_POINTS = [...STEP_BOUNDARIES, ...PROTOCOL_POINTS, ...MAINTENANCE_KILL_POINTS];

/** The points with the maintenance kills moved, among the places they hold, into MAINTENANCE_KILL_POINTS' order. */
export function maintenanceInOrder(points: string[]): string[] {
  const at = points.flatMap((p, i) => (MAINTENANCE_KILL_POINTS.includes(p) ? [i] : []));
  const inOrder = MAINTENANCE_KILL_POINTS.filter((p) => points.includes(p));
  const out = [...points];
  at.forEach((i, k) => { out[i] = inOrder[k]!; });
  return out;
}

/** Fisher–Yates with a seeded generator: the same seed, the same order. Shuffles `xs` in place and returns it. */
export function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/**
 * `n` of KILL_POINTS, chosen by `seed` (each point is in a run's sample with probability n/18, so runs with changing
 * seeds cover them all; `npm run soak` runs every one each time), in KILL_POINTS' order: the rollback before gc, as
 * gc with retention 0 removes the versions the rollback would return to (it would then fail, never reaching its point).
 */
export function sampleKillPoints(seed: number, n: number): string[] {
  const chosen = new Set(shuffle([...KILL_POINTS], prng(seed ^ 0x5eed)).slice(0, n));
  return KILL_POINTS.filter((p) => chosen.has(p));
}

export type Round = 'append' | 'upsert' | 'same-object' | 'same-base-name' | 'kill-during';

export interface HarnessOptions {
  seed: number;
  kills: string[];
  rounds: Round[];
  writers: number;
  rows: number;
  log?: (line: string) => void;
}

export interface Figures {
  seed: number;
  /** Processes started to be killed, and how many the fault point actually killed. */
  kills: number;
  killed: number;
  /**
   * Points of the options' `kills` whose process ended without being killed there. Not the writer armed during a
   * round (counted in kills and killed only): it may miss its point, gold.computed and gold.published being skipped
   * when another writer's refresh already caught gold up.
   */
  unreached: string[];
  concurrentRounds: number;
  writerProcesses: number;
  checks: number;
  rowsLost: number;
  goldChecks: number;
  goldMismatches: number;
  doctorCleanAfterRepair: boolean;
  violations: string[];
  seconds: number;
}

const CLI = fileURLToPath(new URL('../../cli/strata.ts', import.meta.url));

interface Child { code: number | null; signal: NodeJS.Signals | null; records: RunRecord[]; stderr: string }

/** `strata <args>` as its own process, with the given fault armed. */
function strata(lake: LocalLake, schemas: string, args: string[], fault?: string): Promise<Child> {
  // Node's compile cache: the children load the same modules again and again (a third of their start-up).
  const env: NodeJS.ProcessEnv = { ...process.env, STRATA_LOG_LEVEL: 'SILENT', NODE_COMPILE_CACHE: join(tmpdir(), 'strata-harness-compile-cache') };
  delete env.STRATA_FAULT;
  if (fault) env.STRATA_FAULT = fault;
  const p = spawn(process.execPath, [CLI, ...args, '--lake', lake.dir, '--schemas', schemas, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => { stdout += d; });
  p.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => p.on('exit', (code, signal) => {
    let records: RunRecord[] = [];
    try { records = args[0] === 'ingest' ? JSON.parse(stdout) as RunRecord[] : []; } catch { /* killed: no output */ }
    resolve({ code, signal, records, stderr });
  }));
}

export async function runHarness(opts: HarnessOptions): Promise<Figures> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  const root = await mkdtemp(join(tmpdir(), `strata-harness-${opts.seed}-`));
  const schemas = join(root, 'schemas');
  await mkdir(schemas);
  for (const [name, text] of Object.entries(SCHEMAS)) await writeFile(join(schemas, `${name}.yaml`), text);
  const lake = await openLocalLake({ lake: join(root, 'lake'), schemas });
  const random = prng(opts.seed);
  const expected: Expected = { sales: [], accounts: [] };
  const salesPaths: string[] = [];
  const figures: Figures = {
    seed: opts.seed, kills: 0, killed: 0, unreached: [], concurrentRounds: 0, writerProcesses: 0, checks: 0, rowsLost: 0, goldChecks: 0, goldMismatches: 0,
    doctorCleanAfterRepair: false, violations: [], seconds: 0,
  };
  let n = 0;
  const newSales = async (dir = '') => {
    const f = salesFile(opts.seed, ++n, opts.rows);
    const path = join(root, 'in', dir, dir ? 'part.csv' : f.name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, f.csv);
    return { f, path };
  };
  const settle = (f: ReturnType<typeof salesFile>, path: string) => {
    expected.sales.push(f);
    salesPaths.push(path);
  };
  const ingestHere = async (dataset: string, path: string, why: string) => {
    const { record } = await ingestFile(lake, dataset, path);
    if (record.status !== 'SUCCEEDED' && record.status !== 'SKIPPED') figures.violations.push(`${why}: the recovery ingest of ${path} ended ${record.status}: ${record.error?.message}`);
  };
  const check = async (after: string) => {
    const r = await checkLake(lake.dir, expected);
    figures.checks++;
    figures.goldChecks += 3;
    figures.rowsLost += r.rowsLost;
    figures.goldMismatches += r.goldMismatches;
    for (const v of r.violations) figures.violations.push(`after ${after}: ${v}`);
    log(`  ${after}: ${r.violations.length ? `VIOLATED ${r.violations.join('; ')}` : `ok (silver.sales ${r.silverRows} rows)`}`);
  };

  try {
    // A lake with data first: two files each.
    for (let i = 0; i < 2; i++) {
      const { f, path } = await newSales();
      await ingestHere('sales', path, 'setup');
      settle(f, path);
      const a = accountsFile(opts.seed, ++n, opts.rows, opts.rows * 2);
      const ap = join(root, 'in', a.name);
      await writeFile(ap, a.csv);
      await ingestHere('accounts', ap, 'setup');
      expected.accounts.push(a.balances);
    }
    await check('setup');

    for (const point of opts.kills) {
      figures.kills++;
      let child: Child;
      if (point === 'rollback.committed') {
        const silver = (await readManifest(lake.storage, 'silver/sales/', lake.ctx.plans.get('sales'))).manifest;
        const commits = silver.history.filter((h) => h.kind === 'commit');
        child = await strata(lake, schemas, ['rollback', 'sales', '--to', commits[Math.floor(commits.length / 2)]!.runId], point);
        // The operator's way back: ingest again what the rollback removed (the rest is SKIPPED).
        if (child.signal === 'SIGKILL') figures.killed++;
        for (const p of salesPaths) await ingestHere('sales', p, point);
      } else if (point === 'gc.swapped' || point === 'gc.markers') {
        child = await strata(lake, schemas, ['gc', '--retention-days', '0'], point);
        if (child.signal === 'SIGKILL') figures.killed++;
        await garbageCollect(lake, { retentionDays: 0 });
        // gc moved the committed sources into markers: every object ingested so far is SKIPPED (the check counts rows)
        for (const p of salesPaths) await ingestHere('sales', p, point);
      } else {
        const { f, path } = await newSales();
        child = await strata(lake, schemas, ['ingest', 'sales', path], point);
        if (child.signal === 'SIGKILL') figures.killed++;
        else if (child.code !== 0) figures.violations.push(`kill at ${point}: the point was not reached and the run failed: ${child.stderr.slice(0, 300)}`);
        await ingestHere('sales', path, point);
        settle(f, path);
      }
      if (child.signal !== 'SIGKILL') figures.unreached.push(point);
      await check(`kill at ${point}${child.signal === 'SIGKILL' ? '' : ' (not reached)'}`);
    }

    for (const [i, round] of opts.rounds.entries()) {
      figures.concurrentRounds++;
      const w = opts.writers;
      if (round === 'append' || round === 'kill-during') {
        const files = await Promise.all(Array.from({ length: w }, () => newSales()));
        const points = [...INGEST_KILL_POINTS];
        const victim = round === 'kill-during' ? Math.floor(random() * w) : -1;
        const fault = points[Math.floor(random() * points.length)]!;
        const children = await Promise.all(files.map(({ path }, j) => strata(lake, schemas, ['ingest', 'sales', path], j === victim ? fault : undefined)));
        figures.writerProcesses += w;
        for (const [j, c] of children.entries()) {
          if (j === victim) { figures.kills++; if (c.signal === 'SIGKILL') figures.killed++; await ingestHere('sales', files[j]!.path, `round ${i} kill at ${fault}`); }
          else if (c.records[0]?.status !== 'SUCCEEDED') figures.violations.push(`round ${i} (${round}): writer ${j} ended ${c.records[0]?.status ?? c.code}: ${c.records[0]?.error?.message ?? c.stderr.slice(0, 300)}`);
          settle(files[j]!.f, files[j]!.path);
        }
      } else if (round === 'upsert') {
        const files = Array.from({ length: w }, () => accountsFile(opts.seed, ++n, opts.rows, opts.rows * 2));
        const paths = await Promise.all(files.map(async (a) => { const p = join(root, 'in', a.name); await writeFile(p, a.csv); return p; }));
        const children = await Promise.all(paths.map((p) => strata(lake, schemas, ['ingest', 'accounts', p])));
        figures.writerProcesses += w;
        for (const [j, c] of children.entries()) {
          if (c.records[0]?.status !== 'SUCCEEDED') figures.violations.push(`round ${i} (upsert): writer ${j} ended ${c.records[0]?.status ?? c.code}: ${c.stderr.slice(0, 300)}`);
          expected.accounts.push(files[j]!.balances);
        }
      } else if (round === 'same-object') {
        const { f, path } = await newSales();
        const children = await Promise.all(Array.from({ length: w }, () => strata(lake, schemas, ['ingest', 'sales', path])));
        figures.writerProcesses += w;
        const statuses = children.map((c) => c.records[0]?.status ?? `exit ${c.code}`).sort();
        if (statuses.filter((s) => s === 'SUCCEEDED').length !== 1 || statuses.some((s) => s !== 'SUCCEEDED' && s !== 'SKIPPED')) {
          figures.violations.push(`round ${i} (same object ×${w}): ${statuses.join(', ')} (want one SUCCEEDED, the rest SKIPPED)`);
        }
        settle(f, path);
      } else if (round === 'same-base-name') {
        const files = await Promise.all(Array.from({ length: w }, (_, j) => newSales(`x${i}-${j}`)));
        const children = await Promise.all(files.map(({ path }) => strata(lake, schemas, ['ingest', 'sales', path])));
        figures.writerProcesses += w;
        for (const [j, c] of children.entries()) {
          if (c.records[0]?.status !== 'SUCCEEDED') figures.violations.push(`round ${i} (same base name): writer ${j} ended ${c.records[0]?.status ?? c.code}`);
          settle(files[j]!.f, files[j]!.path);
        }
      }
      await check(`round ${i} (${round}, ${w} writers)`);
    }

    // The end of the day: strata doctor --repair leaves nothing wrong, and the invariants still hold.
    const fixed = await repair(lake);
    const after = await examine(lake);
    figures.doctorCleanAfterRepair = after.problems === 0;
    if (after.problems) figures.violations.push(`strata doctor after --repair: ${after.findings.filter((f) => f.level === 'problem').map((f) => `${f.subject}: ${f.message}`).join('; ')}`);
    log(`  doctor --repair: ${fixed.actions.length ? fixed.actions.join('; ') : 'nothing to repair'}; then ${after.problems} problem(s)`);
    await check('doctor --repair');
    // Staging: whatever the killed processes left there is named by a staging record (runtime/table/staging.ts), and
    // strata gc a day later leaves nothing there.
    const staged = await readStaging(lake.storage);
    if (staged.unrecorded.objects) figures.violations.push(`staging: ${staged.unrecorded.objects} file(s) that no staging record names, e.g. in ${staged.unrecorded.folders[0]}`);
    await gcStaging(lake.storage, new Date(Date.now() + 2 * 86_400_000));
    const left = await lake.storage.list('staging/');
    if (left.length) figures.violations.push(`staging after strata gc a day later: ${left.length} object(s) left, e.g. ${left[0]!.key}`);
    return figures;
  } finally {
    figures.seconds = Math.round((Date.now() - started) / 100) / 10;
    await rm(root, { recursive: true, force: true });
  }
}

// strata doctor: check every invariant of a local lake and say, per table, what is wrong and the way back; with
// --repair, do what is derivable and loses nothing, then look again.
import type { TableManifest } from '../table/manifest.ts';
import { REPAIR_ORDER, note, problem, type Finding } from './findings.ts';
import { layout } from '../../core/plan/layout.ts';
import { examineCatalogFile, examineLocks, examineQuarantine, examineStaging } from './lake.ts';
import { examineRuns } from './runs.ts';
import { examineTable, examineUndefinedTables, type DoctorEnv } from './tables.ts';
import { plural } from '../../core/text.ts';

export interface DoctorReport {
  /** Everything examined, in order: tables, run records, quarantine, catalog, locks, staging. */
  subjects: string[];
  findings: Finding[];
  /** Subjects with nothing wrong, each with one line about it. */
  healthy: Array<{ subject: string; summary: string }>;
  problems: number;
}

/**
 * Every table, run record and lake-wide file examined, as one consistent look: a run that commits while doctor reads
 * (its manifest read before, its record, entry or version folder after) made a healthy lake look damaged (an attack,
 * stop 53: --repair set newer entries aside, and doctor said a SUCCEEDED run's rows were not in silver). So the
 * manifests' identities (etags) are read before and after; when a table moved, the lake is examined again, up to
 * three times, and then said to be changing under doctor.
 */
export async function examineLake(env: DoctorEnv): Promise<DoctorReport> {
  for (let look = 1; ; look++) {
    const before = await manifestIds(env);
    const report = await examineOnce(env);
    const after = await manifestIds(env);
    const moved = env.tables.filter((_, i) => before[i] !== after[i]).map((t) => `${t.layer}.${t.name}`);
    if (!moved.length) return report;
    if (look === 3) {
      report.findings.push(note(moved[0]!, `${plural(moved.length, 'table')} (${moved.join(', ')}) changed while doctor read the lake, three times: runs are committing; what is said of ${moved.length === 1 ? 'it' : 'them'} may be out of date`,
        'run strata doctor again once the runs have ended'));
      return report;
    }
  }
}

/** Each table's manifest identity (its etag; '' when it has none), in env.tables' order. */
async function manifestIds(env: DoctorEnv): Promise<string[]> {
  return Promise.all(env.tables.map((t) => env.storage.head(layout.manifest(t.root)).then((i) => i?.etag ?? '', () => '?')));
}

async function examineOnce(env: DoctorEnv): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const healthy: DoctorReport['healthy'] = [];
  const ok = (subject: string, summary: string, fs: Finding[]) => {
    findings.push(...fs);
    if (!fs.some((f) => f.level === 'problem')) healthy.push({ subject, summary });
  };
  const push = (fs: Finding[]) => findings.push(...fs);
  const silver = new Map<string, TableManifest>();
  for (const t of env.tables) {
    const subject = `${t.layer}.${t.name}`;
    try {
      const exam = await examineTable(env, t);
      if (exam.manifest && t.layer === 'silver') silver.set(t.name, exam.manifest);
      ok(subject, exam.summary ?? '', exam.findings);
    } catch (e) {
      push([problem(subject, `could not be examined: ${(e as Error).message.split('\n')[0]}`)]);
    }
  }
  for (const plan of env.plans.list()) {
    const m = silver.get(plan.dataset);
    const runs = await examineRuns(env, plan.dataset, m);
    ok(`runs.${plan.dataset}`, `${plural(runs.count, 'run record')}${m ? ` ${runs.count === 1 ? 'agrees' : 'agree'} with the manifest` : ''}`, runs.findings);
  }
  push(await examineUndefinedTables(env));
  push(await examineQuarantine(env));
  ok('catalog', 'catalog.duckdb shows every catalog entry', await examineCatalogFile(env));
  ok('locks', 'no lock left by a dead process', await examineLocks(env));
  push(await examineStaging(env));
  const order = (s: string) => ['silver.', 'gold.', 'runs.', 'quarantine.', 'catalog', 'locks', 'staging'].findIndex((p) => s.startsWith(p));
  const seen = [...new Set([...env.tables.map((t) => `${t.layer}.${t.name}`), ...healthy.map((h) => h.subject), ...findings.map((f) => f.subject)])];
  const subjects = seen.map((s, i) => [s, i] as const).sort((a, b) => order(a[0]) - order(b[0]) || a[1] - b[1]).map(([s]) => s);
  return { subjects, findings, healthy, problems: findings.filter((f) => f.level === 'problem').length };
}

/**
 * Repair what can be derived, in order (locks, manifests, files, entries, gold, run records, catalog.duckdb), then
 * look again: one repair can reveal the next (a restored gold manifest is behind its silver). Stops when nothing
 * repairable is left or a round finds what the previous one did.
 */
export async function repairLake(env: DoctorEnv): Promise<{ actions: string[]; notRepaired: string[]; report: DoctorReport }> {
  const actions: string[] = [];
  const notRepaired: string[] = [];
  let seen = '';
  for (let round = 0; round < 4; round++) {
    const report = await examineLake(env);
    const todo = report.findings.filter((f) => f.repair).sort((a, b) => REPAIR_ORDER.indexOf(a.repair!.order) - REPAIR_ORDER.indexOf(b.repair!.order));
    const key = JSON.stringify(todo.map((f) => f.message));
    if (!todo.length || key === seen) return { actions, notRepaired, report };
    seen = key;
    for (const f of todo) {
      try {
        const done = await f.repair!.run();
        if (typeof done === 'string') actions.push(done);
        else notRepaired.push(done.notRepaired);
      } catch (e) {
        const name = (e as Error).name?.startsWith('Strata.') ? `${(e as Error).name}: ` : '';
        notRepaired.push(`${f.subject}: could not repair (${name}${(e as Error).message.split('\n')[0]})`);
      }
    }
  }
  return { actions, notRepaired, report: await examineLake(env) };
}


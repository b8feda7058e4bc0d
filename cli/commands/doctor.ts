// strata doctor [--repair]: check every invariant of the local lake; per table, what is wrong and the way back.
import type { DoctorReport } from '../../runtime/doctor/doctor.ts';
import { problem } from '../../runtime/doctor/findings.ts';
import { examine, repair } from '../../workflows/doctor.ts';
import { openLake, requireLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { out, plural } from '../output.ts';

export const doctor: Command = {
  usage: 'strata doctor [--repair]',
  options: {
    repair: { type: 'boolean', description: 'do what is derivable and loses nothing (rebuild the catalog, refresh stale gold, clear dead locks, restore a lost manifest from its history), then check again' },
  },
  async run({ values, global }) {
    requireLake(global, 'examine');
    const lake = await openLake(global);
    const fixed = values.repair === true ? await repair(lake) : undefined;
    // A dataset whose schema file has errors was left out (openLake warned): its tables were not examined, which is a
    // problem of its own, not 'no problems' and exit 0 (newcomer's trial, stop 45).
    const leftOut = lake.excluded.map((x) => problem(`dataset ${x.dataset}`, `not examined: ${x.file} has ${plural(x.diagnostics.length, 'error')}, so its tables were left out`,
      'strata check shows them; fix the file, then strata doctor again'));
    const examined = fixed?.report ?? await examine(lake);
    const report: DoctorReport = {
      ...examined, subjects: [...examined.subjects, ...leftOut.map((f) => f.subject)], findings: [...examined.findings, ...leftOut], problems: examined.problems + leftOut.length,
    };
    const lines = [`strata doctor: ${lake.dir}`];
    if (fixed) {
      // What a repair ran and could not do (a gold refresh its gate halted, an error) is not listed as repaired.
      lines.push(fixed.actions.length ? 'repaired:' : fixed.notRepaired.length ? 'repaired: nothing' : 'nothing to repair');
      lines.push(...fixed.actions.map((a) => `  ${a}`));
      if (fixed.notRepaired.length) lines.push('not repaired:', ...fixed.notRepaired.map((a) => `  ${a}`));
      lines.push('then:');
    }
    lines.push(...describe(report));
    out.result(lines.join('\n'), {
      lake: lake.dir, problems: report.problems, healthy: report.healthy, ...(fixed ? { repaired: fixed.actions, notRepaired: fixed.notRepaired } : {}),
      findings: report.findings.map(({ repair: r, ...f }) => ({ ...f, repairable: r !== undefined })),
    });
    return report.problems ? 1 : 0;
  },
};

/** Per subject: ok with its summary, or each finding with the way back. */
function describe(r: DoctorReport): string[] {
  const subjects = r.subjects;
  const width = Math.min(28, Math.max(...subjects.map((s) => s.length)));
  const lines: string[] = [];
  for (const s of subjects) {
    const fs = r.findings.filter((f) => f.subject === s);
    const ok = r.healthy.find((h) => h.subject === s);
    if (ok && !fs.length) lines.push(`  ${s.padEnd(width)}  ok${ok.summary ? `  ${ok.summary}` : ''}`);
    for (const [i, f] of fs.entries()) {
      lines.push(`  ${(i ? '' : s).padEnd(width)}  ${f.level === 'problem' ? 'PROBLEM' : 'note'}  ${f.message}`);
      if (f.way) lines.push(`  ${''.padEnd(width)}  way back: ${f.way}`);
    }
  }
  lines.push(r.problems
    ? `${plural(r.problems, 'problem')}${r.findings.some((f) => f.level === 'problem' && f.repair) ? ': strata doctor --repair fixes what is derivable' : ''}`
    : 'no problems');
  return lines;
}

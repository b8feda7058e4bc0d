// strata check: every schema file, every rule, every rendered state machine. Exit 1 on any error.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkAgainstLake } from '../../runtime/schema/evolution-check.ts';
import { LocalStorage } from '../../runtime/storage/local.ts';
import { defaultLakeDir } from '../../workflows/lake.ts';
import { formatDiagnostic, hasErrors } from '../../core/schema/diagnostics.ts';
import { loadProject } from '../../core/project.ts';
import { parseRules } from '../../core/dqdl/parse.ts';
import type { Command } from '../command.ts';
import { out, plural } from '../output.ts';

export const check: Command = {
  usage: 'strata check [--schemas dir] [--lake dir] [--json]   (also compares each schema with its table in the lake)',
  async run({ global }) {
    const project = await loadProject(resolve(global.schemas ?? 'schemas'));
    // Against the lake too, when there is one: a schema must evolve from what its table was written with (every file
    // that loads is compared, whatever problems other files have: one run shows them all).
    const lakeDir = defaultLakeDir(global.lake);
    const notes: string[] = [];
    if (project.schemas.length && existsSync(lakeDir)) {
      project.diagnostics.push(...(await checkAgainstLake(project.schemas, new LocalStorage(lakeDir), notes)));
    }
    const errors = project.diagnostics.filter((d) => d.severity === 'error');
    const warnings = project.diagnostics.filter((d) => d.severity === 'warning');
    // What was checked besides the datasets: their gold tables and quality rules.
    const gold = project.schemas.reduce((n, s) => n + s.spec.gold.length, 0);
    // (Rules as DQDL reads them: an entry `Rules = [ A, B, C ]` is three.)
    const count = (l: { halt: readonly string[]; warn: readonly string[] }) => parseRules([...l.halt, ...l.warn]).rules.length;
    const rules = project.schemas.reduce((n, s) => n + count(s.spec.quality.silver) + s.spec.gold.reduce((m, g) => m + count(g.quality), 0), 0);
    const checked = `${plural(project.schemas.length, 'dataset')} (${project.schemas.map((s) => s.spec.dataset).join(', ')})`
      + `${gold ? `, ${plural(gold, 'gold table')}` : ''}${rules ? `, ${plural(rules, 'quality rule')}` : ''}`;
    const human = [
      ...project.diagnostics.map(formatDiagnostic),
      ...notes.map((n) => `note: ${n}`),
      hasErrors(project.diagnostics)
        ? `${plural(errors.length, 'error')}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}`
        : `ok: ${checked}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}`,
    ].join('\n');
    out.result(human, { ok: !hasErrors(project.diagnostics), datasets: project.schemas.map((s) => s.spec.dataset), goldTables: gold, qualityRules: rules, diagnostics: project.diagnostics, notes });
    return hasErrors(project.diagnostics) ? 1 : 0;
  },
};

// strata gc: delete replaced versions older than the retention window, orphaned folders and old staging.
import { garbageCollect } from '../../workflows/maintenance.ts';
import { COMPACTION_RESULT_DAYS, layout } from '../../core/plan/layout.ts';
import { openLake, requireLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { out, plural, UsageError } from '../output.ts';

export const gc: Command = {
  usage: 'strata gc [--retention-days n] [--dry-run]',
  options: {
    'retention-days': { type: 'string', description: 'keep replaced versions this many days (default: each schema\'s retention.days)' },
    'dry-run': { type: 'boolean', description: 'say what would be deleted, delete nothing' },
  },
  async run({ values, global }) {
    requireLake(global, 'collect');
    const lake = await openLake(global);
    const days = values['retention-days'] === undefined ? undefined : Number(values['retention-days']);
    if (days !== undefined && !(days >= 0)) {
      throw new UsageError('--retention-days must be a number of days ≥ 0');
    }
    const r = await garbageCollect(lake, { ...(days !== undefined ? { retentionDays: days } : {}), dryRun: values['dry-run'] === true });
    const verb = values['dry-run'] ? 'would delete' : 'deleted';
    const move = values['dry-run'] ? 'would move' : 'moved';
    const lines = r.tables.filter((t) => t.expiredVersions || t.orphanFolders || t.archivedSources || t.archivedHistory)
      .map((t) => `${t.table}: ${verb} ${plural(t.expiredVersions, 'replaced version')}, ${plural(t.orphanFolders, 'orphaned folder')} (${(t.bytes / 1e6).toFixed(1)} MB)`
        + (t.archivedSources ? `; ${move} ${plural(t.archivedSources, 'committed source')} out of the manifest into source markers` : '')
        + (t.archivedHistory ? `; ${move} ${plural(t.archivedHistory, 'collected history entry', 'collected history entries')} into an archive` : ''));
    lines.push(`staging: ${verb} ${plural(r.staging.folders, 'old run folder')} (${(r.staging.bytes / 1e6).toFixed(1)} MB)`);
    const u = r.staging.unrecorded;
    if (u.objects) {
      lines.push(`staging: ${values['dry-run'] ? 'would keep' : 'kept'} ${plural(u.objects, 'file')} no staging record of strata's names (in ${u.folders.slice(0, 3).join(', ')}${u.folders.length > 3 ? ', …' : ''}): `
        + 'strata did not write them, or an earlier strata that kept no staging records did; delete them by hand once they are not wanted');
    }
    const c = r.compactionResults;
    if (c.files) lines.push(`compactions: ${verb} ${plural(c.files, 'result')} of compactions over ${COMPACTION_RESULT_DAYS} days old (${(c.bytes / 1e6).toFixed(1)} MB)`);
    if (c.kept.length) {
      lines.push(`compactions: ${values['dry-run'] ? 'would keep' : 'kept'} ${plural(c.kept.length, 'file')} under ${layout.compactionsRoot} that ${c.kept.length === 1 ? 'is' : 'are'} no compaction's result (${c.kept.slice(0, 3).join(', ')}${c.kept.length > 3 ? ', …' : ''}): delete ${c.kept.length === 1 ? 'it' : 'them'} by hand once not wanted`);
    }
    const p = r.pendingQuarantine;
    if (p.published || p.dropped) {
      lines.push(`quarantine: ${values['dry-run'] ? 'would publish' : 'published'} the pending rows of ${plural(p.published, 'object')} committed since, ${verb} ${plural(p.dropped, 'pending file')} of runs that failed or were killed before their commit, over a day ago`);
    }
    if (p.markers) {
      lines.push(`quarantine: ${verb} ${plural(p.markers, 'copy', 'copies')} of committed runs' quarantined rows kept for a rollback, past the retention window (the rows stay in quarantine)`);
    }
    if (p.stale) {
      lines.push(`quarantine: ${verb} the quarantine file of ${plural(p.stale, 'object')} no commit of which stands, holding the rows of a commit a rollback forgot (its rows are bronze's again)`);
    }
    for (const t of r.tables.filter((t) => t.keptForeign?.length)) {
      lines.push(`${t.table}: ${values['dry-run'] ? 'would keep' : 'kept'} ${plural(t.keptForeign!.length, 'file')} strata did not write, in the replaced versions' folders (${t.keptForeign!.slice(0, 3).join(', ')}${t.keptForeign!.length > 3 ? ', …' : ''}): move ${t.keptForeign!.length === 1 ? 'it' : 'them'} out of the table's folder`);
    }
    const failed = r.tables.filter((t) => t.error);
    for (const t of failed) out.error(`${t.table}: not collected: ${t.error!.name}: ${t.error!.message}`);
    // A table in doubt is left whole; the others are collected all the same.
    const kept = r.tables.filter((t) => t.kept);
    for (const t of kept) lines.push(`${t.table}: kept everything: ${t.kept}`);
    out.result(lines.join('\n'), r);
    return failed.length || kept.length ? 1 : 0;
  },
};

// How a compaction is shown to a person: per table, the partitions rewritten and their files before → after.
import type { LocalCompaction } from '../workflows/compact-local.ts';
import { plural } from './output.ts';

export function describeCompaction(c: LocalCompaction): string {
  if (!c.output) {
    const name = c.execution.error?.name ?? 'Strata.Internal';
    // What it did publish, it verified first: the rows are what they were, in fewer files (the message names the
    // partitions compacted meanwhile). A named error (a damaged file) fails the same way until its way back is taken;
    // anything else may pass when run again (an attack, stop 49: "the data is as it was. strata compact retries it"
    // stood beside a partition just compacted, for a damaged file no retry mends).
    const next = name.startsWith('Strata.') && name !== 'Strata.Internal'
      ? 'take the way back the message gives, then run strata compact again'
      : 'strata compact runs it again';
    return `✗ compaction of ${c.dataset} failed (execution ${c.runId}): ${name}: ${c.execution.error?.cause ?? ''}\n`
      + `    every partition it published was verified first: rows as they were, in fewer files; nothing else changed. ${next[0]!.toUpperCase()}${next.slice(1)}.`;
  }
  const lines: string[] = [];
  for (const t of c.output.tables) {
    const name = `${t.layer}.${t.table}`;
    if (t.status === 'skipped') { lines.push(`= ${name}: not compacted (${t.reason})`); continue; }
    const done = t.partitions.filter((p) => p.outcome === 'compacted');
    const tooLarge = t.partitions.filter((p) => p.outcome === 'too-large').map((p) => `    left alone: ${p.reason}`);
    if (!done.length) { lines.push(`= ${name}: ${tooLarge.length ? 'nothing compacted' : 'nothing to compact'}`, ...tooLarge); continue; }
    const before = done.reduce((a, p) => a + p.filesBefore, 0);
    const after = done.reduce((a, p) => a + p.filesAfter, 0);
    const rows = done.reduce((a, p) => a + p.rows, 0);
    lines.push(`✓ ${name}: ${plural(done.length, 'partition')} compacted, ${plural(before, 'file')} → ${after} (${plural(rows, 'row')}, identical; run ${c.output.runId}, ${(t.ms / 1000).toFixed(1)} s)`);
    const yielded = t.partitions.filter((p) => p.outcome === 'yielded');
    if (yielded.length) lines.push(`    left alone, another writer kept changing them: ${yielded.map((p) => p.path).join(', ')}`);
    lines.push(...tooLarge);
  }
  return lines.join('\n');
}

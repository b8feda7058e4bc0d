// How a compaction is shown to a person: per table, the partitions rewritten and their files before → after.
import type { LocalCompaction } from '../workflows/compact-local.ts';
import { plural } from './output.ts';

export function describeCompaction(c: LocalCompaction): string {
  if (!c.output) {
    return `✗ compaction of ${c.dataset} failed (execution ${c.runId}): ${c.execution.error?.name ?? 'Strata.Internal'}: ${c.execution.error?.cause ?? ''}\n`
      + '    nothing it had not verified was published; the data is as it was. strata compact retries it.';
  }
  const lines: string[] = [];
  for (const t of c.output.tables) {
    const name = `${t.layer}.${t.table}`;
    if (t.status === 'skipped') { lines.push(`= ${name}: not compacted (${t.reason})`); continue; }
    const done = t.partitions.filter((p) => p.outcome === 'compacted');
    if (!done.length) { lines.push(`= ${name}: nothing to compact`); continue; }
    const before = done.reduce((a, p) => a + p.filesBefore, 0);
    const after = done.reduce((a, p) => a + p.filesAfter, 0);
    const rows = done.reduce((a, p) => a + p.rows, 0);
    lines.push(`✓ ${name}: ${plural(done.length, 'partition')} compacted, ${plural(before, 'file')} → ${after} (${plural(rows, 'row')}, identical; run ${c.output.runId}, ${(t.ms / 1000).toFixed(1)} s)`);
    const yielded = t.partitions.filter((p) => p.outcome === 'yielded');
    if (yielded.length) lines.push(`    left alone, another writer kept changing them: ${yielded.map((p) => p.path).join(', ')}`);
  }
  return lines.join('\n');
}

// How a run is shown to a person: one status line, then what went wrong and where to look.
import type { RunRecord } from '../runtime/runs/record.ts';
import { plural, shellWord, thousands } from './output.ts';

const MARK: Record<string, string> = { SUCCEEDED: '✓', SKIPPED: '=', REJECTED: '✗', HALTED: '■', FAILED: '✗' };

/**
 * A run as lines for a person. `opts.lake`: the --lake the command was given (or the demo's lake), as typed, repeated
 * (shell-quoted) in the commands the summary suggests, so that they open the same lake when copied as printed.
 */
export function describeRun(r: RunRecord, opts: { verbose?: boolean; lake?: string | undefined } = {}): string {
  const secs = (r.durationMs / 1000).toFixed(1);
  const head = `${MARK[r.status] ?? '?'} ${r.status.padEnd(9)} ${r.dataset}  ${r.source.key}  (run ${r.runId}, ${secs} s)`;
  const lines = [head];
  if (r.status === 'SKIPPED') {
    // Silver did not change; a gold table behind it may have been brought up to date all the same, which is said
    // (newcomer's trial, stop 48: "nothing changed" after a first publish).
    const gold = describeGold(r).filter((l) => !/: unchanged \(|: no rows to publish \(/.test(l));
    lines.push(`    already ingested by run ${r.committedBy}; ${gold.length ? 'silver unchanged' : 'nothing changed'}`, ...gold);
    return lines.join('\n');
  }
  if (r.rowsIn || r.status !== 'FAILED') {
    const parts = [`${plural(r.rowsIn, 'row')} in`, `${thousands(r.rowsValid)} valid`, `${thousands(r.rowsQuarantined)} quarantined`];
    if (r.rowsSuperseded) parts.push(`${thousands(r.rowsSuperseded)} superseded by a later row with the same key`);
    if (r.status === 'SUCCEEDED') parts.push(`${plural(r.partitions.length, 'partition')} written`);
    lines.push(`    ${parts.join(' · ')}`);
  }
  // The error's name once, on its first line; the lines after it (what the message adds) under it.
  if (r.error && r.status !== 'SUCCEEDED') {
    for (const [i, l] of r.error.message.split('\n').entries()) {
      lines.push(i ? `      ${l}` : `    ${r.error.name}: ${l}`.replace(`${r.error.name}: ${r.error.name}`, r.error.name));
      // A rejection's message names its three most common reasons: the others are said to be there too (newcomer's
      // trial, stop 57: a SUCCEEDED summary of the same rows said "… and 5 more kinds", the REJECTED one nothing).
      if (i && r.status === 'REJECTED' && !opts.verbose && l.startsWith('most common: ')) lines.push(...moreReasons(r, 3));
    }
  }
  // Five, or six where the sixth would take the line that says one more is left out (newcomer's trial, stop 46).
  const reasons = opts.verbose || r.reasons.length <= 6 ? r.reasons : r.reasons.slice(0, 5);
  // (A rejection's are in its message, but for strata runs <id>, which lists them: it said it did, and did not.)
  if (reasons.length && (r.status !== 'REJECTED' || opts.verbose)) {
    lines.push('    quarantined because:');
    for (const q of reasons) lines.push(`      ${String(q.count).padStart(6)} × ${q.column ?? 'record'} ${q.rule}: ${q.message} (first at ${q.line !== null ? `line ${q.line}` : `record ${q.record}`})`);
    // The reasons left out are said to be there (two kinds of seven went unsaid: newcomer's trial, stop 45).
    lines.push(...moreReasons(r, reasons.length));
  }
  lines.push(...describeGold(r));
  lines.push(...describeQuality(r, opts.verbose ?? false));
  // A warning the error's message says already (a file that does not fit the schema: its problems) is not said twice.
  const said = new Set(r.status !== 'SUCCEEDED' ? (r.error?.message ?? '').split('\n') : []);
  const unsaid = r.warnings.filter((w) => !said.has(w));
  const warnings = opts.verbose || unsaid.length <= 6 ? unsaid : unsaid.slice(0, 5);
  for (const w of warnings) lines.push(`    warning: ${w}`);
  if (unsaid.length > warnings.length) lines.push(`    … and ${unsaid.length - warnings.length} more warning${unsaid.length - warnings.length === 1 ? '' : 's'} (strata runs ${r.runId} lists them all)`);
  if (r.rowsQuarantined && r.status !== 'FAILED') lines.push(`    see: npx strata query${opts.lake ? ` --lake ${shellWord(opts.lake)}` : ''} "select * from quarantine.${r.dataset} where run_id = '${r.runId}'"`);
  return lines.join('\n');
}

/**
 * The line saying how many kinds of reason are left out of the `shown` first ones, and where they are: the record keeps
 * the 10 most common (strata runs <id> lists those), the quarantine table every row's. It said "N more (strata runs
 * lists them all)" of a record that held 10 of 13 and a command that listed none of a rejection's (an attack, stop 57).
 */
function moreReasons(r: RunRecord, shown: number): string[] {
  const kinds = Math.max(r.reasonKinds ?? 0, r.reasons.length);
  const more = kinds - shown;
  if (more <= 0) return [];
  const count = `${r.reasonKinds !== undefined && r.reasonKinds >= 50 ? 'at least ' : ''}${more} more kind${more === 1 ? '' : 's'}`;
  const where = shown < r.reasons.length
    ? `strata runs ${r.runId} lists ${kinds > r.reasons.length ? `the ${r.reasons.length} most common` : 'them all'}`
    : `every row's reasons are in quarantine.${r.dataset}: select reasons from quarantine.${r.dataset} where run_id = '${r.runId}'`;
  return [`      … and ${count} of reason (${where})`];
}

/**
 * The gold tables the run refreshed, one line each: what was published (or that nothing changed, or the halt), how
 * (incremental or full) and from how much silver. A table with no gate had no word in the summary (newcomer's trial,
 * stop 45). Its gate, if any, follows in describeQuality.
 */
export function describeGold(r: RunRecord): string[] {
  const gold = (Array.isArray(r.gold) ? r.gold : []) as Array<{ table: string; mode?: string; status?: string; partitions?: string[]; removed?: string[]; rows?: number; read?: number }>;
  return gold.filter((g) => g.status).map((g) => {
    // (A run that failed after a table's publish knows what it published from the manifest, not how much it read.)
    const how = `${g.mode ? `${g.mode} refresh, ` : ''}${g.read === undefined ? (g.status === 'published' ? 'before the run failed' : 'nothing read') : `${plural(g.read, 'silver partition')} read`}`;
    const parts = g.partitions?.filter((p) => p !== '').length ?? 0;
    const what = g.status === 'published' && !g.rows && !parts && !g.removed?.length ? 'no rows to publish'
      : g.status === 'published'
      ? `published ${plural(g.rows ?? 0, 'row')}${parts ? ` in ${plural(parts, 'partition')}` : ''}${g.removed?.length ? `, ${plural(g.removed.length, 'partition')} removed` : ''}`
      : g.status === 'unchanged' ? 'unchanged' : g.status === 'halted' ? 'halted by its gate: nothing published' : `${g.status}: nothing published`;
    return `    gold.${g.table}: ${what} (${how})`;
  });
}

export interface GateView {
  halted?: boolean;
  score?: number;
  skipped?: string;
  results?: Array<{ rule: string; outcome: string; severity?: string; message: string }>;
}

/** The gates of a run: one line per gate, and every rule that did not pass (all rules with verbose). */
export function describeQuality(r: RunRecord, verbose: boolean): string[] {
  const gates: Array<[string, GateView]> = [];
  const silver = r.quality as GateView | undefined;
  if (silver?.results) gates.push([`silver.${r.dataset}`, silver]);
  for (const g of (Array.isArray(r.gold) ? r.gold : []) as Array<{ table: string; quality?: GateView }>) {
    if (g.quality?.results) gates.push([`gold.${g.table}`, g.quality]);
  }
  return gates.flatMap(([name, q]) => describeGate(name, q, verbose));
}

/** One gate: its line, and every rule that did not pass (all rules with verbose). Also strata refresh's. */
export function describeGate(name: string, q: GateView, verbose: boolean): string[] {
  const results = q.results ?? [];
  if (q.skipped) return [`    quality ${name}: not evaluated (${q.skipped})`];
  const passed = results.filter((x) => x.outcome === 'PASS').length;
  const lines = [`    quality ${name}: ${passed}/${results.length} rules passed (score ${(q.score ?? 1).toFixed(2)})${q.halted ? ', HALTED' : ''}`];
  for (const x of results) {
    if (x.outcome === 'PASS' && !verbose) continue;
    lines.push(`      ${x.outcome.padEnd(5)} ${(x.severity ?? '').padEnd(4)} ${x.rule} — ${x.message}`);
  }
  return lines;
}

// A problem found in a schema file, with where it is and how to fix it. Printed as `file:line: message`.

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  message: string;
  /** One line telling the data engineer what to change. */
  fix?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  // (Line 0: no place in a file; a folder, say.)
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const tag = d.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${tag}${d.message}${d.fix ? ` (fix: ${d.fix})` : ''}`;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** The closest candidate by edit distance, for "did you mean" fixes. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  // A truncated or extended spelling ("integr", "timestamps") is a stronger hint than edit distance.
  const prefix = candidates.filter((c) => c.length >= 3 && (w.startsWith(c.toLowerCase()) || c.toLowerCase().startsWith(w)))
    .sort((a, b) => Math.abs(a.length - w.length) - Math.abs(b.length - w.length))[0];
  if (prefix && w.length >= 3) return prefix;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const s = editDistance(word.toLowerCase(), c.toLowerCase());
    if (s < bestScore) { bestScore = s; best = c; }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

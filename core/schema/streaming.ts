// The schema keys of streaming ingestion and compaction, with their defaults and the checks of their meaning:
// a streamed dataset is read as Firehose writes it (gzipped JSON lines), sortBy names columns, a schedule is one
// EventBridge Scheduler accepts. Structure (types, ranges, unknown keys) is the JSON Schema's job.
import { closest } from './diagnostics.ts';
import {
  DEFAULT_COMPACTION, DEFAULT_STREAM_BUFFER,
  type CompactionSpec, type DatasetCompactionSpec, type SourceSpec, type StreamSpec,
} from './model.ts';
import type { Path } from './yaml-source.ts';

type Raw = Record<string, any>;
type Report = (path: Path, message: string, fix?: string) => void;

/** `stream:` with its defaults; a source Firehose's objects cannot be read as is an error at source. */
export function streamSpec(raw: Raw | undefined, source: Pick<SourceSpec, 'format' | 'compression'>, err: Report): StreamSpec | undefined {
  if (raw === undefined) return undefined;
  // Firehose writes the bytes of each record as sent, one after the other, and (GZIP) compresses the object: JSON
  // lines when producers end every record with a newline, in objects named .gz (core/plan/stream.ts).
  if (source.format !== 'jsonl') {
    err(['source', 'format'], `dataset streams records (stream:), which arrive as JSON lines; source.format ${source.format} cannot read them`,
      'set source.format: jsonl (one JSON object per line)');
  }
  if (source.compression !== 'auto' && source.compression !== 'gzip') {
    err(['source', 'compression'], `dataset streams records (stream:), which arrive gzipped (.gz); source.compression ${source.compression} cannot read them`,
      'set source.compression: auto (or gzip)');
  }
  return {
    buffer: { seconds: raw.buffer?.seconds ?? DEFAULT_STREAM_BUFFER.seconds, megabytes: raw.buffer?.megabytes ?? DEFAULT_STREAM_BUFFER.megabytes },
    source: raw.source ?? 'direct',
  };
}

/**
 * A table's `compaction:` with its defaults; sortBy must name columns (`at` is where the key sits). Gold columns are
 * known only once the SQL is analysed: without `columns`, sortBy is checked there (core/gold/compaction-check.ts).
 */
export function compactionSpec(raw: Raw | undefined, columns: readonly string[] | undefined, at: Path, err: Report): CompactionSpec | undefined {
  if (raw === undefined) return undefined;
  const sortBy: string[] = raw.sortBy ?? [];
  if (columns) sortByProblems(sortBy, columns).forEach(({ index, message, fix }) => err([...at, 'sortBy', index], message, fix));
  return { minFiles: raw.minFiles ?? DEFAULT_COMPACTION.minFiles, targetMb: raw.targetMb ?? DEFAULT_COMPACTION.targetMb, sortBy };
}

/** sortBy entries that are not columns, or repeat one. */
export function sortByProblems(sortBy: readonly string[], columns: readonly string[]): Array<{ index: number; message: string; fix: string }> {
  const out: Array<{ index: number; message: string; fix: string }> = [];
  sortBy.forEach((c, i) => {
    if (!columns.includes(c)) {
      const guess = closest(c, [...columns]);
      out.push({ index: i, message: `compaction.sortBy names "${c}", which is not a column`, fix: guess ? `did you mean "${guess}"?` : `use one of ${columns.join(', ')}` });
    } else if (sortBy.indexOf(c) !== i) {
      out.push({ index: i, message: `compaction.sortBy lists "${c}" twice`, fix: 'list each column once' });
    }
  });
  return out;
}

/** The dataset's `compaction:`: its silver policy and the schedule of its compaction execution. */
export function datasetCompactionSpec(raw: Raw | undefined, columns: readonly string[], err: Report): DatasetCompactionSpec | undefined {
  const policy = compactionSpec(raw, columns, ['compaction'], err);
  if (!policy) return undefined;
  const schedule: string = raw!.schedule ?? DEFAULT_COMPACTION.schedule;
  const problem = scheduleProblem(schedule);
  if (problem) err(['compaction', 'schedule'], `compaction.schedule "${schedule}" ${problem}`, 'write e.g. rate(1 hour), rate(30 minutes) or cron(15 * * * ? *)');
  return { ...policy, schedule };
}

/**
 * Why EventBridge Scheduler would refuse a recurring expression, or undefined. Rate: "rate(value unit)" with value
 * ≥ 1 and the unit singular for 1 (minute, hour, day) and plural otherwise; cron: six fields ("Schedule types on
 * EventBridge Scheduler" in the EventBridge Scheduler User Guide). One-time at() schedules are not recurring.
 */
export function scheduleProblem(expr: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return 'has a rate below 1';
    const singular = !rate[2]!.endsWith('s');
    if ((n === 1) !== singular) return `must say ${n === 1 ? rate[2]!.replace(/s$/, '') : `${rate[2]}s`} for a value of ${n}`;
    return undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(expr);
  if (cron) return cron[1]!.trim().split(/\s+/).length === 6 ? undefined : 'needs six cron fields (minutes hours day-of-month month day-of-week year)';
  return 'is not a rate(...) or cron(...) expression';
}

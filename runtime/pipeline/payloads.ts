// The JSON that flows through the state machine. Kept small (Step Functions caps payloads at 256 KB): anything
// proportional to the data (files, partitions, reasons) stays in storage and is referenced by key.
import type { ReasonCount } from '../ingest/validate-file.ts';
import type { GoldOutput } from '../gold/types.ts';

/**
 * The most characters of one message (a warning, a file problem, a reason's message) a payload carries: a message may
 * hold a value from the file, of any length, and the payload must not grow with the data. Cut at 1,000 characters
 * (whole code points) with what was left out said; the whole message stays in storage (stage.json, quarantine).
 * 50 messages at most (StageOutput: 20 warnings, 20 file problems, 10 reasons) come to about 50 KB of the 256 KiB.
 */
export const PAYLOAD_MESSAGE_CHARS = 1000;

/** `text` as a payload carries it: whole up to PAYLOAD_MESSAGE_CHARS characters, else cut, saying how much is left out. */
export function payloadMessage(text: string): string {
  if (text.length <= PAYLOAD_MESSAGE_CHARS) return text;
  const points = [...text];
  if (points.length <= PAYLOAD_MESSAGE_CHARS) return text;
  return `${points.slice(0, PAYLOAD_MESSAGE_CHARS).join('')}… (${points.length - PAYLOAD_MESSAGE_CHARS} more characters)`;
}

/** Execution input: one bronze object to ingest. */
export interface RunInput {
  dataset: string;
  runId: string;
  /**
   * The object version the run ingests and nothing else: its version id (S3 events of a versioned bucket), else the
   * ETag it had (unversioned buckets: If-Match); a content id when the caller computed it writing the object locally.
   */
  source: { key: string; versionId?: string; etag?: string; size?: number; contentId?: string };
  /** Evaluation clock (ISO): rules with now() and DataFreshness use it. */
  now: string;
  startedAt: string;
}

export interface StageOutput {
  dataset: string;
  runId: string;
  /** Identifies the object's content under its key (hash of key and content id): the same bytes again are SKIPPED. */
  sourceId: string;
  /** etag: the event's ETag if it had one, else the content id; contentId: SHA-256 of the bytes read. */
  source: { key: string; etag: string; size: number; versionId?: string; contentId: string };
  /** The object was committed before: nothing to do. */
  alreadyIngested: boolean;
  committedBy?: string;
  /** staging/<dataset>/<runId>/stage.json, the full result (files, partitions, reasons). */
  stageKey: string;
  rowsIn: number;
  rowsValid: number;
  rowsQuarantined: number;
  rowsSuperseded: number;
  rejectRatio: number;
  /** The file's shape does not fit the schema (e.g. a required field missing from the header): rejected whatever the ratio. */
  schemaMismatch: boolean;
  partitions: number;
  /** First problems of the file, for the run record and the reject message. */
  warnings: string[];
  fileProblems: string[];
  topReasons: ReasonCount[];
  /** How many kinds of reason there are (topReasons holds the 10 most common); 50 means 50 or more. */
  reasonKinds?: number;
  ms: number;
}

export interface CommitOutput {
  status: 'committed' | 'already';
  committedBy?: string;
  version: number;
  /** How many partitions got a new version; their paths are in the silver manifest's history (changesBy). */
  partitions: number;
  quarantineKey?: string;
  ms: number;
}

export interface RegisterOutput {
  created: number;
  updated: number;
  deleted: number;
  ms: number;
}

/** Error as Step Functions hands it to a Catch (Cause is a JSON string when it came from Lambda). */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

/** The whole execution state, as the recorders see it. */
export interface RunState extends RunInput {
  stage?: StageOutput;
  quality?: unknown;
  commit?: CommitOutput;
  register?: RegisterOutput;
  gold?: unknown;
  error?: CaughtError;
  /** The last refusal of this run's commit by other runs' commits (Strata.CommitConflict), when it was staged again. */
  conflict?: CaughtError;
  /** How many times the run was staged again after such a refusal (the ASL's CommitConflict state). */
  restaged?: { count: number };
}

/** A gold refresh as the Gold state holds it: partition paths counted (the run record lists them: record.ts readChanges). */
export type GoldStepOutput = Omit<GoldOutput, 'partitions' | 'removed'> & { partitions: number; removed: number };

export function goldStepOutput(out: GoldOutput): GoldStepOutput {
  return { ...out, partitions: out.partitions.length, removed: out.removed.length };
}

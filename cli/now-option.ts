// The --now option of the commands that run the pipeline (ingest, put): the clock of quality rules.
import type { Command } from './command.ts';
import { UsageError } from './output.ts';

export const NOW_OPTION: NonNullable<Command['options']> = {
  now: { type: 'string', description: 'evaluation clock for quality rules (default: the current time)' },
};

/** --now as an ISO time; undefined when absent; a UsageError (exit 2) when it is not a time. */
export function nowOf(values: Record<string, unknown>): string | undefined {
  const now = typeof values.now === 'string' ? values.now : undefined;
  if (now === undefined) return undefined;
  if (Number.isNaN(Date.parse(now))) throw new UsageError(`--now "${now}" is not an ISO timestamp (e.g. 2025-06-15T12:00:00Z)`);
  return new Date(now).toISOString();
}
